/* MSI-X table shadow and the check of guests' messages (vmm/dev/vmsix.h). */
#include "vmm/dev/vmsix.h"

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"

int vmsix_check(const uint32_t dw[4], bool (*apic_is_guests)(void *ctx, uint32_t apic_id),
		void *ctx, uint32_t *apic, uint8_t *vector, char *why, size_t why_size)
{
	uint32_t lo = dw[VMSIX_ADDR_LO], data = dw[VMSIX_DATA];
	unsigned mode = (data >> MSI_DATA_DELIVERY_OFF) & 7;
	uint32_t dest = ((lo >> MSI_ADDR_DEST_OFF) & 0xFF) | ((lo >> MSI_ADDR_EXT_DEST_OFF) & 0x7F)
								     << 8;
	uint8_t vec = (uint8_t)(data & MSI_DATA_VECTOR_MASK);

	if (dw[VMSIX_ADDR_HI] || (lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		fmt_snprintf(why, why_size, "address 0x%llx is not an interrupt message",
			     (unsigned long long)dw[VMSIX_ADDR_HI] << 32 | lo);
	else if (lo & MSI_ADDR_REMAPPABLE)
		fmt_snprintf(why, why_size, "remappable format (the guest has no IOMMU)");
	else if (lo & MSI_ADDR_LOGICAL)
		fmt_snprintf(why, why_size, "logical destination 0x%x (only physical is taken)",
			     dest);
	else if (mode != MSI_DELIVERY_FIXED && mode != MSI_DELIVERY_LOWEST)
		fmt_snprintf(why, why_size, "delivery mode %u (only fixed and lowest priority)",
			     mode);
	else if (data & MSI_DATA_LEVEL)
		fmt_snprintf(why, why_size, "level-triggered");
	else if (vec < 16)
		fmt_snprintf(why, why_size, "vector %u", vec);
	else if (!apic_is_guests(ctx, dest))
		fmt_snprintf(why, why_size, "destination APIC 0x%x is not this guest's", dest);
	else {
		*apic = dest;
		*vector = vec;
		return 0;
	}
	return -ERR_INVAL;
}

static void phys(struct vmsix *m, unsigned i, unsigned dw, uint32_t val)
{
	m->hooks->phys_write(m->hooks->ctx, i, dw, val);
}

static void phys_mask(struct vmsix *m, unsigned i)
{
	phys(m, i, VMSIX_CTRL, VMSIX_CTRL_MASKED);
	m->e[i].live = false;
}

static void phys_clear(struct vmsix *m, unsigned i)
{
	phys_mask(m, i);
	phys(m, i, VMSIX_ADDR_LO, 0);
	phys(m, i, VMSIX_ADDR_HI, 0);
	phys(m, i, VMSIX_DATA, 0);
}

void vmsix_init(struct vmsix *m, struct vmsix_entry *entries, unsigned n,
		const struct vmsix_hooks *hooks)
{
	m->n = n < VMSIX_MAX_ENTRIES ? n : VMSIX_MAX_ENTRIES;
	m->e = entries;
	m->enabled = m->fmasked = false;
	m->refused = 0;
	m->hooks = hooks;
	for (unsigned i = 0; i < m->n; i++) {
		memset(&m->e[i], 0, sizeof(m->e[i]));
		m->e[i].dw[VMSIX_CTRL] = VMSIX_CTRL_MASKED;
		m->e[i].handle = -1;
		phys_clear(m, i);
	}
}

void vmsix_reset(struct vmsix *m)
{
	m->enabled = m->fmasked = false;
	for (unsigned i = 0; i < m->n; i++) {
		struct vmsix_entry *e = &m->e[i];

		if (e->handle >= 0 && e->routed)
			m->hooks->block(m->hooks->ctx, e->handle);
		e->routed = e->told = false;
		memset(e->dw, 0, sizeof(e->dw));
		e->dw[VMSIX_CTRL] = VMSIX_CTRL_MASKED;
		phys_clear(m, i);
	}
}

static void refuse(struct vmsix *m, unsigned i, const char *why)
{
	struct vmsix_entry *e = &m->e[i];

	m->refused++;
	if (e->live)
		phys_mask(m, i);
	if (e->routed) {
		m->hooks->block(m->hooks->ctx, e->handle);
		e->routed = false;
	}
	if (!e->told && m->hooks->refused)
		m->hooks->refused(m->hooks->ctx, i, why);
	e->told = true;
}

/* Brings the device's entry i in line with the guest's. */
static void update(struct vmsix *m, unsigned i)
{
	struct vmsix_entry *e = &m->e[i];
	bool want = m->enabled && !m->fmasked && !(e->dw[VMSIX_CTRL] & VMSIX_CTRL_MASKED);
	char why[96];
	uint32_t apic, data;
	uint64_t addr;
	uint8_t vector;
	int had = e->handle;

	if (!want) {
		if (e->live)
			phys_mask(m, i);
		return;
	}
	if (vmsix_check(e->dw, m->hooks->apic_is_guests, m->hooks->ctx, &apic, &vector, why,
			sizeof(why))) {
		refuse(m, i, why);
		return;
	}
	if (e->live && e->routed && e->apic == apic && e->vector == vector)
		return;
	if (m->hooks->route(m->hooks->ctx, &e->handle, apic, vector, &addr, &data)) {
		refuse(m, i, "no interrupt-remapping entry left");
		return;
	}
	e->routed = true;
	e->apic = apic;
	e->vector = vector;
	e->told = false;
	/* The message names the remapping entry, not the destination: a live
	 * entry whose remapping entry stayed the same needs no rewrite. */
	if (e->live && had == e->handle)
		return;
	if (e->live)
		phys_mask(m, i);
	e->msg_addr = addr;
	e->msg_data = data;
	phys(m, i, VMSIX_ADDR_LO, (uint32_t)addr);
	phys(m, i, VMSIX_ADDR_HI, (uint32_t)(addr >> 32));
	phys(m, i, VMSIX_DATA, data);
	phys(m, i, VMSIX_CTRL, 0);
	e->live = true;
}

void vmsix_resync(struct vmsix *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		struct vmsix_entry *e = &m->e[i];
		bool live = e->live;

		phys_clear(m, i);
		if (!live)
			continue;
		phys(m, i, VMSIX_ADDR_LO, (uint32_t)e->msg_addr);
		phys(m, i, VMSIX_ADDR_HI, (uint32_t)(e->msg_addr >> 32));
		phys(m, i, VMSIX_DATA, e->msg_data);
		phys(m, i, VMSIX_CTRL, 0);
		e->live = true;
	}
}

void vmsix_control(struct vmsix *m, bool enable, bool masked)
{
	if (m->enabled == enable && m->fmasked == masked)
		return;
	m->enabled = enable;
	m->fmasked = masked;
	for (unsigned i = 0; i < m->n; i++)
		update(m, i);
}

uint64_t vmsix_read(const struct vmsix *m, uint64_t off, unsigned size)
{
	unsigned i = (unsigned)(off / VMSIX_ENTRY_SIZE), at = (unsigned)(off % VMSIX_ENTRY_SIZE);
	uint8_t bytes[VMSIX_ENTRY_SIZE];
	uint64_t v = 0;

	if (i >= m->n || at + size > VMSIX_ENTRY_SIZE)
		return ~0ULL;
	for (unsigned k = 0; k < 4; k++) {
		uint32_t dw = m->e[i].dw[k];

		if (k == VMSIX_CTRL)
			dw &= VMSIX_CTRL_MASKED;
		for (unsigned b = 0; b < 4; b++)
			bytes[4 * k + b] = (uint8_t)(dw >> (8 * b));
	}
	for (unsigned b = 0; b < size; b++)
		v |= (uint64_t)bytes[at + b] << (8 * b);
	return v;
}

void vmsix_write(struct vmsix *m, uint64_t off, unsigned size, uint64_t val)
{
	unsigned i = (unsigned)(off / VMSIX_ENTRY_SIZE);
	unsigned k = (unsigned)(off % VMSIX_ENTRY_SIZE) / 4;
	struct vmsix_entry *e;
	bool ctrl;

	if (i >= m->n || (size != 4 && size != 8) || off % size) {
		m->refused++;
		return;
	}
	e = &m->e[i];
	e->dw[k] = (uint32_t)val;
	if (size == 8)
		e->dw[k + 1] = (uint32_t)(val >> 32);
	ctrl = k == VMSIX_CTRL || (size == 8 && k + 1 == VMSIX_CTRL);
	/* A message changed under an unmasked entry takes effect at once
	 * (the specification leaves it undefined; this is the safe reading). */
	if (ctrl || !(e->dw[VMSIX_CTRL] & VMSIX_CTRL_MASKED))
		update(m, i);
}
