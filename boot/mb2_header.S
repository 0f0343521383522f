/* The Multiboot2 header of argon.elf. The linker script puts it first in
 * the first loaded segment, so it sits well within the 32 KiB of the file
 * that GRUB searches. GRUB loads the ELF by its program headers and enters
 * at the ELF entry point (mb2_start), so no address tag is needed. */
#include "boot/multiboot2.h"

	.section .multiboot_header, "a"
	.balign MB2_HEADER_ALIGN
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* What boot/mb2_main.c reads. GRUB gives all of these on a BIOS
	 * machine anyway; asking makes the dependency explicit. Optional,
	 * so that a loader without, say, ACPI tags still boots us. */
	.balign MB2_HEADER_ALIGN
1:	.short MB2_HTAG_INFO_REQUEST
	.short MB2_HTAG_OPTIONAL
	.long 2f - 1b
	.long MB2_TAG_MMAP
	.long MB2_TAG_ACPI_NEW
	.long MB2_TAG_ACPI_OLD
	.long MB2_TAG_MODULE
	.long MB2_TAG_CMDLINE
2:
	/* Modules on page boundaries: argon reserves them as whole pages. */
	.balign MB2_HEADER_ALIGN
	.short MB2_HTAG_MODULE_ALIGN
	.short 0
	.long 8

	.balign MB2_HEADER_ALIGN
	.short MB2_HTAG_END
	.short 0
	.long 8
mb2_header_end:

	.section .note.GNU-stack, "", @progbits
