/* x86 instruction decoding for emulation (SDM vol 2, chapter 2). */
#include "lib/x86_decode.h"

#include "lib/err.h"

#define REX_W 0x8u
#define REX_R 0x4u

struct cursor {
	const uint8_t *code;
	size_t avail;
	size_t pos;
};

/* The next byte, or -1 past the end of what was fetched or of 15 bytes. */
static int next(struct cursor *c)
{
	if (c->pos >= c->avail || c->pos >= X86_INSN_MAX)
		return -1;
	return c->code[c->pos++];
}

static int skip(struct cursor *c, size_t n)
{
	if (c->pos + n > c->avail || c->pos + n > X86_INSN_MAX)
		return -ERR_INVAL;
	c->pos += n;
	return 0;
}

static enum x86_seg seg_prefix(int b)
{
	switch (b) {
	case 0x26:
		return X86_SEG_ES;
	case 0x2E:
		return X86_SEG_CS;
	case 0x36:
		return X86_SEG_SS;
	case 0x3E:
		return X86_SEG_DS;
	case 0x64:
		return X86_SEG_FS;
	case 0x65:
		return X86_SEG_GS;
	default:
		return X86_SEG_NONE;
	}
}

/* ModRM (and SIB and displacement) of a memory operand; the reg field goes
 * to *reg. A register operand (mod 3) cannot be an MMIO access. */
static int modrm(struct cursor *c, unsigned addr_size, unsigned *reg)
{
	int m = next(c), sib;
	unsigned mod, rm;

	if (m < 0)
		return -ERR_INVAL;
	mod = (unsigned)m >> 6;
	rm = (unsigned)m & 7;
	*reg = ((unsigned)m >> 3) & 7;
	if (mod == 3)
		return -ERR_NOTSUP;
	if (addr_size == 2) {
		/* 16-bit addressing has no SIB; [disp16] replaces [BP]. */
		if (mod == 0)
			return rm == 6 ? skip(c, 2) : 0;
		return skip(c, mod == 1 ? 1 : 2);
	}
	if (rm == 4) {
		sib = next(c);
		if (sib < 0)
			return -ERR_INVAL;
		if (mod == 0 && ((unsigned)sib & 7) == 5)
			return skip(c, 4);
	}
	if (mod == 0)
		return rm == 5 ? skip(c, 4) : 0; /* disp32 (RIP-relative in 64-bit mode) */
	return skip(c, mod == 1 ? 1 : 4);
}

static uint64_t load_imm(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int x86_decode(const uint8_t *code, size_t avail, unsigned mode_bits, struct x86_insn *out)
{
	struct cursor c = {code, avail, 0};
	bool opsize_prefix = false, addr_prefix = false, two_byte = false;
	unsigned rex = 0, reg = 0, opsize;
	int b;

	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return -ERR_INVAL;
	*out = (struct x86_insn){.seg = X86_SEG_NONE};
	for (;;) {
		b = next(&c);
		if (b < 0)
			return -ERR_INVAL;
		if (b == 0x66) {
			opsize_prefix = true;
		} else if (b == 0x67) {
			addr_prefix = true;
		} else if (b == 0xF2 || b == 0xF3) {
			out->rep = true;
		} else if (b == 0xF0) {
			/* LOCK: harmless on a plain MOV to a device */
		} else if (seg_prefix(b) != X86_SEG_NONE) {
			out->seg = seg_prefix(b);
		} else if (mode_bits == 64 && (b & 0xF0) == 0x40) {
			/* REX counts only right before the opcode. */
			rex = (unsigned)b;
			b = next(&c);
			if (b < 0)
				return -ERR_INVAL;
			if (b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 ||
			    seg_prefix(b) != X86_SEG_NONE || (b & 0xF0) == 0x40) {
				rex = 0;
				c.pos--;
				continue;
			}
			break;
		} else {
			break;
		}
	}
	if (b == 0x0F) {
		two_byte = true;
		b = next(&c);
		if (b < 0)
			return -ERR_INVAL;
	}

	if (mode_bits == 64)
		opsize = (rex & REX_W) ? 8 : opsize_prefix ? 2 : 4;
	else
		opsize = ((mode_bits == 32) != opsize_prefix) ? 4 : 2;
	if (mode_bits == 64)
		out->addr_size = addr_prefix ? 4 : 8;
	else
		out->addr_size = ((mode_bits == 32) != addr_prefix) ? 4 : 2;

	if (two_byte) {
		if (b != 0xB6 && b != 0xB7)
			return -ERR_NOTSUP;
		out->op = X86_OP_LOAD_ZX;
		out->mem_size = b == 0xB6 ? 1 : 2;
		out->reg_size = (uint8_t)opsize;
	} else {
		switch (b) {
		case 0x88:
		case 0x89:
			out->op = X86_OP_STORE;
			break;
		case 0x8A:
		case 0x8B:
		case 0xA0:
		case 0xA1:
			out->op = X86_OP_LOAD;
			break;
		case 0xA2:
		case 0xA3:
			out->op = X86_OP_STORE;
			break;
		case 0xC6:
		case 0xC7:
			out->op = X86_OP_STORE_IMM;
			break;
		case 0x6C:
		case 0x6D:
			out->op = X86_OP_INS;
			break;
		case 0x6E:
		case 0x6F:
			out->op = X86_OP_OUTS;
			break;
		default:
			return -ERR_NOTSUP;
		}
		/* Bit 0 of these opcodes picks byte or full operand size;
		 * INS/OUTS have no 64-bit form. */
		if (b & 1)
			out->mem_size =
				(uint8_t)((out->op == X86_OP_INS || out->op == X86_OP_OUTS) &&
							  opsize == 8
						  ? 4
						  : opsize);
		else
			out->mem_size = 1;
		out->reg_size = out->mem_size;
	}

	if (out->op == X86_OP_INS || out->op == X86_OP_OUTS) {
		out->len = (uint8_t)c.pos;
		return 0;
	}
	/* A0-A3: MOV between the accumulator and an absolute address (moffs)
	 * as wide as the address size, no ModRM; REX.B does not apply. */
	if (b >= 0xA0 && b <= 0xA3 && !two_byte) {
		int err = skip(&c, out->addr_size);

		if (err)
			return err;
		out->reg = 0;
		out->len = (uint8_t)c.pos;
		return 0;
	}

	int err = modrm(&c, out->addr_size, &reg);

	if (err)
		return err;
	if (out->op == X86_OP_STORE_IMM) {
		unsigned n = out->mem_size > 4 ? 4 : out->mem_size;
		size_t at = c.pos;

		if (reg != 0)
			return -ERR_NOTSUP; /* C6/C7 with /1-/7: not MOV */
		err = skip(&c, n);
		if (err)
			return err;
		out->imm = load_imm(code + at, n);
		if (out->mem_size == 8 && (out->imm & 0x80000000u))
			out->imm |= 0xFFFFFFFF00000000ull;
	} else {
		out->reg = (uint8_t)(reg | ((rex & REX_R) ? 8 : 0));
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
		out->high8 = out->reg_size == 1 && !rex && reg >= 4;
	}
	out->len = (uint8_t)c.pos;
	return 0;
}
