/* Exception entry stubs: push a uniform frame (struct exc_frame) and call
 * exception_dispatch(). Vectors with a CPU-pushed error code skip the dummy. */
	.text

.macro ISR vec
isr_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

.altmacro
.set i, 0
.rept 32
	ISR %i
	.set i, i + 1
.endr

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
	mov %rsp, %rdi
	and $-16, %rsp
	call exception_dispatch
1:	cli
	hlt
	jmp 1b

/* The registers a C call may clobber, and RBP, which holds the stack
 * pointer from before its 16-byte alignment. */
.macro SAVE_CALLER_SAVED
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbp
.endm
.macro RESTORE_CALLER_SAVED
	popq %rbp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
.endm

/* NMI: not fatal (exceptions.c, nmi_dispatch). The C caller-saved
 * registers are saved; IRETQ restores RFLAGS and ends NMI blocking. */
	.globl nmi_isr
nmi_isr:
	SAVE_CALLER_SAVED
	mov %rsp, %rbp
	and $-16, %rsp
	cld
	call nmi_dispatch
	mov %rbp, %rsp
	RESTORE_CALLER_SAVED
	iretq

/* The console CPU's timer tick only wakes it from HLT. */
	.globl console_tick_isr
console_tick_isr:
	pushq %rax
	pushq %rcx
	pushq %rdx
	mov $0x80B, %ecx		/* x2APIC EOI */
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	popq %rdx
	popq %rcx
	popq %rax
	iretq

/* Vectors 32-255 that argon did not ask for (exceptions.c,
 * stray_irq_dispatch): counted, acknowledged, returned from. The C
 * caller-saved registers are saved; the vector is popped before IRETQ. */
.macro IRQ vec
irq_\vec:
	pushq $\vec
	jmp irq_common
.endm

.set i, 32
.rept 224
	IRQ %i
	.set i, i + 1
.endr

irq_common:
	SAVE_CALLER_SAVED
	mov %rsp, %rbp
	mov 80(%rsp), %rdi		/* the vector */
	and $-16, %rsp
	cld
	call stray_irq_dispatch
	mov %rbp, %rsp
	RESTORE_CALLER_SAVED
	add $8, %rsp
	iretq

/* A spurious interrupt (SDM vol 3, 11.9) needs no EOI. */
	.globl spurious_isr
spurious_isr:
	iretq

.macro STUBADDR vec
	.if \vec == 2
	.quad nmi_isr
	.else
	.quad isr_\vec
	.endif
.endm

	.section .data.rel.ro, "aw"
	.balign 8
	.globl isr_stub_table
isr_stub_table:
.set i, 0
.rept 32
	STUBADDR %i
	.set i, i + 1
.endr

.macro IRQADDR vec
	.quad irq_\vec
.endm

	.balign 8
	.globl irq_stub_table
irq_stub_table:
.set i, 32
.rept 224
	IRQADDR %i
	.set i, i + 1
.endr
	.section .note.GNU-stack, "", @progbits
