/* Host tests of a Linux guest's RAM layout and e820 map
 * (vmm/guest_layout.c). */
#include <stdint.h>

#include "lib/boot_params.h"
#include "tests/unit/check.h"
#include "vmm/guest_abi.h"
#include "vmm/guest_layout.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void check_e820(const struct e820_range *e, uint64_t addr, uint64_t size, uint32_t type)
{
	CHECK_EQ(e->addr, addr);
	CHECK_EQ(e->size, size);
	CHECK_EQ(e->type, type);
}

/* The part every map shares: RAM to 0x9F000, the legacy area reserved,
 * RAM from 1 MiB to low_end, the ECAM reserved. */
static void check_low(const struct e820_range *e, uint64_t low_end)
{
	check_e820(&e[0], 0, 0x9F000, E820_RAM);
	check_e820(&e[1], 0x9F000, 0x100000 - 0x9F000, E820_RESERVED);
	check_e820(&e[2], 0x100000, low_end - 0x100000, E820_RAM);
	check_e820(&e[3], ARGON_GUEST_ECAM_BASE, ARGON_GUEST_ECAM_SIZE, E820_RESERVED);
}

static void test_small(void)
{
	struct guest_ram_piece p[GUEST_RAM_PIECES_MAX];
	struct e820_range e[GUEST_E820_MAX];

	CHECK_EQ(guest_ram_split(512 * MiB, ARGON_GUEST_LOW_RAM_END, p), 1);
	CHECK_EQ(p[0].gpa, 0);
	CHECK_EQ(p[0].size, 512 * MiB);
	CHECK_EQ(guest_linux_e820(p, 1, e), 4);
	check_low(e, 512 * MiB);
}

/* Exactly what fits below the hole: still one piece. */
static void test_full_low(void)
{
	struct guest_ram_piece p[GUEST_RAM_PIECES_MAX];
	struct e820_range e[GUEST_E820_MAX];

	CHECK_EQ(guest_ram_split(ARGON_GUEST_LOW_RAM_END, ARGON_GUEST_LOW_RAM_END, p), 1);
	CHECK_EQ(p[0].size, ARGON_GUEST_LOW_RAM_END);
	CHECK_EQ(guest_linux_e820(p, 1, e), 4);
	check_low(e, ARGON_GUEST_LOW_RAM_END);
}

/* 6 GiB: 2816 MiB below the hole, 3328 MiB from 4 GiB; both pieces start
 * 1 GiB-aligned, so 1 GiB nested pages fit wherever the host blocks are
 * aligned too. */
static void test_above_4g(void)
{
	struct guest_ram_piece p[GUEST_RAM_PIECES_MAX];
	struct e820_range e[GUEST_E820_MAX];

	CHECK_EQ(guest_ram_split(6 * GiB, ARGON_GUEST_LOW_RAM_END, p), 2);
	CHECK_EQ(p[0].gpa, 0);
	CHECK_EQ(p[0].size, 2816 * MiB);
	CHECK_EQ(p[1].gpa, 4 * GiB);
	CHECK_EQ(p[1].size, 6 * GiB - 2816 * MiB);
	CHECK_EQ(p[1].gpa % GiB, 0);
	CHECK_EQ(guest_linux_e820(p, 2, e), 5);
	check_low(e, ARGON_GUEST_LOW_RAM_END);
	check_e820(&e[4], 4 * GiB, 3328 * MiB, E820_RAM);

	/* A server-sized guest: 1 TiB. */
	CHECK_EQ(guest_ram_split(1024 * GiB, ARGON_GUEST_LOW_RAM_END, p), 2);
	CHECK_EQ(p[1].gpa + p[1].size, 1024 * GiB + (4 * GiB - 2816 * MiB));
	/* Just over the hole: 2 MiB above 4 GiB. */
	CHECK_EQ(guest_ram_split(2818 * MiB, ARGON_GUEST_LOW_RAM_END, p), 2);
	CHECK_EQ(p[1].size, 2 * MiB);
}

static void test_edges(void)
{
	struct guest_ram_piece p[GUEST_RAM_PIECES_MAX];
	struct e820_range e[GUEST_E820_MAX];

	CHECK_EQ(guest_ram_split(0, ARGON_GUEST_LOW_RAM_END, p), 0);
	CHECK_EQ(guest_linux_e820(p, 0, e), 0);
	/* Linux needs RAM above 1 MiB. */
	CHECK_EQ(guest_ram_split(1 * MiB, ARGON_GUEST_LOW_RAM_END, p), 1);
	CHECK_EQ(guest_linux_e820(p, 1, e), 0);
	/* The first piece must start at 0. */
	p[0] = (struct guest_ram_piece){4 * GiB, GiB};
	CHECK_EQ(guest_linux_e820(p, 1, e), 0);
}

CHECK_MAIN(test_small, test_full_low, test_above_4g, test_edges)
