/* Linux bzImage guests through the 64-bit boot protocol: checking the
 * image, choosing where the kernel and initrd go in guest-physical memory,
 * and filling the zero page. Pure logic; the loader copies the bytes and
 * sets up the vCPU. See docs/linux-boot.md.
 *
 * CPU state the loader must give the first vCPU (boot.rst, "64-bit Boot
 * Protocol"):
 *   - 64-bit mode: CR0.PE|PG, CR4.PAE, EFER.LME|LMA.
 *   - Page tables that identity-map at least [kernel_load, kernel_load +
 *     init_size), the zero page and the command line. Mapping all guest
 *     RAM below 4 GiB (and the initrd wherever it is) covers that with room
 *     to spare.
 *   - A GDT with LINUX_BOOT_CS (0x10) as a flat execute/read 64-bit code
 *     segment and LINUX_BOOT_DS (0x18) as a flat read/write data segment;
 *     CS = 0x10, DS = ES = SS = 0x18 (FS and GS: 0x18 too).
 *   - Interrupts off (RFLAGS = 0x2), RSI = guest-physical address of the
 *     zero page, RIP = layout.entry (kernel_load + 0x200). No stack is
 *     needed: the kernel sets RSP before its first push. The other general
 *     registers are best zero.
 */
#ifndef ARGON_LIB_BZIMAGE_H
#define ARGON_LIB_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/boot_params.h"

#define BZIMAGE_MIN_VERSION 0x020C    /* 2.12: the first with xloadflags */
#define BZIMAGE_ENTRY64_OFFSET 0x200  /* startup_64, from the load address */
#define BZIMAGE_DEFAULT_LOAD 0x100000 /* where a kernel without pref_address goes */
#define BZIMAGE_LOW_END 0x100000      /* nothing of the kernel's goes below 1 MiB */
#define BZIMAGE_MAX_ADDR (1ULL << 52) /* architectural physical address limit */

#define LINUX_BOOT_CS 0x10 /* __BOOT_CS */
#define LINUX_BOOT_DS 0x18 /* __BOOT_DS */

struct bzimage_info {
	uint16_t version;	   /* boot protocol, (major << 8) | minor */
	uint16_t xloadflags;	   /* XLF_*; XLF_KERNEL_64 is always set */
	uint8_t loadflags;	   /* LOADED_HIGH is always set */
	bool relocatable;	   /* relocatable_kernel != 0 */
	uint32_t cmdline_size;	   /* longest command line, without the NUL */
	uint64_t header_end;	   /* file offset just past the setup header */
	uint64_t setup_size;	   /* (setup_sects + 1) * 512, setup_sects 0 meaning 4 */
	uint64_t kernel_offset;	   /* file offset of the protected-mode kernel (= setup_size) */
	uint64_t kernel_size;	   /* its bytes in the file: syssize * 16 */
	uint64_t pref_address;	   /* pref_address, or BZIMAGE_DEFAULT_LOAD if 0 */
	uint64_t kernel_alignment; /* a power of two when relocatable */
	uint64_t init_size;	   /* memory the kernel uses from its load address */
	uint64_t initrd_addr_max;  /* highest byte the initrd may occupy (inclusive) */
	uint64_t entry64_offset;   /* BZIMAGE_ENTRY64_OFFSET */
};

/* Checks a bzImage of len bytes and describes it: boot_flag 0xAA55,
 * "HdrS", a jump at 0x200 whose target bounds a header that holds every
 * field through init_size and fits the zero page, setup and protected-mode
 * code (syssize) inside the file, init_size >= kernel_size, a power-of-two
 * alignment for a relocatable kernel, pref_address below
 * BZIMAGE_MAX_ADDR. -ERR_INVAL for a malformed image; -ERR_NOTSUP for a
 * well-formed one argon cannot boot: protocol < 2.12, not LOADED_HIGH
 * (zImage) or no XLF_KERNEL_64. Bytes after the protected-mode code (a
 * signature) are allowed and ignored. */
int bzimage_parse(const void *img, size_t len, struct bzimage_info *out);

struct e820_range {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_* from lib/boot_params.h */
};

