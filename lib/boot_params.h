/* The Linux/x86 boot protocol's data layouts: the setup header that a
 * bzImage carries at file offset 0x1F1, and the 4 KiB "zero page"
 * (struct boot_params) that a loader hands the kernel, which embeds a copy
 * of that header at the same offset. Written from the protocol documents
 * (Documentation/arch/x86/boot.rst and zero-page.rst); offsets in comments
 * are from the start of the file or the zero page, which agree for the
 * header. Everything is little-endian and packed; only the fields argon
 * reads or writes have names, the rest are byte arrays. */
#ifndef ARGON_LIB_BOOT_PARAMS_H
#define ARGON_LIB_BOOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#define BP_SETUP_HEADER_OFF 0x1F1 /* in the file and in the zero page */
#define BP_BOOT_FLAG_MAGIC 0xAA55
#define BP_HDRS_MAGIC 0x53726448 /* "HdrS" */
#define BP_JUMP_OPCODE 0xEB	 /* jmp rel8 at 0x200; the header ends at 0x202 + rel8 */
#define BP_SECTOR_SIZE 512
#define BP_TYPE_OF_LOADER_UNDEF 0xFF /* a loader without an assigned id */

/* loadflags (0x211). */
#define LOADED_HIGH (1u << 0)	/* protected-mode code loads at 1 MiB (bzImage) */
#define KASLR_FLAG (1u << 1)	/* kernel internal */
#define QUIET_FLAG (1u << 5)	/* loader asks for no early messages */
#define KEEP_SEGMENTS (1u << 6) /* obsolete */
#define CAN_USE_HEAP (1u << 7)	/* heap_end_ptr is valid (16-bit setup code only) */

/* xloadflags (0x236, protocol 2.12+). */
#define XLF_KERNEL_64 (1u << 0) /* 64-bit entry at load address + 0x200 */
/* The kernel, zero page, command line and initrd may lie above 4 GiB. */
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define XLF_EFI_HANDOVER_32 (1u << 2)
#define XLF_EFI_HANDOVER_64 (1u << 3)
#define XLF_EFI_KEXEC (1u << 4)
#define XLF_5LEVEL (1u << 5)
#define XLF_5LEVEL_ENABLED (1u << 6)

/* The setup header. Comments give the absolute offset (file or zero page)
 * and the protocol version that introduced the field. */
struct setup_header {
	uint8_t setup_sects;	  /* 0x1F1 sectors of setup code after the boot sector; 0 means 4 */
	uint16_t root_flags;	  /* 0x1F2 */
	uint32_t syssize;	  /* 0x1F4 protected-mode code size in 16-byte units (2.04+) */
	uint16_t ram_size;	  /* 0x1F8 obsolete */
	uint16_t vid_mode;	  /* 0x1FA */
	uint16_t root_dev;	  /* 0x1FC */
	uint16_t boot_flag;	  /* 0x1FE BP_BOOT_FLAG_MAGIC */
	uint8_t jump[2];	  /* 0x200 0xEB, then the header's end - 0x202 */
	uint32_t header;	  /* 0x202 BP_HDRS_MAGIC */
	uint16_t version;	  /* 0x206 (major << 8) | minor */
	uint32_t realmode_swtch;  /* 0x208 */
	uint16_t start_sys_seg;	  /* 0x20C obsolete */
	uint16_t kernel_version;  /* 0x20E */
	uint8_t type_of_loader;	  /* 0x210 written by the loader */
	uint8_t loadflags;	  /* 0x211 LOADED_HIGH, ... */
	uint16_t setup_move_size; /* 0x212 */
	uint32_t code32_start;	  /* 0x214 */
	uint32_t ramdisk_image;	  /* 0x218 low 32 bits of the initrd address */
	uint32_t ramdisk_size;	  /* 0x21C low 32 bits of its size */
	uint32_t bootsect_kludge; /* 0x220 obsolete */
	uint16_t heap_end_ptr;	  /* 0x224 (2.01+) */
	uint8_t ext_loader_ver;	  /* 0x226 (2.02+) */
	uint8_t ext_loader_type;  /* 0x227 (2.02+) */
	uint32_t cmd_line_ptr;	  /* 0x228 low 32 bits of the command line address (2.02+) */
	uint32_t initrd_addr_max; /* 0x22C highest byte the initrd may occupy (2.03+) */
	uint32_t kernel_alignment;	/* 0x230 (2.05+) */
	uint8_t relocatable_kernel;	/* 0x234 (2.05+) */
	uint8_t min_alignment;		/* 0x235 log2 (2.10+) */
	uint16_t xloadflags;		/* 0x236 XLF_* (2.12+) */
	uint32_t cmdline_size;		/* 0x238 longest command line, without the NUL (2.06+) */
	uint32_t hardware_subarch;	/* 0x23C 0 = PC (2.07+) */
	uint64_t hardware_subarch_data; /* 0x240 (2.07+) */
	uint32_t payload_offset;	/* 0x248 (2.08+) */
	uint32_t payload_length;	/* 0x24C (2.08+) */
	uint64_t setup_data;		/* 0x250 list of struct setup_data (2.09+) */
	uint64_t pref_address;		/* 0x258 preferred load address (2.10+) */
	uint32_t init_size;		/* 0x260 memory needed from the load address (2.10+) */
	uint32_t handover_offset;	/* 0x264 EFI handover entry (2.11+) */
	uint32_t kernel_info_offset;	/* 0x268 (2.15+) */
} __attribute__((packed));

