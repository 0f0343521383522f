/* The first instructions of an application processor after INIT-SIPI-SIPI.
 * Copied to a page below 1 MiB (linear address T, the SIPI vector T >> 12);
 * the C side patches the slots below. It goes real -> protected -> long
 * mode and calls entry(arg) on its own stack. A 32-bit MOV to CR3 reaches
 * only the first 4 GiB, where argon's own top-level table need not be, so
 * long mode starts on a copy of that table below 1 MiB (ap_tr_cr3) and the
 * 64-bit code then loads the real one (ap_tr_cr3_64); both identity-map
 * the trampoline. Addresses are offsets from ap_trampoline_start plus T,
 * kept in EBX. */
#define OFF(x) ((x) - ap_trampoline_start)

	.text
	.code16
	.globl ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	xor %ebx, %ebx
	mov %cs, %bx
	shl $4, %ebx
	lgdtl OFF(ap_tr_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl *OFF(ap_tr_pm32_jump)

	.code32
ap_tr_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	lea 0xFF0(%ebx), %esp		/* top of the trampoline's page */
	mov OFF(ap_tr_cr4)(%ebx), %eax
	mov %eax, %cr4
	mov OFF(ap_tr_cr3)(%ebx), %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx
	mov OFF(ap_tr_efer)(%ebx), %eax
	xor %edx, %edx
	wrmsr
	mov OFF(ap_tr_cr0)(%ebx), %eax
	mov %eax, %cr0
	lea OFF(ap_tr_lm64)(%ebx), %eax
	push $0x18
	push %eax
	lret

	.code64
ap_tr_lm64:
	mov %ebx, %ebx			/* upper half is undefined after the switch */
	mov OFF(ap_tr_cr3_64)(%rbx), %rax
	mov %rax, %cr3
	mov OFF(ap_tr_stack)(%rbx), %rsp
	mov OFF(ap_tr_arg)(%rbx), %rdi
	mov OFF(ap_tr_entry)(%rbx), %rax
	xor %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
ap_tr_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08: 32-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10: data */
	.quad 0x00AF9A000000FFFF	/* 0x18: 64-bit code */
	.globl ap_tr_gdt_ptr
ap_tr_gdt_ptr:
	.word 4 * 8 - 1
	.long OFF(ap_tr_gdt)		/* + T */
	.globl ap_tr_pm32_jump
ap_tr_pm32_jump:
	.long OFF(ap_tr_pm32)		/* + T */
	.word 0x08
	.balign 8
	.globl ap_tr_cr3, ap_tr_cr0, ap_tr_cr4, ap_tr_efer, ap_tr_stack, ap_tr_entry, ap_tr_arg
	.globl ap_tr_cr3_64
ap_tr_cr3_64:
	.quad 0
ap_tr_cr3:
	.long 0
ap_tr_cr0:
	.long 0
ap_tr_cr4:
	.long 0
ap_tr_efer:
	.long 0
ap_tr_stack:
	.quad 0
ap_tr_entry:
	.quad 0
ap_tr_arg:
	.quad 0
	.globl ap_trampoline_end
ap_trampoline_end:
	.section .note.GNU-stack, "", @progbits
