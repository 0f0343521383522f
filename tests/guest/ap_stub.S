/* What the test guest's second vCPU runs after INIT and SIPI: real mode at
 * the SIPI page, counting in a word at offset 0x100 of that page so that
 * the first vCPU can see it run. Copied to the SIPI page at run time. */
	.section .rodata
	.code16
	.globl ap_stub_start, ap_stub_end
ap_stub_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
1:	lock incl 0x100
	pause
	jmp 1b
ap_stub_end:
	.code64
	.section .note.GNU-stack, "", @progbits