#define SH_OFF(field) (BP_SETUP_HEADER_OFF + offsetof(struct setup_header, field))
_Static_assert(sizeof(struct setup_header) == 0x26C - 0x1F1, "setup header ends at 0x26C");
_Static_assert(SH_OFF(syssize) == 0x1F4, "syssize");
_Static_assert(SH_OFF(boot_flag) == 0x1FE, "boot_flag");
_Static_assert(SH_OFF(jump) == 0x200, "jump");
_Static_assert(SH_OFF(header) == 0x202, "header");
_Static_assert(SH_OFF(version) == 0x206, "version");
_Static_assert(SH_OFF(type_of_loader) == 0x210, "type_of_loader");
_Static_assert(SH_OFF(loadflags) == 0x211, "loadflags");
_Static_assert(SH_OFF(code32_start) == 0x214, "code32_start");
_Static_assert(SH_OFF(ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(SH_OFF(heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(SH_OFF(cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(SH_OFF(initrd_addr_max) == 0x22C, "initrd_addr_max");
_Static_assert(SH_OFF(kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(SH_OFF(relocatable_kernel) == 0x234, "relocatable_kernel");
_Static_assert(SH_OFF(xloadflags) == 0x236, "xloadflags");
_Static_assert(SH_OFF(cmdline_size) == 0x238, "cmdline_size");
_Static_assert(SH_OFF(setup_data) == 0x250, "setup_data");
_Static_assert(SH_OFF(pref_address) == 0x258, "pref_address");
_Static_assert(SH_OFF(init_size) == 0x260, "init_size");
_Static_assert(SH_OFF(handover_offset) == 0x264, "handover_offset");
_Static_assert(SH_OFF(kernel_info_offset) == 0x268, "kernel_info_offset");

/* One memory map entry as the zero page holds it (20 bytes, unaligned). */
struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_* */
} __attribute__((packed));
_Static_assert(sizeof(struct boot_e820_entry) == 20, "e820 entry is 20 bytes");

/* e820 types. */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3 /* ACPI tables, reclaimable once parsed */
#define E820_NVS 4
#define E820_UNUSABLE 5
#define E820_PMEM 7

#define BP_E820_MAX 128 /* entries the zero page holds */

/* The zero page. Areas argon never fills (screen, APM, IST, EDID, EFI,
 * EDD) are left as zeroed byte arrays of the right size. */
struct boot_params {
	uint8_t screen_info[0x40];	 /* 0x000 */
	uint8_t apm_bios_info[0x14];	 /* 0x040 */
	uint8_t pad_054[4];		 /* 0x054 */
	uint64_t tboot_addr;		 /* 0x058 */
	uint8_t ist_info[0x10];		 /* 0x060 */
	uint64_t acpi_rsdp_addr;	 /* 0x070 RSDP address, 0 = search for it */
	uint8_t pad_078[8];		 /* 0x078 */
	uint8_t hd0_info[0x10];		 /* 0x080 obsolete */
	uint8_t hd1_info[0x10];		 /* 0x090 obsolete */
	uint8_t sys_desc_table[0x10];	 /* 0x0A0 obsolete */
	uint8_t olpc_ofw_header[0x10];	 /* 0x0B0 */
	uint32_t ext_ramdisk_image;	 /* 0x0C0 high 32 bits of ramdisk_image */
	uint32_t ext_ramdisk_size;	 /* 0x0C4 high 32 bits of ramdisk_size */
	uint32_t ext_cmd_line_ptr;	 /* 0x0C8 high 32 bits of cmd_line_ptr */
	uint8_t pad_0cc[0x13C - 0x0CC];	 /* 0x0CC */
	uint32_t cc_blob_address;	 /* 0x13C */
	uint8_t edid_info[0x80];	 /* 0x140 */
	uint8_t efi_info[0x20];		 /* 0x1C0 */
	uint32_t alt_mem_k;		 /* 0x1E0 */
	uint32_t scratch;		 /* 0x1E4 */
	uint8_t e820_entries;		 /* 0x1E8 */
	uint8_t eddbuf_entries;		 /* 0x1E9 */
	uint8_t edd_mbr_sig_buf_entries; /* 0x1EA */
	uint8_t kbd_status;		 /* 0x1EB */
	uint8_t secure_boot;		 /* 0x1EC */
	uint8_t pad_1ed[2];		 /* 0x1ED */
	uint8_t sentinel;		 /* 0x1EF nonzero if a loader copied too much */
	uint8_t pad_1f0;		 /* 0x1F0 */
	struct setup_header hdr;	 /* 0x1F1 */
	uint8_t pad_26c[0x290 - 0x26C];	 /* 0x26C room for the header to grow */
	uint32_t edd_mbr_sig_buffer[16]; /* 0x290 */
	struct boot_e820_entry e820_table[BP_E820_MAX]; /* 0x2D0 */
	uint8_t pad_cd0[0xD00 - 0xCD0];			/* 0xCD0 */
	uint8_t eddbuf[0x1EC];				/* 0xD00 */
	uint8_t pad_eec[0x1000 - 0xEEC];		/* 0xEEC */
} __attribute__((packed));

_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0C0, "ext_ramdisk_image");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_size) == 0x0C4, "ext_ramdisk_size");
_Static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0C8, "ext_cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, cc_blob_address) == 0x13C, "cc_blob_address");
_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1E8, "e820_entries");
_Static_assert(offsetof(struct boot_params, sentinel) == 0x1EF, "sentinel");
_Static_assert(offsetof(struct boot_params, hdr) == BP_SETUP_HEADER_OFF, "hdr");
_Static_assert(offsetof(struct boot_params, hdr.cmd_line_ptr) == 0x228, "hdr.cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2D0, "e820_table");
_Static_assert(offsetof(struct boot_params, eddbuf) == 0xD00, "eddbuf");

/* The header's end may lie anywhere up to here (the hole before 0x290);
 * the jump at 0x200 says where. */
#define BP_SETUP_HEADER_LIMIT 0x290

#endif
