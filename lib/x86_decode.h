/* The x86 instruction decoder for MMIO and string I/O emulation: the few
 * instructions a guest uses on device registers (MOV to and from memory,
 * MOV of an immediate, MOVZX) and INS/OUTS, with legacy prefixes, REX,
 * ModRM, SIB and displacement. It finds what the instruction does, with
 * which register and size, and its length; the address itself comes from
 * the exit (the faulting GPA) or from RSI/RDI. Pure and freestanding. */
#ifndef ARGON_LIB_X86_DECODE_H
#define ARGON_LIB_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_INSN_MAX 15

/* Segment registers in the encoding of the Sreg field (SDM vol 2, 3.1.1.3). */
enum x86_seg {
	X86_SEG_ES = 0,
	X86_SEG_CS = 1,
	X86_SEG_SS = 2,
	X86_SEG_DS = 3,
	X86_SEG_FS = 4,
	X86_SEG_GS = 5,
	X86_SEG_NONE = -1,
};

enum x86_op {
	X86_OP_STORE,	  /* 88/89: MOV r/m, reg; A2/A3: MOV moffs, AL/eAX */
	X86_OP_STORE_IMM, /* C6/C7 /0: MOV r/m, imm */
	X86_OP_LOAD,	  /* 8A/8B: MOV reg, r/m; A0/A1: MOV AL/eAX, moffs */
	X86_OP_LOAD_ZX,	  /* 0F B6/B7: MOVZX reg, r/m8/r/m16 */
	X86_OP_INS,	  /* 6C/6D */
	X86_OP_OUTS,	  /* 6E/6F */
};

struct x86_insn {
	enum x86_op op;
	uint8_t len;	   /* bytes, prefixes included */
	uint8_t mem_size;  /* size of the memory access: 1, 2, 4 or 8 */
	uint8_t reg_size;  /* size of the register operand (MOVZX: the destination) */
	uint8_t reg;	   /* register number 0-15 (RAX = 0, ... R15 = 15) */
	bool high8;	   /* reg 4-7 mean AH, CH, DH, BH (byte access, no REX) */
	uint8_t addr_size; /* 2, 4 or 8: the size of RSI/RDI/RCX for INS/OUTS */
	enum x86_seg seg;  /* segment override prefix, X86_SEG_NONE if none */
	bool rep;	   /* F3 or F2 prefix */
	uint64_t imm;	   /* STORE_IMM: the value, sign-extended to mem_size */
};

/* Decodes the instruction at code[0..avail) for a code segment whose
 * default operand and address size is mode_bits (16, 32 or 64 for 64-bit
 * mode). 0 on success; -ERR_NOTSUP for an instruction outside the set
 * above (or one of them with a register operand, which cannot touch
 * MMIO); -ERR_INVAL when the bytes end before the instruction does or it
 * is longer than 15 bytes. */
int x86_decode(const uint8_t *code, size_t avail, unsigned mode_bits, struct x86_insn *out);

#endif
