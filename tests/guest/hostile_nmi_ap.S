/* The peer vCPU of "testguest.mode=nmi" (tests/guest/hostile_nmi.c):
 * real mode at the SIPI page, with an NMI handler in the real-mode IVT
 * that counts NMIs, and a loop that writes console lines as long as the
 * first vCPU asks for a flood. Copied to the SIPI page at run time; its
 * data lives at the offsets HNMI_AP_* of hostile_nmi.c. */
	.section .rodata
	.code16
	.globl hnmi_ap_start, hnmi_ap_end
hnmi_ap_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	movw $(hnmi_ap_nmi - hnmi_ap_start), 0x8	/* IVT vector 2 */
	mov %cs, %ax
	movw %ax, 0xA
	mov %ax, %ds
	mov %ax, %es
	mov $0x802, %ecx				/* x2APIC ID */
	rdmsr
	movl %eax, 0x114
	lock incl 0x118					/* ready */
1:	lock incl 0x100					/* alive */
	testb $1, 0x10C					/* flood wanted? */
	jz 3f
	mov $0x3F8, %dx
	mov $(hnmi_ap_line - hnmi_ap_start), %si
2:	lodsb
	test %al, %al
	jz 4f
	out %al, %dx
	jmp 2b
4:	lock incl 0x108					/* lines */
	jmp 1b
3:	lock incl 0x110					/* idle rounds */
	pause
	jmp 1b
hnmi_ap_nmi:
	lock incl %cs:0x104				/* NMIs */
	iret
hnmi_ap_line:
	.asciz "hostile-nmi: peer vCPU console flood line\n"
hnmi_ap_end:
	.code64
	.section .note.GNU-stack, "", @progbits
