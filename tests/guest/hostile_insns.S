/* One instruction per stub for the insns scenario
 * (tests/guest/hostile_insns.c). Each stub is called; an exception at its
 * first instruction is caught by the scenario's hook, which returns from
 * the stub in its place. Operands point at a zeroed scratch page. */
	.text
	.code64

.macro STUB name
	.globl insn_\name
insn_\name:
	leaq insn_scratch(%rip), %rax
	xorl %ecx, %ecx
	xorl %edx, %edx
	.globl insn_\name\()_at
insn_\name\()_at:
.endm

STUB vmrun
	vmrun %rax
	ret
STUB vmload
	vmload %rax
	ret
STUB vmsave
	vmsave %rax
	ret
STUB stgi
	stgi
	ret
STUB clgi
	clgi
	ret
STUB skinit
	skinit %eax
	ret
STUB invlpga
	invlpga %rax, %ecx
	ret
STUB vmxon
	vmxon (%rax)
	ret
STUB vmxoff
	vmxoff
	ret
STUB vmclear
	vmclear (%rax)
	ret
STUB vmptrld
	vmptrld (%rax)
	ret
STUB vmptrst
	vmptrst (%rax)
	ret
STUB vmread
	vmread %rcx, %rdx
	ret
STUB vmwrite
	vmwrite %rcx, %rdx
	ret
STUB vmlaunch
	vmlaunch
	ret
STUB vmresume
	vmresume
	ret
STUB invept
	invept (%rax), %rcx
	ret
STUB invvpid
	invvpid (%rax), %rcx
	ret
STUB vmfunc
	vmfunc
	ret
STUB vmcall
	vmcall
	ret
STUB vmmcall
	vmmcall
	ret
STUB getsec
	getsec
	ret
STUB invd
	invd
	ret
STUB wbinvd
	wbinvd
	ret
STUB monitor
	monitor %rax, %ecx, %edx
	ret
STUB mwait
	mwait %eax, %ecx
	ret
STUB rdpmc
	rdpmc
	ret

	.bss
	.balign 4096
	.globl insn_scratch
insn_scratch:
	.skip 4096
	.section .note.GNU-stack, "", @progbits