/* Where a Linux guest's pieces go, in guest-physical addresses. */
struct linux_boot_layout {
	/* Set by bzimage_plan. */
	uint64_t ram_size;    /* RAM is [0, ram_size) as far as placement goes */
	uint64_t kernel_load; /* copy the protected-mode kernel here */
	uint64_t entry;	      /* kernel_load + 0x200: RIP at entry */
	uint64_t initrd_gpa;  /* 0 when there is no initrd */
	uint64_t initrd_size;
	/* Set by the loader before bzimage_fill_boot_params. */
	uint64_t cmdline_gpa;	  /* where the loader copies cmdline (NUL included) */
	uint64_t boot_params_gpa; /* where the zero page goes: RSI at entry */
	uint64_t rsdp_gpa;	  /* ACPI RSDP; 0 lets Linux search the BIOS areas */
	const struct e820_range *e820;
	unsigned e820_count; /* at most BP_E820_MAX */
	const char *cmdline; /* NULL means "" */
};

/* Places the kernel and the initrd in guest RAM [0, ram_size), leaving
 * [0, max(1 MiB, low_reserved_end)) to the loader (its GDT, page tables,
 * zero page, command line and ACPI tables belong there); a loader that
 * keeps something at the top of RAM passes a smaller ram_size.
 *
 * Kernel: a relocatable kernel goes at pref_address, or at the first
 * kernel_alignment boundary above the reserved area if pref_address lies
 * inside it, never lower than pref_address: loaded lower, Linux's 64-bit
 * entry still decompresses itself at pref_address (its LOAD_PHYSICAL_ADDR),
 * so memory below it would not be saved. A fixed kernel goes at
 * pref_address or nowhere (-ERR_RANGE if that is in the reserved area).
 * It needs [kernel_load, kernel_load + init_size), below 4 GiB unless
 * XLF_CAN_BE_LOADED_ABOVE_4G.
 *
 * Initrd (initrd_size > 0): page-aligned, as high as it fits below
 * min(ram_size, initrd_addr_max + 1) above the kernel's region, else as
 * high as it fits below the kernel and above the reserved area.
 *
 * Fills the first five fields of *out and zeroes the rest. -ERR_NOSPC when
 * RAM is too small for the kernel or the initrd, -ERR_INVAL for bad
 * arguments (ram_size above BZIMAGE_MAX_ADDR included). */
int bzimage_plan(const struct bzimage_info *bi, uint64_t ram_size, uint64_t initrd_size,
		 uint64_t low_reserved_end, struct linux_boot_layout *out);

/* Fills the 4 KiB zero page (a struct boot_params, any alignment) for the
 * 64-bit entry: zeroes it, copies the image's setup header (0x1F1 up to
 * 0x202 + the byte at 0x201), then sets type_of_loader = 0xFF, LOADED_HIGH
 * in loadflags, code32_start (kernel_load, when below 4 GiB),
 * cmd_line_ptr/ext_cmd_line_ptr, ramdisk_image/size and their ext_ high
 * halves, acpi_rsdp_addr and the e820 table.
 *
 * CAN_USE_HEAP and heap_end_ptr are left alone: only the 16-bit setup code
 * uses a heap, and the 64-bit entry skips that code.
 *
 * Checks before writing anything: the header as bzimage_parse does; the
 * kernel at an aligned address (at pref_address for a fixed kernel); the
 * command line no longer than cmdline_size (-ERR_RANGE); the kernel's
 * init_size region, the initrd, the command line and the zero page not
 * overlapping (-ERR_EXIST); the kernel region and the initrd inside E820_RAM
 * entries (-ERR_RANGE); without XLF_CAN_BE_LOADED_ABOVE_4G everything below
 * 4 GiB and the initrd below initrd_addr_max (-ERR_RANGE); at most
 * BP_E820_MAX entries (-ERR_NOSPC). -ERR_INVAL for missing arguments, a
 * zero kernel_load or cmdline_gpa. */
int bzimage_fill_boot_params(void *zero_page, const void *img, size_t len,
			     const struct bzimage_info *bi, const struct linux_boot_layout *layout);

#endif
