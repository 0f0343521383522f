/* Return stack buffer refill, for the assembly of every VM exit path. A
 * guest leaves the CPU's return predictions (the RSB) full of its own
 * return addresses; a RET in argon that finds them could be steered into
 * a guest-chosen gadget by speculation (Spectre RSB, SpectreRSB). RSB_FILL
 * overwrites all 32 entries with return addresses that point at a
 * speculation trap (PAUSE; LFENCE, looping), then drops the 32 frames it
 * pushed. `reg` is a 32-bit register it may clobber. */
#ifndef ARGON_VMM_HOST_RSB_H
#define ARGON_VMM_HOST_RSB_H

#define RSB_ENTRIES 32

#ifdef __ASSEMBLER__
/* clang-format off */
.macro RSB_FILL reg
	mov $(RSB_ENTRIES / 2), \reg
.Lrsb_next\@:
	call .Lrsb_one\@
.Lrsb_trap1\@:
	pause
	lfence
	jmp .Lrsb_trap1\@
.Lrsb_one\@:
	call .Lrsb_two\@
.Lrsb_trap2\@:
	pause
	lfence
	jmp .Lrsb_trap2\@
.Lrsb_two\@:
	dec \reg
	jnz .Lrsb_next\@
	add $(RSB_ENTRIES * 8), %rsp
.endm
/* clang-format on */
#endif

#endif
