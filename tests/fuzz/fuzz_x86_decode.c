/* libFuzzer target: the MMIO instruction decoder on arbitrary bytes in
 * each CPU mode. The bytes sit in an allocation of exactly their length,
 * so a read past what was fetched is caught. A decoded instruction must
 * have a length of 1 to 15 bytes within what was given and sizes its mode
 * allows; decoding exactly its bytes gives the same result, and one byte
 * fewer is reported as cut short.
 *
 * Input: a mode selector byte (16, 32 or 64-bit code), then the bytes
 * fetched at RIP (more than 15 are allowed and must not be read). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/x86_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode_copy(const uint8_t *code, size_t n, unsigned mode, struct x86_insn *out)
{
	uint8_t *buf = malloc(n ? n : 1);
	int err;

	if (!buf)
		abort();
	memcpy(buf, code, n);
	err = x86_decode(buf, n, mode, out);
	free(buf);
	return err;
}

static int size_ok(unsigned s, unsigned mode)
{
	return s == 1 || s == 2 || s == 4 || (s == 8 && mode == 64);
}

static int same(const struct x86_insn *a, const struct x86_insn *b)
{
	return a->op == b->op && a->len == b->len && a->mem_size == b->mem_size &&
	       a->reg_size == b->reg_size && a->reg == b->reg && a->high8 == b->high8 &&
	       a->addr_size == b->addr_size && a->seg == b->seg && a->rep == b->rep &&
	       a->imm == b->imm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = {16, 32, 64, 64};
	struct x86_insn a, b;
	unsigned mode;
	size_t n;
	int err;

	if (size < 1)
		return 0;
	mode = modes[data[0] & 3];
	n = size - 1;
	err = decode_copy(data + 1, n, mode, &a);
	if (err) {
		if (err != -ERR_INVAL && err != -ERR_NOTSUP)
			abort();
		return 0;
	}
	if (a.len < 1 || a.len > X86_INSN_MAX || a.len > n)
		abort();
	if (!size_ok(a.mem_size, mode) || !size_ok(a.reg_size, mode) || a.reg > 15)
		abort();
	if (a.addr_size != 2 && a.addr_size != 4 && !(a.addr_size == 8 && mode == 64))
		abort();
	if (a.high8 && (a.reg_size != 1 || a.reg < 4 || a.reg > 7))
		abort();
	if ((a.op == X86_OP_INS || a.op == X86_OP_OUTS) && a.mem_size == 8)
		abort();
	if (a.op == X86_OP_LOAD_ZX ? a.mem_size > a.reg_size || a.mem_size > 2
				   : a.mem_size != a.reg_size)
		abort();
	if (a.op != X86_OP_STORE_IMM && a.imm)
		abort();
	if (a.seg != X86_SEG_NONE && (a.seg < X86_SEG_ES || a.seg > X86_SEG_GS))
		abort();
	/* Its length is exactly the bytes it needs. */
	if (decode_copy(data + 1, a.len, mode, &b) || !same(&a, &b))
		abort();
	if (decode_copy(data + 1, a.len - 1u, mode, &b) != -ERR_INVAL)
		abort();
	return 0;
}
