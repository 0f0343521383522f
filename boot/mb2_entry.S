/* Multiboot2 entry: from GRUB's 32-bit protected mode (paging off, EAX =
 * MB2_BOOT_MAGIC, EBX = the boot information) to 64-bit long mode, then
 * mb2_main(magic, info) in C.
 *
 * The control registers end up as UEFI leaves them on x86-64, so the core
 * sees the same machine from both entries: CR0 = PE|MP|ET|NE|WP|PG (VMXON
 * needs NE), CR4 = PAE|OSFXSR|OSXMMEXCPT, EFER = LME (+NXE where the CPU
 * has it), and an identity map of the first 4 GiB in 2 MiB pages, which
 * mb2_main() extends over all memory before it calls the core. */
#include "boot/multiboot2.h"

#define CR0_BOOT 0x80010033 /* PG | WP | NE | ET | MP | PE */
#define CR4_BOOT 0x00000620 /* OSXMMEXCPT | OSFXSR | PAE */
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CPUID_EXT_LM (1 << 29) /* 0x80000001 EDX */
#define CPUID_EXT_NX (1 << 20)
#define PTE_P_RW 0x003
#define PDE_2M 0x083 /* P | RW | PS */
#define BOOT_CS 0x08
#define BOOT_DS 0x10
#define BOOT_STACK_SIZE 0x4000
#define COM1 0x3F8

	.section .text.mb2_entry, "ax"
	.code32
	.globl mb2_start
	.type mb2_start, @function
mb2_start:
	cli
	cld
	movl %eax, %esi /* kept in ESI and EBP until mb2_main */
	movl %ebx, %ebp

	/* GRUB zeroes .bss as it loads the ELF; other loaders may not, and
	 * the early pool must start zeroed. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $mb2_boot_stack + BOOT_STACK_SIZE, %esp

	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_LM, %edx
	jz no_long_mode
	movl %edx, %edi /* the NX bit, for EFER below */

	/* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories, whose
	 * 2048 entries map 0-4 GiB. */
	movl $mb2_pdpt + PTE_P_RW, mb2_pml4
	movl $mb2_pd + PTE_P_RW, %eax
	xorl %ecx, %ecx
1:	movl %eax, mb2_pdpt(, %ecx, 8)
	addl $0x1000, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	movl $PDE_2M, %eax
	xorl %ecx, %ecx
2:	movl %eax, mb2_pd(, %ecx, 8)
	movl $0, mb2_pd + 4(, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	movl $CR4_BOOT, %eax
	movl %eax, %cr4
	movl $mb2_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $CPUID_EXT_NX, %edi
	jz 3f
	orl $EFER_NXE, %eax
3:	wrmsr
	movl $CR0_BOOT, %eax
	movl %eax, %cr0

	lgdt mb2_gdt_ptr
	ljmp $BOOT_CS, $long_mode

no_long_mode:
	/* No way into the core: say why on COM1 (GRUB left it set up). */
	movl $msg_no_lm, %ebx
4:	movb (%ebx), %al
	testb %al, %al
	jz 6f
	movw $COM1 + 5, %dx
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movb (%ebx), %al
	movw $COM1, %dx
	outb %al, %dx
	incl %ebx
	jmp 4b
6:	hlt
	jmp 6b

	.code64
long_mode:
	movl $BOOT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $mb2_boot_stack + BOOT_STACK_SIZE, %rsp
	movl %esi, %edi /* magic */
	movl %ebp, %esi /* info, zero-extended */
	xorl %ebp, %ebp
	call mb2_main
7:	hlt
	jmp 7b
	.size mb2_start, . - mb2_start

	.section .rodata
msg_no_lm:
	.asciz "argon: this CPU has no 64-bit mode; cannot start\r\n"

	/* Null, 64-bit code, data. The core loads its own GDT first thing. */
	.balign 8
mb2_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
mb2_gdt_end:
	.balign 8
mb2_gdt_ptr:
	.short mb2_gdt_end - mb2_gdt - 1
	.long mb2_gdt

	.section .bss
	.balign 4096
	.globl mb2_pml4, mb2_pdpt
mb2_pml4:
	.skip 4096
mb2_pdpt:
	.skip 4096
mb2_pd:
	.skip 4 * 4096
mb2_boot_stack:
	.skip BOOT_STACK_SIZE

	.section .note.GNU-stack, "", @progbits
