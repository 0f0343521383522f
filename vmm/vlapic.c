#include "vmm/vlapic.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/apic.h"
#include "vmm/cpu.h"
#include "vmm/guest.h"
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

static bool is_target(const struct vcpu *self, const struct vcpu *t, uint64_t icr)
{
	uint32_t shorthand = (uint32_t)bit_extract(icr, ICR_SHORTHAND_OFF, ICR_SHORTHAND_LEN);
	uint32_t dest = (uint32_t)(icr >> 32);

	switch (shorthand) {
	case ICR_SHORTHAND_SELF:
		return t == self;
	case ICR_SHORTHAND_ALL:
		return true;
	case ICR_SHORTHAND_OTHERS:
		return t != self;
	default:
		return dest_match(t->pcpu->apic_id, dest, icr & ICR_DEST_LOGICAL);
	}
}

static void start_ap(struct vcpu *t, uint32_t mode, uint64_t icr)
{
	if (mode == ICR_MODE_INIT) {
		/* The de-assert message carries no meaning in x2APIC mode. */
		if (icr & ICR_LEVEL_ASSERT)
			__atomic_store_n(&t->init_received, true, __ATOMIC_RELEASE);
		return;
	}
	if (__atomic_load_n(&t->init_received, __ATOMIC_ACQUIRE) && t->sipi_vector < 0)
		__atomic_store_n(&t->sipi_vector, (int)(icr & ICR_VECTOR_MASK), __ATOMIC_RELEASE);
}

int vlapic_icr_write(struct vcpu *v, uint64_t icr)
{
	struct guest *g = v->guest;
	uint32_t mode = (uint32_t)bit_extract(icr, ICR_MODE_OFF, ICR_MODE_LEN);
	uint32_t low = (uint32_t)icr & ~(ICR_DEST_LOGICAL | (3u << ICR_SHORTHAND_OFF));

	if (mode == ICR_MODE_SMI || mode == 3 || mode == 7)
		return -ERR_NOTSUP;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *t = &g->vcpus[i];

		if (!is_target(v, t, icr))
			continue;
		if (mode == ICR_MODE_INIT || mode == ICR_MODE_SIPI) {
			if (t != v)
				start_ap(t, mode, icr);
			continue;
		}
		/* Re-sent one by one in physical mode, so that a broadcast or
		 * a logical destination never reaches another guest's core. */
		x2apic_send(t->pcpu->apic_id, low);
	}
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
