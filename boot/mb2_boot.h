/* Shared by the Multiboot2 entry's C files (boot/mb2_*.c). */
#ifndef ARGON_BOOT_MB2_BOOT_H
#define ARGON_BOOT_MB2_BOOT_H

#include <stdint.h>

#include "boot/multiboot2.h"
#include "vmm/boot_info.h"

/* From GRUB's memory map tag, or the basic memory tag without one. */
void mb2_mem_from_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t);
void mb2_mem_from_basic(struct boot_info *bi, const struct mb2_tag_basic_meminfo *t);

/* Marks [base, base+size), widened to whole pages, as BOOT_MEM_ARGON where
 * it lies in USABLE memory, splitting the USABLE ranges around it. */
void mb2_mem_claim(struct boot_info *bi, uint64_t base, uint64_t size);

/* Sorts the map by address and merges touching ranges of one type. */
void mb2_mem_finish(struct boot_info *bi);

/* Identity-maps all memory in bi->mem beyond the first 4 GiB that the
 * entry mapped (the core allocates from the top of memory before its own
 * page tables are live). USABLE memory it cannot map becomes RESERVED. */
void mb2_map_all(struct boot_info *bi);

/* Turns USABLE memory at or above limit into RESERVED. */
void mb2_mem_limit(struct boot_info *bi, uint64_t limit);

void boot_enter_core(struct boot_info *bi, uint64_t stack_top, void (*entry)(struct boot_info *))
	__attribute__((noreturn));

#endif
