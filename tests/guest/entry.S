/* Test guest entry and interrupt stubs.
 *
 * argon starts us in 64-bit mode with interrupts off and RSP = 0
 * (vmm/guest_abi.h). We load our own GDT because IRETQ reloads CS and SS
 * from the GDT, and the ABI does not say where argon's GDT lives (or that
 * it stays intact while we overwrite RAM). */

#define GUEST_CS 0x08 /* ARGON_GUEST_CS */
#define GUEST_DS 0x10 /* ARGON_GUEST_DS */
#define STACK_SIZE 0x10000

	.section .text.entry, "ax"
	.code64
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	leaq stack_top(%rip), %rsp
	/* argon's hand-over: RDI = command line, RSI = RAM size. */
	movq %rdi, %r12
	movq %rsi, %r13

	lgdt gdt_ptr(%rip)
	pushq $GUEST_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	movl $GUEST_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs

	/* Nothing live on the stack yet, so the whole .bss can go. */
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb

	xorl %ebp, %ebp /* ends frame-pointer chains */
	movq %r12, %rdi
	movq %r13, %rsi
	call guest_main /* RSP is 16-byte aligned at the call */
2:	cli
	hlt
	jmp 2b
	.size _start, . - _start

/* One stub per vector. Vectors without a CPU error code push a 0 so every
 * frame has the same shape (struct trap_frame in idt.h); isr_table lists
 * the stubs' addresses in vector order. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

	.section .rodata
	.balign 8
	.globl isr_table
	.type isr_table, @object
isr_table:
	.text
	.set .Lvec, 0
	.rept 256
	.balign 16
3:	.if HAS_ERROR_CODE(.Lvec) == 0
	pushq $0
	.endif
	pushq $.Lvec
	jmp isr_common
	.section .rodata
	.quad 3b
	.text
	.set .Lvec, .Lvec + 1
	.endr
	.section .rodata
	.size isr_table, . - isr_table
	.text

/* The frame is 22 quadwords (5 from the CPU, the error code, the vector,
 * 15 registers) on a stack the CPU 16-byte aligned before pushing, so RSP
 * is aligned for the call already; the AND keeps that true regardless. */
	.type isr_common, @function
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi /* struct trap_frame * */
	movq %rsp, %rbx /* callee-saved: survives the call */
	andq $-16, %rsp
	cld
	call trap_handler
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector and error code */
	iretq
	.size isr_common, . - isr_common

/* Accessed bits preset so loading a selector never writes the GDT. */
	.section .rodata
	.balign 16
gdt:
	.quad 0                  /* 0x00: null */
	.quad 0x00AF9B000000FFFF /* 0x08: 64-bit code, DPL 0, present, accessed */
	.quad 0x00CF93000000FFFF /* 0x10: data, read/write, DPL 0, present, accessed */
gdt_end:
	.balign 8
	.skip 6 /* puts the 8-byte base on an 8-byte boundary */
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.bss
	.balign 16
stack_bottom:
	.skip STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
