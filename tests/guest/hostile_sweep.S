/* RDMSR and WRMSR for the MSR sweep (tests/guest/hostile_sweep.c): a #GP
 * at sweep_rdmsr_insn or sweep_wrmsr_insn is caught by the sweep's hook,
 * which sets R8 and steps over the instruction. */
	.text
	.code64

/* uint64_t sweep_rdmsr(uint32_t msr, bool *gp) */
	.globl sweep_rdmsr, sweep_rdmsr_insn
sweep_rdmsr:
	movl %edi, %ecx
	xorl %r8d, %r8d
	xorl %eax, %eax
	xorl %edx, %edx
sweep_rdmsr_insn:
	rdmsr
	movb %r8b, (%rsi)
	shlq $32, %rdx
	movl %eax, %eax
	orq %rdx, %rax
	ret

/* bool sweep_wrmsr(uint32_t msr, uint64_t val): true if it raised #GP */
	.globl sweep_wrmsr, sweep_wrmsr_insn
sweep_wrmsr:
	movl %edi, %ecx
	movq %rsi, %rax
	movq %rsi, %rdx
	shrq $32, %rdx
	xorl %r8d, %r8d
sweep_wrmsr_insn:
	wrmsr
	movl %r8d, %eax
	ret
	.section .note.GNU-stack, "", @progbits
