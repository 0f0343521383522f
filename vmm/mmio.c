/* Trapped MMIO: region lookup and the emulation of one access. */
#include "vmm/mmio.h"

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/ratelimit.h"
#include "vmm/emulate.h"
#include "vmm/guest.h"
#include "vmm/host/tsc.h"
#include "vmm/log.h"
#include "vmm/x86.h"

static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

int mmio_register(struct guest *g, uint64_t gpa, uint64_t size, const struct mmio_ops *ops,
		  void *dev)
{
	for (unsigned i = 0; i < g->mem_count; i++)
		if (overlaps(gpa, size, g->mem[i].gpa, g->mem[i].size))
			return trace_err(-ERR_EXIST);
	for (unsigned i = 0; i < g->mmio_count; i++)
		if (overlaps(gpa, size, g->mmio[i].gpa, g->mmio[i].size))
			return trace_err(-ERR_EXIST);
	if (g->mmio_count >= GUEST_MAX_MMIO)
		return trace_err(-ERR_NOSPC);
	g->mmio[g->mmio_count++] = (struct mmio_region){gpa, size, ops, dev};
	return 0;
}

const struct mmio_region *mmio_find(const struct guest *g, uint64_t gpa)
{
	for (unsigned i = 0; i < g->mmio_count; i++)
		if (gpa >= g->mmio[i].gpa && gpa - g->mmio[i].gpa < g->mmio[i].size)
			return &g->mmio[i];
	return NULL;
}

static void refuse(struct vcpu *v, const struct vm_exit *e, const char *why, const uint8_t *code,
		   size_t n)
{
	char bytes[3 * X86_INSN_MAX + 1] = "";
	size_t at = 0;

	for (size_t i = 0; i < n; i++)
		at += (size_t)fmt_snprintf(bytes + at, sizeof(bytes) - at, "%s%02x", i ? " " : "",
					   code[i]);
	guest_stop(v->guest, GUEST_CRASH, "MMIO %s at 0x%llx: %s at rip 0x%llx (bytes: %s)",
		   e->npf.write ? "write" : "read", (unsigned long long)e->npf.gpa, why,
		   (unsigned long long)v->regs.rip, n ? bytes : "none fetched");
}

/* Which device a trapped access goes to, and from where: what a debug log
 * needs to attribute a guest's nested page faults. Rate-limited: a guest
 * decides how often it touches its devices. */
static void log_access(struct vcpu *v, const struct vm_exit *e, const struct mmio_region *r,
		       unsigned size)
{
	struct guest *g = v->guest;
	uint64_t dropped;
	bool ok;

	if (log_get_level() < LOG_DEBUG)
		return;
	spin_lock(&g->io_lock);
	ok = ratelimit_ok(&g->mmio_log, tsc_to_us(rdtsc()), MMIO_LOG_BURST, MMIO_LOG_WINDOW_US,
			  &dropped);
	spin_unlock(&g->io_lock);
	if (dropped)
		pr_debug("guest '%s': %llu more MMIO accesses were not logged\n", g->name,
			 (unsigned long long)dropped);
	if (ok)
		pr_debug("guest '%s': MMIO %s %s %u at 0x%llx (+0x%llx) rip 0x%llx\n", g->name,
			 r->ops->name, e->npf.write ? "write" : "read", size,
			 (unsigned long long)e->npf.gpa, (unsigned long long)(e->npf.gpa - r->gpa),
			 (unsigned long long)v->regs.rip);
}

void mmio_emulate(struct vcpu *v, const struct vm_exit *e, const struct mmio_region *r)
{
	uint8_t code[X86_INSN_MAX];
	struct x86_insn in;
	size_t n;
	uint64_t off = e->npf.gpa - r->gpa, val;
	bool store;
	int err = emul_fetch_decode(v, &in, code, &n);

	if (err) {
		refuse(v, e,
		       err == -ERR_NOTSUP ? "instruction not emulated"
					  : "instruction could not be fetched",
		       code, n);
		return;
	}
	store = in.op == X86_OP_STORE || in.op == X86_OP_STORE_IMM;
	if (in.op == X86_OP_INS || in.op == X86_OP_OUTS) {
		refuse(v, e, "string I/O to MMIO is not emulated", code, n);
		return;
	}
	/* The exit and the instruction must agree: a guest that rewrote the
	 * instruction since it faulted is not guessed at. */
	if (store != e->npf.write) {
		refuse(v, e, "the instruction does not match the access", code, n);
		return;
	}
	if (in.mem_size > r->size - off) {
		refuse(v, e, "the access crosses the end of the device", code, n);
		return;
	}
	log_access(v, e, r, in.mem_size);
	if (store) {
		val = in.op == X86_OP_STORE_IMM ? in.imm
						: emul_reg_read(&v->regs, &in, in.mem_size);
		r->ops->write(v, r->dev, off, in.mem_size, val);
	} else {
		val = r->ops->read(v, r->dev, off, in.mem_size);
		if (in.mem_size < 8)
			val &= (1ULL << (8 * in.mem_size)) - 1;
		emul_reg_write(&v->regs, &in, in.reg_size, val);
	}
	v->regs.rip += in.len;
}
