/* int vmx_enter(struct guest_regs *regs, int launched)
 *
 * Loads the guest's general registers (RSP, RIP and RFLAGS live in the
 * VMCS), enters with VMLAUNCH or VMRESUME, and on the next VM exit comes
 * back through vmx_exit_point (the VMCS host RIP) with RSP = the host RSP
 * written here, stores the guest registers and returns 0. Returns 1 when
 * VMLAUNCH/VMRESUME itself fails. The return stack buffer is refilled
 * before argon's first RET after the exit (vmm/host/rsb.h). Offsets match
 * struct guest_regs. */
#include "vmm/host/rsb.h"

#define VMCS_HOST_RSP 0x6C14

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi			/* 0(%rsp): regs, for the exit path */

	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax

	mov %esi, %r8d			/* launched? */
	test %r8d, %r8d
	mov 0(%rdi), %rax
	mov 8(%rdi), %rcx
	mov 16(%rdi), %rdx
	mov 24(%rdi), %rbx
	mov 40(%rdi), %rbp
	mov 48(%rdi), %rsi
	mov 64(%rdi), %r8
	mov 72(%rdi), %r9
	mov 80(%rdi), %r10
	mov 88(%rdi), %r11
	mov 96(%rdi), %r12
	mov 104(%rdi), %r13
	mov 112(%rdi), %r14
	mov 120(%rdi), %r15
	mov 56(%rdi), %rdi		/* flags from the test survive the movs */
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Only a failed VMLAUNCH/VMRESUME gets here. */
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	mov $1, %eax
	ret
	.size vmx_enter, . - vmx_enter

	.globl vmx_exit_point
	.type vmx_exit_point, @function
vmx_exit_point:
	push %rdi			/* guest RDI; regs is now at 8(%rsp) */
	mov 8(%rsp), %rdi
	mov %rax, 0(%rdi)
	mov %rcx, 8(%rdi)
	mov %rdx, 16(%rdi)
	mov %rbx, 24(%rdi)
	mov %rbp, 40(%rdi)
	mov %rsi, 48(%rdi)
	mov %r8, 64(%rdi)
	mov %r9, 72(%rdi)
	mov %r10, 80(%rdi)
	mov %r11, 88(%rdi)
	mov %r12, 96(%rdi)
	mov %r13, 104(%rdi)
	mov %r14, 112(%rdi)
	mov %r15, 120(%rdi)
	pop %rax
	mov %rax, 56(%rdi)
	RSB_FILL %ecx
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	xor %eax, %eax
	ret
	.size vmx_exit_point, . - vmx_exit_point
	.section .note.GNU-stack, "", @progbits
