/* The IOAPIC register model (82093AA datasheet, 3.0; version 0x20 adds
 * the EOI register at 0x40, as on ICH-era chipsets). */
#include "vmm/dev/vioapic.h"

#include "lib/bits.h"

#define RTE_LOW_WRITABLE ((uint32_t)RTE_WRITABLE)
#define RTE_HIGH_WRITABLE ((uint32_t)(RTE_WRITABLE >> 32))

void vioapic_init(struct vioapic *io, uint8_t id, vioapic_send_fn send, void *ctx)
{
	*io = (struct vioapic){.id = id & 0xF, .send = send, .send_ctx = ctx};
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
}

static void deliver(struct vioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];
	unsigned mode = (unsigned)bit_extract(rte, RTE_DELMOD_OFF, RTE_DELMOD_LEN);
	struct vioapic_msg m;

	if (rte & RTE_MASKED)
		return;
	if (rte & RTE_TRIGGER_LEVEL) {
		if (rte & RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= RTE_REMOTE_IRR;
	}
	/* Vectors 0-15 are illegal for fixed and lowest-priority delivery;
	 * SMI, NMI, INIT and ExtINT are for firmware and the 8259, which a
	 * guest does not have. Nothing is sent. */
	if ((mode != RTE_DELMOD_FIXED && mode != RTE_DELMOD_LOWEST) || (rte & RTE_VECTOR_MASK) < 16)
		return;
	m.vector = (uint8_t)(rte & RTE_VECTOR_MASK);
	m.logical = rte & RTE_DEST_LOGICAL;
	m.lowest = mode == RTE_DELMOD_LOWEST;
	m.dest = (uint32_t)bit_extract(rte, RTE_DEST_OFF, RTE_DEST_LEN);
	if (!m.logical)
		m.dest |= (uint32_t)bit_extract(rte, RTE_EXT_DEST_OFF, RTE_EXT_DEST_LEN) << 8;
	if (!m.logical && m.dest == 0xFF)
		m.dest = 0xFFFFFFFFu;
	io->send(io->send_ctx, &m);
}

/* A level pin that is still asserted goes out again once it can. */
static void level_recheck(struct vioapic *io, unsigned pin)
{
	if ((io->rte[pin] & RTE_TRIGGER_LEVEL) && (io->lines & (1u << pin)))
		deliver(io, pin);
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (uint32_t)((1u << (8 * size)) - 1);
}

static uint32_t reg_read(const struct vioapic *io, unsigned idx)
{
	unsigned pin;

	switch (idx) {
	case VIOAPIC_REG_ID:
	case VIOAPIC_REG_ARB:
		return (uint32_t)io->id << VIOAPIC_ID_OFF;
	case VIOAPIC_REG_VER:
		return ((VIOAPIC_PINS - 1) << VIOAPIC_VER_MAXREDIR_OFF) | VIOAPIC_VERSION;
	default:
		break;
	}
	if (idx < VIOAPIC_REG_RTE0 || idx >= VIOAPIC_REG_RTE0 + 2 * VIOAPIC_PINS)
		return 0;
	pin = (idx - VIOAPIC_REG_RTE0) / 2;
	return (idx & 1) ? (uint32_t)(io->rte[pin] >> 32) : (uint32_t)io->rte[pin];
}

static void reg_write(struct vioapic *io, unsigned idx, uint32_t val)
{
	uint64_t old, rte;
	unsigned pin;

	if (idx == VIOAPIC_REG_ID) {
		io->id = (uint8_t)bit_extract(val, VIOAPIC_ID_OFF, VIOAPIC_ID_LEN);
		return;
	}
	if (idx < VIOAPIC_REG_RTE0 || idx >= VIOAPIC_REG_RTE0 + 2 * VIOAPIC_PINS)
		return; /* version, arbitration: read only */
	pin = (idx - VIOAPIC_REG_RTE0) / 2;
	old = io->rte[pin];
	if (idx & 1)
		rte = (old & ~((uint64_t)RTE_HIGH_WRITABLE << 32)) |
		      ((uint64_t)(val & RTE_HIGH_WRITABLE) << 32);
	else
		rte = (old & ~(uint64_t)RTE_LOW_WRITABLE) | (val & RTE_LOW_WRITABLE);
	/* Remote IRR means nothing for an edge pin; switching a pin to edge
	 * and back is how guests clear it on IOAPICs without EOI register. */
	if (!(rte & RTE_TRIGGER_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	level_recheck(io, pin);
}

uint32_t vioapic_read(struct vioapic *io, uint64_t off, unsigned size)
{
	switch (off) {
	case VIOAPIC_IOREGSEL:
		return io->regsel & size_mask(size);
	case VIOAPIC_IOWIN:
		return reg_read(io, io->regsel) & size_mask(size);
	default:
		return 0;
	}
}

static void eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if (!(rte & RTE_REMOTE_IRR) || (rte & RTE_VECTOR_MASK) != vector)
			continue;
		io->rte[pin] = rte & ~RTE_REMOTE_IRR;
		level_recheck(io, pin);
	}
}

void vioapic_write(struct vioapic *io, uint64_t off, unsigned size, uint32_t val)
{
	switch (off) {
	case VIOAPIC_IOREGSEL:
		io->regsel = (uint8_t)val;
		break;
	case VIOAPIC_IOWIN:
		if (size < 4) /* merge into the register's low bytes */
			val = (reg_read(io, io->regsel) & ~size_mask(size)) |
			      (val & size_mask(size));
		reg_write(io, io->regsel, val);
		break;
	case VIOAPIC_EOI:
		eoi(io, (uint8_t)val);
		break;
	default:
		break;
	}
}

void vioapic_edge(struct vioapic *io, unsigned pin)
{
	if (pin < VIOAPIC_PINS)
		deliver(io, pin);
}

void vioapic_set_line(struct vioapic *io, unsigned pin, bool asserted)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	was = io->lines & (1u << pin);
	if (!asserted) {
		io->lines &= ~(1u << pin);
		return;
	}
	io->lines |= 1u << pin;
	/* A level pin is sent while high; an edge pin on the rising edge. */
	if ((io->rte[pin] & RTE_TRIGGER_LEVEL) || !was)
		deliver(io, pin);
}
