/* The guest's IOAPIC in argon: its MMIO page, the delivery of its
 * messages to the guest's own cores, and the entry point for devices. */
#include "lib/err.h"
#include "vmm/dev/vioapic.h"
#include "vmm/guest.h"
#include "vmm/log.h"
#include "vmm/mmio.h"
#include "vmm/dev/vlapic.h"

static void send(void *ctx, const struct vioapic_msg *m)
{
	struct guest *g = ctx;

	/* A guest on its way to a stop or restart takes no interrupts: one
	 * left pending in its core's LAPIC would reach the next boot. */
	if (!g->stopped)
		vlapic_send_fixed(g, m->dest, m->logical, m->lowest, m->vector);
}

static uint64_t mmio_read(struct vcpu *v, void *dev, uint64_t off, unsigned size)
{
	struct guest *g = v->guest;
	uint32_t val;

	spin_lock(&g->io_lock);
	val = vioapic_read(dev, off, size);
	spin_unlock(&g->io_lock);
	return val;
}

static void log_rte(const struct guest *g, unsigned pin, uint64_t rte)
{
	pr_debug("guest '%s': IOAPIC pin %u: vector 0x%02x, mode %u, %s dest 0x%02x, %s, %s, %s\n",
		 g->name, pin, (unsigned)(rte & RTE_VECTOR_MASK),
		 (unsigned)((rte >> RTE_DELMOD_OFF) & 7),
		 (rte & RTE_DEST_LOGICAL) ? "logical" : "physical", (unsigned)(rte >> RTE_DEST_OFF),
		 (rte & RTE_TRIGGER_LEVEL) ? "level" : "edge",
		 (rte & RTE_POLARITY_LOW) ? "active low" : "active high",
		 (rte & RTE_MASKED) ? "masked" : "unmasked");
}

static void mmio_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct guest *g = v->guest;
	struct vioapic *io = dev;
	unsigned pin = VIOAPIC_PINS;
	uint64_t before = 0, after = 0;

	spin_lock(&g->io_lock);
	if (off == VIOAPIC_IOWIN && io->regsel >= VIOAPIC_REG_RTE0 &&
	    io->regsel < VIOAPIC_REG_RTE0 + 2 * VIOAPIC_PINS) {
		pin = (io->regsel - VIOAPIC_REG_RTE0) / 2;
		before = io->rte[pin];
	}
	vioapic_write(io, off, size, (uint32_t)val);
	if (pin < VIOAPIC_PINS)
		after = io->rte[pin];
	spin_unlock(&g->io_lock);
	/* Logged outside the lock: the console may take it. */
	if (pin < VIOAPIC_PINS && after != before)
		log_rte(g, pin, after);
}

static const struct mmio_ops ioapic_ops = {
	.name = "ioapic", .read = mmio_read, .write = mmio_write};

int vioapic_guest_init(struct guest *g)
{
	int err;

	vioapic_init(&g->ioapic, ARGON_GUEST_IOAPIC_ID, send, g);
	err = mmio_register(g, ARGON_GUEST_IOAPIC_BASE, VIOAPIC_MMIO_SIZE, &ioapic_ops, &g->ioapic);
	if (err)
		pr_warn("guest '%s': no IOAPIC: its RAM covers 0x%x (%s)\n", g->name,
			ARGON_GUEST_IOAPIC_BASE, err_str(err));
	return err;
}

void vioapic_guest_reset(struct guest *g)
{
	spin_lock(&g->io_lock);
	vioapic_init(&g->ioapic, ARGON_GUEST_IOAPIC_ID, send, g);
	spin_unlock(&g->io_lock);
}

void vioapic_assert_edge(struct guest *g, unsigned gsi)
{
	vioapic_edge(&g->ioapic, gsi);
}
