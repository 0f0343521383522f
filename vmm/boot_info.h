/* What a boot entry (UEFI or Multiboot2) hands to the core. boot/ fills it
 * in memory the core will not reuse, then calls core_main() on a fresh stack. */
#ifndef ARGON_VMM_BOOT_INFO_H
#define ARGON_VMM_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x6172676f6e626f6fULL /* "argonboo" */
#define BOOT_MAX_MEM_RANGES 256
#define BOOT_MAX_FILES 40
#define BOOT_FILE_NAME_MAX 128
#define BOOT_CMDLINE_MAX 256
#define BOOT_CONFIG_NAME "argon.conf"

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,   /* free for the core from the start */
	BOOT_MEM_BOOT_RECLAIM, /* firmware boot-time memory: free once the core
				   * runs on its own stack, GDT and page tables */
	BOOT_MEM_ARGON,	       /* argon's image and what boot/ loaded for it */
	BOOT_MEM_ACPI_RECLAIM,
	BOOT_MEM_ACPI_NVS,
	BOOT_MEM_FW_RUNTIME, /* firmware runtime code and data */
	BOOT_MEM_RESERVED,
	BOOT_MEM_MMIO,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum boot_mem_type */
	uint32_t pad;
};

/* A file named by the config, read from the config's folder. data is NULL
 * when the file could not be read; err then says why (a negated lib/err.h
 * code). */
struct boot_file {
	char name[BOOT_FILE_NAME_MAX];
	const void *data;
	uint64_t size;
	int err;
};

struct boot_info {
	uint64_t magic;
	const char *loader;  /* "uefi" or "multiboot2" */
	uint64_t rsdp_pa;    /* 0 when the firmware gave none */
	uint64_t image_base; /* argon's own image, physical */
	uint64_t image_size;
	uint64_t stack_base; /* the BSP stack the core runs on */
	uint64_t stack_size;
	uint64_t early_pool_base; /* zeroed pages for the core's first allocations */
	uint64_t early_pool_size;
	/* Powers the machine off through the firmware, if the boot path has a
	 * way; the core uses ACPI S5 first and this as the fallback. */
	void (*fw_power_off)(void);
	char cmdline[BOOT_CMDLINE_MAX];
	char config_dir[BOOT_FILE_NAME_MAX]; /* for messages: where argon.conf lives */
	uint32_t mem_count;
	uint32_t file_count;
	struct boot_mem_range mem[BOOT_MAX_MEM_RANGES];
	struct boot_file files[BOOT_MAX_FILES]; /* files[0] is argon.conf */
};

/* The core's entry point; never returns. */
void core_main(struct boot_info *bi) __attribute__((noreturn));

/* Looks a file up by the name the config used; NULL if boot/ has no entry. */
const struct boot_file *boot_find_file(const struct boot_info *bi, const char *name);

#endif
