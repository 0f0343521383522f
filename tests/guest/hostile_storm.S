/* Code for the exception storms of tests/guest/hostile_storm.c. */
	.text
	.code64

/* Ring 3, with RFLAGS.AC set: a misaligned load (#AC), then HLT, whose
 * #GP at CPL 3 takes the guest back to ring 0. */
	.globl storm_ac_user, storm_ac_load
storm_ac_user:
storm_ac_load:
	movq storm_ac_word+1(%rip), %rax
	hlt
	jmp storm_ac_user

/* void storm_step(uint64_t n): TF on, then n loop rounds; the #DB hook
 * ends the storm early by moving RIP to storm_step_done. A CPU that does
 * not trap falls through after n rounds. */
	.globl storm_step, storm_step_done
storm_step:
	pushfq
	orq $0x100, (%rsp)
	popfq
1:	decq %rdi
	jnz 1b
	pushfq
	andq $~0x100, (%rsp)
	popfq
storm_step_done:
	ret

/* void storm_watch(uint64_t n): writes storm_watch_word n times (a data
 * breakpoint on it); the hook ends it early at storm_watch_done. */
	.globl storm_watch, storm_watch_done
storm_watch:
1:	movq %rax, storm_watch_word(%rip)
	decq %rdi
	jnz 1b
storm_watch_done:
	ret

	.data
	.balign 16
	.globl storm_ac_word, storm_watch_word
storm_ac_word:
	.quad 0, 0
storm_watch_word:
	.quad 0

/* The attacker's second vCPU, in real mode at its SIPI page: it waits
 * until the first one starts its endless storm (byte 0x100 of the page
 * becomes 1), lets it run a while, then powers the guest off through
 * PM1a_CNT (ARGON_GUEST_PM1A_CNT_PORT, SLP_EN with SLP_TYP S5): argon
 * must stop the storming vCPU too. */
	.section .rodata
	.code16
	.globl storm_ap_start, storm_ap_end
storm_ap_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lock incl 0x104			/* started */
1:	pause
	cmpb $1, 0x100
	jne 1b
	mov $0x02000000, %ecx
2:	dec %ecx
	jnz 2b
	mov $0x604, %dx
	mov $0x2000, %ax
	out %ax, %dx
3:	pause
	jmp 3b
storm_ap_end:

/* The console flood's second vCPU, in real mode at its SIPI page: writes
 * its UART's THR without looking at LSR (bytes that find the transmit
 * FIFO full are lost, as on the real part) until byte 0x100 of the page
 * becomes 2, then counts its acknowledgement at 0x108. */
	.globl flood_ap_start, flood_ap_end
flood_ap_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lock incl 0x104			/* started */
	mov $0x3F8, %dx
1:	mov $0x2A, %al			/* '*' */
	mov $64, %cx
2:	out %al, %dx
	dec %cx
	jnz 2b
	mov $0x0A, %al
	out %al, %dx
	cmpb $2, 0x100
	jne 1b
	lock incl 0x108			/* stopped */
3:	pause
	jmp 3b
flood_ap_end:
	.code64
	.section .note.GNU-stack, "", @progbits
