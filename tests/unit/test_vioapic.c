#include "tests/unit/check.h"
#include "vmm/dev/vioapic.h"

static struct vioapic io;
static struct vioapic_msg sent[16];
static unsigned nsent;

static void send(void *ctx, const struct vioapic_msg *m)
{
	CHECK(ctx == &io);
	if (nsent < 16)
		sent[nsent] = *m;
	nsent++;
}

static void setup(void)
{
	vioapic_init(&io, 0, send, &io);
	nsent = 0;
}

static uint32_t rd(unsigned idx)
{
	vioapic_write(&io, VIOAPIC_IOREGSEL, 4, idx);
	return vioapic_read(&io, VIOAPIC_IOWIN, 4);
}

static void wr(unsigned idx, uint32_t val)
{
	vioapic_write(&io, VIOAPIC_IOREGSEL, 4, idx);
	vioapic_write(&io, VIOAPIC_IOWIN, 4, val);
}

static void program(unsigned pin, uint32_t low, uint8_t dest)
{
	wr(0x11 + 2 * pin, (uint32_t)dest << 24);
	wr(0x10 + 2 * pin, low);
}

static void test_registers(void)
{
	setup();
	CHECK_EQ(rd(VIOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(rd(VIOAPIC_REG_ID), 0);
	wr(VIOAPIC_REG_ID, 0x0F000000 | 0xFFFF);
	CHECK_EQ(rd(VIOAPIC_REG_ID), 0x0F000000);
	CHECK_EQ(rd(VIOAPIC_REG_ARB), 0x0F000000);
	wr(VIOAPIC_REG_VER, 0);
	CHECK_EQ(rd(VIOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(vioapic_read(&io, VIOAPIC_IOREGSEL, 1), VIOAPIC_REG_VER);
	/* Every pin starts masked. */
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		CHECK_EQ(rd(0x10 + 2 * pin), RTE_MASKED);
		CHECK_EQ(rd(0x11 + 2 * pin), 0);
	}
	/* Read-only and reserved bits stay clear. */
	wr(0x10 + 2 * 23, 0xFFFFFFFF);
	CHECK_EQ(rd(0x10 + 2 * 23), 0x1FFFF & ~(uint32_t)(RTE_DELIVS | RTE_REMOTE_IRR));
	wr(0x11 + 2 * 23, 0xFFFFFFFF);
	CHECK_EQ(rd(0x11 + 2 * 23), 0xFFFE0000); /* destination and its extension */
	/* Past pin 23, and unknown registers: nothing. */
	wr(0x10 + 2 * 24, 0x1234);
	CHECK_EQ(rd(0x10 + 2 * 24), 0);
	CHECK_EQ(rd(0x03), 0);
	CHECK_EQ(vioapic_read(&io, 0x20, 4), 0);
	/* A byte write into IOWIN keeps the rest of the register. */
	program(4, 0x10031, 0);
	vioapic_write(&io, VIOAPIC_IOREGSEL, 1, 0x18);
	vioapic_write(&io, VIOAPIC_IOWIN, 1, 0x42);
	CHECK_EQ(rd(0x18), 0x10042);
	CHECK_EQ(nsent, 0);
}

static void test_edge(void)
{
	setup();
	/* Masked: the edge is lost, and unmasking sends nothing later. */
	program(4, RTE_MASKED | 0x31, 3);
	vioapic_edge(&io, 4);
	CHECK_EQ(nsent, 0);
	program(4, 0x31, 3);
	CHECK_EQ(nsent, 0);
	vioapic_edge(&io, 4);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent[0].vector, 0x31);
	CHECK_EQ(sent[0].dest, 3);
	CHECK(!sent[0].logical);
	CHECK(!sent[0].lowest);
	/* No remote IRR for edge pins: every edge goes out. */
	vioapic_edge(&io, 4);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(rd(0x18) & RTE_REMOTE_IRR, 0);
	/* Broadcast, logical, lowest priority. */
	program(5, 0x41, 0xFF);
	vioapic_edge(&io, 5);
	CHECK_EQ(sent[2].dest, 0xFFFFFFFF);
	program(5, 0x41 | RTE_DEST_LOGICAL | (RTE_DELMOD_LOWEST << RTE_DELMOD_OFF), 0x0A);
	vioapic_edge(&io, 5);
	CHECK(sent[3].logical);
	CHECK(sent[3].lowest);
	CHECK_EQ(sent[3].dest, 0x0A);
	/* The extended destination id: APIC 0x1234 is 0x34 in bits 63:56 and
	 * 0x12 in bits 55:49. Logical destinations have no extension. */
	wr(0x11 + 2 * 7, 0x34000000u | 0x12u << 17);
	wr(0x10 + 2 * 7, 0x42);
	vioapic_edge(&io, 7);
	CHECK_EQ(sent[4].dest, 0x1234);
	wr(0x10 + 2 * 7, 0x42 | RTE_DEST_LOGICAL);
	vioapic_edge(&io, 7);
	CHECK_EQ(sent[5].dest, 0x34);
	nsent = 4;
	/* Illegal vectors and other delivery modes send nothing. */
	program(6, 0x0F, 0);
	vioapic_edge(&io, 6);
	program(6, 0x50 | (4u << RTE_DELMOD_OFF), 0);
	vioapic_edge(&io, 6);
	vioapic_edge(&io, 24);
	CHECK_EQ(nsent, 4);
	/* The line interface: rising edges only. */
	vioapic_set_line(&io, 4, true);
	vioapic_set_line(&io, 4, true);
	CHECK_EQ(nsent, 5);
	vioapic_set_line(&io, 4, false);
	vioapic_set_line(&io, 4, true);
	CHECK_EQ(nsent, 6);
}

static void test_level(void)
{
	setup();
	program(9, 0x61 | RTE_TRIGGER_LEVEL | RTE_POLARITY_LOW, 1);
	vioapic_set_line(&io, 9, true);
	CHECK_EQ(nsent, 1);
	CHECK(rd(0x10 + 18) & RTE_REMOTE_IRR);
	/* Held off by remote IRR until the EOI. */
	vioapic_set_line(&io, 9, true);
	vioapic_edge(&io, 9);
	CHECK_EQ(nsent, 1);
	vioapic_write(&io, VIOAPIC_EOI, 4, 0x62); /* another vector */
	CHECK_EQ(nsent, 1);
	vioapic_write(&io, VIOAPIC_EOI, 4, 0x61); /* still high: again */
	CHECK_EQ(nsent, 2);
	vioapic_set_line(&io, 9, false);
	vioapic_write(&io, VIOAPIC_EOI, 4, 0x61);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(rd(0x10 + 18) & RTE_REMOTE_IRR, 0);
	/* Masked while high: sent on unmask. */
	program(9, 0x61 | RTE_TRIGGER_LEVEL | RTE_MASKED, 1);
	vioapic_set_line(&io, 9, true);
	CHECK_EQ(nsent, 2);
	program(9, 0x61 | RTE_TRIGGER_LEVEL, 1);
	CHECK_EQ(nsent, 3);
	/* Switching to edge clears remote IRR (guests without EOI register). */
	program(9, 0x61 | RTE_MASKED, 1);
	CHECK_EQ(rd(0x10 + 18) & RTE_REMOTE_IRR, 0);
	vioapic_set_line(&io, 9, false);
	/* Reset: all masked again. */
	vioapic_init(&io, 2, send, &io);
	CHECK_EQ(rd(0x10 + 18), RTE_MASKED);
	CHECK_EQ(rd(VIOAPIC_REG_ID), 0x02000000);
}

CHECK_MAIN(test_registers, test_edge, test_level)
