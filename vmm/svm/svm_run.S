/* void svm_vmrun(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_state_pa)
 *
 * Loads the guest's general registers (RAX, RSP, RIP and RFLAGS live in the
 * VMCB), runs the guest until #VMEXIT and stores them back. VMLOAD/VMSAVE
 * swap the state VMRUN does not (FS, GS, TR, LDTR, KernelGSBase, STAR,
 * LSTAR, CSTAR, SFMASK, SYSENTER_*), host copy kept at host_state_pa.
 * The host runs with GIF clear from svm_cpu_enable() on: interrupts, NMIs
 * and INIT wait for the next VMRUN, where the guest (or an intercept) gets
 * them.
 * The return stack buffer is refilled before argon's first RET after
 * the exit (vmm/host/rsb.h).
 * Offsets match struct guest_regs (checked in svm_vcpu.c). */
#include "vmm/host/rsb.h"

	.text
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdx		/* 8(%rsp): host_state_pa */
	push %rsi		/* 0(%rsp): regs */

	mov %rdi, %rax
	mov 8(%rsi), %rcx
	mov 16(%rsi), %rdx
	mov 24(%rsi), %rbx
	mov 40(%rsi), %rbp
	mov 56(%rsi), %rdi
	mov 64(%rsi), %r8
	mov 72(%rsi), %r9
	mov 80(%rsi), %r10
	mov 88(%rsi), %r11
	mov 96(%rsi), %r12
	mov 104(%rsi), %r13
	mov 112(%rsi), %r14
	mov 120(%rsi), %r15
	mov 48(%rsi), %rsi

	vmload %rax
	vmrun %rax
	vmsave %rax

	mov (%rsp), %rax
	mov %rcx, 8(%rax)
	mov %rdx, 16(%rax)
	mov %rbx, 24(%rax)
	mov %rbp, 40(%rax)
	mov %rsi, 48(%rax)
	mov %rdi, 56(%rax)
	mov %r8, 64(%rax)
	mov %r9, 72(%rax)
	mov %r10, 80(%rax)
	mov %r11, 88(%rax)
	mov %r12, 96(%rax)
	mov %r13, 104(%rax)
	mov %r14, 112(%rax)
	mov %r15, 120(%rax)
	RSB_FILL %ecx

	mov 8(%rsp), %rax
	vmload %rax

	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size svm_vmrun, . - svm_vmrun

/* void svm_vmsave(uint64_t pa) */
	.globl svm_vmsave
	.type svm_vmsave, @function
svm_vmsave:
	mov %rdi, %rax
	vmsave %rax
	ret
	.size svm_vmsave, . - svm_vmsave
	.section .note.GNU-stack, "", @progbits
