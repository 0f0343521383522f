/* The Multiboot2 structures argon.elf uses (Multiboot2 specification 2.0):
 * the header GRUB looks for in the first 32 KiB of the image, and the
 * boot information GRUB hands over in EBX. Offsets in comments. Shared by
 * the assembly (constants only) and C. */
#ifndef ARGON_BOOT_MULTIBOOT2_H
#define ARGON_BOOT_MULTIBOOT2_H

/* Header: 8-byte aligned, within the first 32 KiB of the file. */
#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0 /* 32-bit protected mode entry */
#define MB2_HEADER_ALIGN 8

#define MB2_HTAG_END 0
#define MB2_HTAG_INFO_REQUEST 1
#define MB2_HTAG_MODULE_ALIGN 6
#define MB2_HTAG_OPTIONAL 1 /* flags: the loader may ignore the tag */

/* Hand-over: EAX holds this, EBX the physical address of the info. */
#define MB2_BOOT_MAGIC 0x36D76289

/* Boot information tags, each 8-byte aligned. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14 /* a copy of an ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW 15 /* a copy of an ACPI 2.0+ RSDP */
#define MB2_TAG_ALIGN 8

/* Memory map entry types (the BIOS e820 types). */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED 2
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BADRAM 5

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct mb2_info {
	uint32_t total_size; /* 0x00: including this header and the end tag */
	uint32_t reserved;   /* 0x04 */
	uint8_t tags[];	     /* 0x08: each MB2_TAG_ALIGN-aligned */
};

struct mb2_tag {
	uint32_t type; /* 0x00 */
	uint32_t size; /* 0x04: without the padding to the next tag */
};

struct mb2_tag_string { /* MB2_TAG_CMDLINE */
	struct mb2_tag tag;
	char string[]; /* 0x08: NUL-terminated */
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start; /* 0x08: physical */
	uint32_t mod_end;   /* 0x0c: exclusive */
	char cmdline[];	    /* 0x10: NUL-terminated */
};

struct mb2_tag_basic_meminfo {
	struct mb2_tag tag;
	uint32_t mem_lower; /* 0x08: KiB from 0 */
	uint32_t mem_upper; /* 0x0c: KiB from 1 MiB */
};

struct mb2_mmap_entry {
	uint64_t base; /* 0x00 */
	uint64_t len;  /* 0x08 */
	uint32_t type; /* 0x10: MB2_MEM_* */
	uint32_t zero; /* 0x14 */
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size;	/* 0x08: step between entries */
	uint32_t entry_version; /* 0x0c */
	uint8_t entries[];	/* 0x10: entry_size apart */
};

struct mb2_tag_acpi { /* MB2_TAG_ACPI_OLD / MB2_TAG_ACPI_NEW */
	struct mb2_tag tag;
	uint8_t rsdp[]; /* 0x08: the RSDP, copied */
};

_Static_assert(sizeof(struct mb2_info) == 8, "mb2_info");
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2_tag");
_Static_assert(offsetof(struct mb2_tag_module, cmdline) == 0x10, "mb2_tag_module");
_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 0x10, "mb2_tag_basic_meminfo");
_Static_assert(sizeof(struct mb2_mmap_entry) == 0x18, "mb2_mmap_entry");
_Static_assert(sizeof(struct mb2_tag_mmap) == 0x10, "mb2_tag_mmap");
_Static_assert(offsetof(struct mb2_tag_acpi, rsdp) == 0x08, "mb2_tag_acpi");
#endif

#endif
