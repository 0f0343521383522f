/* Guest memory by linear address, instruction fetch and registers, for
 * emulating MMIO accesses and string port I/O. */
#include "vmm/emulate.h"

#include <stddef.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "vmm/guest.h"

#define SEG_ATTR_L (1u << 9)   /* 64-bit code segment */
#define SEG_ATTR_DB (1u << 10) /* default size 32 */

unsigned emul_code_bits(struct vcpu *v)
{
	struct gwalk_ctl c;
	struct seg_state cs;

	vcpu_ops->get_paging(v, &c);
	vcpu_ops->get_seg(v, X86_SEG_CS, &cs);
	if ((c.efer & GW_EFER_LMA) && (cs.attrib & SEG_ATTR_L))
		return 64;
	if ((c.cr0 & GW_CR0_PE) && (cs.attrib & SEG_ATTR_DB))
		return 32;
	return 16;
}

uint64_t emul_linear(struct vcpu *v, enum x86_seg seg, uint64_t off, unsigned addr_size)
{
	struct seg_state s;
	uint64_t mask = addr_size == 8 ? ~0ULL : addr_size == 4 ? 0xFFFFFFFFULL : 0xFFFFULL;
	bool long64 = emul_code_bits(v) == 64;

	off &= mask;
	if (long64 && seg != X86_SEG_FS && seg != X86_SEG_GS)
		return off;
	vcpu_ops->get_seg(v, seg, &s);
	return long64 ? s.base + off : (uint32_t)(s.base + off);
}

static void *map_ram(void *ctx, uint64_t gpa, uint64_t len)
{
	return guest_ram_ptr(ctx, gpa, len);
}

/* Host pointer to the bytes at la up to the end of its page. */
static int map_linear(struct vcpu *v, const struct gwalk_ctl *c, uint64_t la, unsigned access,
		      size_t *chunk, uint8_t **p)
{
	uint64_t gpa;
	uint32_t pf;
	int err = gwalk(c, la, access, map_ram, v->guest, &gpa, &pf);

	if (err)
		return err;
	if (*chunk > PAGE_SIZE - (gpa & (PAGE_SIZE - 1)))
		*chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
	*p = guest_ram_ptr(v->guest, gpa, *chunk);
	return *p ? 0 : -ERR_NOENT;
}

static int copy(struct vcpu *v, uint64_t la, uint8_t *buf, size_t len, bool write,
		uint64_t *fault_la)
{
	struct gwalk_ctl c;

	vcpu_ops->get_paging(v, &c);
	while (len) {
		size_t chunk = len;
		uint8_t *p;
		int err = map_linear(v, &c, la, write ? GW_WRITE : 0, &chunk, &p);

		if (err) {
			*fault_la = la;
			return err;
		}
		if (write)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
		buf += chunk;
		la += chunk;
		len -= chunk;
	}
	return 0;
}

int emul_read(struct vcpu *v, uint64_t la, void *buf, size_t len, uint64_t *fault_la)
{
	return copy(v, la, buf, len, false, fault_la);
}

int emul_write(struct vcpu *v, uint64_t la, const void *buf, size_t len, uint64_t *fault_la)
{
	return copy(v, la, (uint8_t *)(uintptr_t)buf, len, true, fault_la);
}

int emul_fetch_decode(struct vcpu *v, struct x86_insn *in, uint8_t *code, size_t *n)
{
	unsigned bits = emul_code_bits(v);
	uint64_t la = emul_linear(v, X86_SEG_CS, v->regs.rip, bits == 64 ? 8 : 4);
	struct gwalk_ctl c;

	/* An instruction may end on the next page; take what can be had
	 * and let the decoder say whether it was enough. */
	vcpu_ops->get_paging(v, &c);
	*n = 0;
	while (*n < X86_INSN_MAX) {
		size_t chunk = X86_INSN_MAX - *n;
		uint8_t *p;

		if (map_linear(v, &c, la + *n, GW_FETCH, &chunk, &p))
			break;
		memcpy(code + *n, p, chunk);
		*n += chunk;
	}
	return x86_decode(code, *n, bits, in);
}
