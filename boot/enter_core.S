/* void boot_enter_core(struct boot_info *bi, uint64_t stack_top, entry)
 * Switches to the core's stack (firmware's stack is boot-services memory
 * that the core reclaims) and calls entry(bi), which never returns. */
	.text
	.globl boot_enter_core
	.type boot_enter_core, @function
boot_enter_core:
	cli
	mov %rsi, %rsp
	xor %ebp, %ebp
	call *%rdx
1:	hlt
	jmp 1b
	.size boot_enter_core, . - boot_enter_core
	.section .note.GNU-stack, "", @progbits
