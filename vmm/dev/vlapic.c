#include "vmm/dev/vlapic.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu.h"
#include "vmm/cpuid_policy.h"
#include "vmm/guest.h"
#include "vmm/guest_rules.h"
#include "vmm/log.h"
#include "vmm/x86.h"

/* x2APIC logical destinations: cluster in 31:16, member bitmap in 15:0;
 * a core's logical id follows from its APIC id (SDM 11.12.10.2). */
static bool logical_match(uint32_t apic_id, uint32_t dest)
{
	return (dest >> 16) == (apic_id >> 4) && (dest & (1u << (apic_id & 0xF)));
}

static bool dest_match(uint32_t apic_id, uint32_t dest, bool logical)
{
	if (logical)
		return logical_match(apic_id, dest);
	return dest == 0xFFFFFFFFu || dest == apic_id;
}

static bool is_target(const struct vcpu *self, const struct vcpu *t, const struct icr_msg *m)
{
	switch (m->shorthand) {
	case ICR_SHORTHAND_SELF:
		return t == self;
	case ICR_SHORTHAND_ALL:
		return true;
	case ICR_SHORTHAND_OTHERS:
		return t != self;
	default:
		return dest_match(t->pcpu->apic_id, m->dest, m->logical);
	}
}

static void start_ap(struct vcpu *t, const struct icr_msg *m)
{
	if (m->action == ICR_START_INIT) {
		__atomic_store_n(&t->init_received, true, __ATOMIC_RELEASE);
		return;
	}
	if (__atomic_load_n(&t->init_received, __ATOMIC_ACQUIRE) && t->sipi_vector < 0)
		__atomic_store_n(&t->sipi_vector, (int)m->vector, __ATOMIC_RELEASE);
}

/* One warning per guest, boot and kind of refused write (an ICR delivery mode,
 * or an LVT delivery mode): a guest that repeats one cannot flood the
 * console. */
#define WARN_ICR(mode) (1u << (mode))
#define WARN_LVT(mode) (1u << (8 + (mode)))
static uint32_t warned[ARGON_MAX_GUESTS];

static bool first_warning(const struct guest *g, uint32_t bit)
{
	return !(__atomic_fetch_or(&warned[g->id], bit, __ATOMIC_RELAXED) & bit);
}

void vlapic_guest_reset(struct guest *g)
{
	__atomic_store_n(&warned[g->id], 0, __ATOMIC_RELAXED);
}

/* The guest's ICR value never reaches the real ICR: argon rebuilds each
 * message from the decoded vector and mode and sends it, physical and
 * without shorthand, to each of the guest's own cores it names. */
int vlapic_icr_write(struct vcpu *v, uint64_t icr)
{
	struct guest *g = v->guest;
	struct icr_msg m;

	if (icr_decode(icr, &m))
		return -ERR_INVAL;
	if (m.action == ICR_DROP) {
		if (first_warning(g, WARN_ICR(bit_extract(icr, ICR_MODE_OFF, ICR_MODE_LEN))))
			pr_warn("guest '%s': IPI with %s dropped\n", g->name, m.why);
		return 0;
	}
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *t = &g->vcpus[i];

		if (!is_target(v, t, &m))
			continue;
		switch (m.action) {
		case ICR_START_INIT:
		case ICR_START_SIPI:
			if (t != v)
				start_ap(t, &m);
			break;
		case ICR_SEND:
			x2apic_send(t->pcpu->apic_id, m.low);
			break;
		case ICR_SEND_ONE:
			x2apic_send(t->pcpu->apic_id, m.low);
			return 0;
		default:
			return 0;
		}
	}
	return 0;
}

int vlapic_lvt_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint32_t max_lvt = (uint32_t)bit_extract(rdmsr(MSR_X2APIC_VERSION), 16, 8);
	const char *why;
	uint64_t out;
	int r;

	/* An LVT the core lacks would fault argon's WRMSR: the guest gets
	 * the #GP that the real register gives it. */
	if (!lvt_present(msr, max_lvt, cpu_host.vendor == CPU_VENDOR_INTEL))
		return -ERR_NOTSUP;
	r = lvt_filter(msr, val, &out, &why);
	if (r < 0)
		return r;
	/* An entry the guest masks itself (Linux writes LINT0 as ExtINT,
	 * masked) delivers nothing either way: rewritten without a word. */
	if (r > 0 && !(val & APIC_LVT_MASKED) &&
	    first_warning(v->guest, WARN_LVT(bit_extract(val, 8, 3))))
		pr_warn("guest '%s': LVT 0x%x with delivery mode %s written masked\n",
			v->guest->name, msr, why);
	wrmsr(msr, out);
	return 0;
}

void vlapic_send_fixed(struct guest *g, uint32_t dest, bool logical, bool lowest, uint8_t vector)
{
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *t = &g->vcpus[i];

		if (!dest_match(t->pcpu->apic_id, dest, logical))
			continue;
		/* Physical, one core at a time, as for the guest's own IPIs. */
		x2apic_send(t->pcpu->apic_id, (ICR_MODE_FIXED << ICR_MODE_OFF) | vector);
		if (lowest)
			return;
	}
}
