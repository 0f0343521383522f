/* Placing VF BARs that firmware left empty (sriov/vf_bars.c): bridge
 * windows as the type 1 header states them, the free-space search, and
 * the choice of window, on synthetic layouts: a root port shaped like the
 * rig's pcie-root-port (a 2 MiB non-prefetchable window at 0xc0000000 and
 * a 2 MiB 64-bit prefetchable one at 0x380000000000) holding an NVMe PF's
 * 16 KiB BAR0, and a server's root port with a large 64-bit prefetchable
 * window and a switch below it. */
#include <stdint.h>

#include "lib/err.h"
#include "sriov/vf_bars.h"
#include "tests/unit/check.h"

static uint8_t bridge_cfg[4096];

static uint32_t cfg_read(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size)
{
	uint32_t v = 0;

	(void)ctx;
	CHECK(seg == 0 && rid == 0x0018);
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)bridge_cfg[off + i] << (8 * i);
	return v;
}

static void cfg_write(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size,
		      uint32_t val)
{
	(void)ctx;
	(void)seg;
	(void)rid;
	(void)off;
	(void)size;
	(void)val;
	CHECK(!"the windows are only read");
}

static const struct pci_cfg_ops ops = {cfg_read, cfg_write, NULL};

static void put(unsigned off, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		bridge_cfg[off + i] = (uint8_t)(v >> (8 * i));
}

/* The root port at 00:03.0. */
static void rig_port(void)
{
	memset(bridge_cfg, 0, sizeof(bridge_cfg));
	put(0x04, 2, 0x0006); /* memory decode and bus mastering on */
	put(PCI_MEM_BASE, 2, 0xc000);
	put(PCI_MEM_LIMIT, 2, 0xc010);
	put(PCI_PREF_BASE, 2, 0x0001);
	put(PCI_PREF_LIMIT, 2, 0x0011);
	put(PCI_PREF_BASE_UPPER, 4, 0x3800);
	put(PCI_PREF_LIMIT_UPPER, 4, 0x3800);
}

static void test_windows(void)
{
	struct bridge_windows w;

	rig_port();
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	CHECK_EQ(w.mem.base, 0xc0000000u);
	CHECK_EQ(w.mem.size, 0x200000u);
	CHECK(w.pref_64);
	CHECK_EQ(w.pref.base, 0x380000000000ull);
	CHECK_EQ(w.pref.size, 0x200000u);

	/* Off: base above limit (firmware's way of saying none). A 32-bit
	 * prefetchable window ignores the upper registers. */
	put(PCI_MEM_BASE, 2, 0xfff0);
	put(PCI_MEM_LIMIT, 2, 0x0000);
	put(PCI_PREF_BASE, 2, 0xe000);
	put(PCI_PREF_LIMIT, 2, 0xe0f0);
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	CHECK_EQ(w.mem.size, 0);
	CHECK(!w.pref_64);
	CHECK_EQ(w.pref.base, 0xe0000000u);
	CHECK_EQ(w.pref.size, 0x1000000u);

	/* The reset value, base = limit = 0, is no window at 0-0xfffff. */
	rig_port();
	put(PCI_PREF_BASE, 2, 0x0000);
	put(PCI_PREF_LIMIT, 2, 0x0000);
	put(PCI_PREF_BASE_UPPER, 4, 0);
	put(PCI_PREF_LIMIT_UPPER, 4, 0);
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	CHECK_EQ(w.pref.size, 0);
	CHECK_EQ(w.mem.size, 0x200000u);
	put(PCI_PREF_BASE, 2, 0x0001); /* 64-bit, upper halves 0: the same */
	put(PCI_PREF_LIMIT, 2, 0x0001);
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	CHECK_EQ(w.pref.size, 0);

	/* Memory decode off at the bridge: it forwards nothing. */
	rig_port();
	put(0x04, 2, 0x0004);
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	CHECK_EQ(w.mem.size, 0);
	CHECK_EQ(w.pref.size, 0);
}

/* A window that its ancestor does not forward is none. */
static void test_nest(void)
{
	struct bridge_windows w = {{0xc0000000u, 0x200000u}, {0x380000000000ull, 0x200000u}, true};
	struct bridge_windows outer = {
		{0xc0000000u, 0x1000000u}, {0x380000000000ull, 1u << 30}, true};

	bridge_windows_nest(&w, &outer);
	CHECK_EQ(w.mem.size, 0x200000u);
	CHECK_EQ(w.pref.size, 0x200000u);
	/* Straddling the end of the ancestor's window, or outside both. */
	w.mem.base = 0xc0f00000u;
	outer.pref.base = 0x390000000000ull;
	bridge_windows_nest(&w, &outer);
	CHECK_EQ(w.mem.size, 0);
	CHECK_EQ(w.pref.size, 0);
	/* A prefetchable window inside the ancestor's non-prefetchable one
	 * is forwarded. */
	w.pref = (struct mem_span){0xc0800000u, 0x100000u};
	bridge_windows_nest(&w, &outer);
	CHECK_EQ(w.pref.size, 0x100000u);
	/* An ancestor with no windows forwards nothing. */
	memset(&outer, 0, sizeof(outer));
	bridge_windows_nest(&w, &outer);
	CHECK_EQ(w.pref.size, 0);
}

static void test_fit(void)
{
	const struct mem_span win = {0xc0000000, 0x200000};
	const struct mem_span busy[] = {
		{0xc0000000, 0x4000},  /* the PF's BAR0 */
		{0xc0010000, 0x1000},  /* another function's BAR */
		{0xc0100000, 0x80000}, /* a child bridge's window */
	};
	uint64_t at = 0;

	/* Nothing in the way: the window's start. */
	CHECK_EQ(mem_span_fit(win, ~0ull, NULL, 0, 0x8000, 0x8000, &at), 0);
	CHECK_EQ(at, 0xc0000000u);
	/* Past the BAR, aligned. */
	CHECK_EQ(mem_span_fit(win, ~0ull, busy, 3, 0x8000, 0x8000, &at), 0);
	CHECK_EQ(at, 0xc0008000u);
	/* 64 KiB aligned: past the second BAR. */
	CHECK_EQ(mem_span_fit(win, ~0ull, busy, 3, 0x10000, 0x10000, &at), 0);
	CHECK_EQ(at, 0xc0020000u);
	/* 1 MiB aligned: the first MiB is taken, the second holds the child
	 * bridge's window: nothing. */
	CHECK_EQ(mem_span_fit(win, ~0ull, busy, 3, 0x100000, 0x100000, &at), -ERR_NOSPC);
	/* 512 KiB: the second half of the first MiB. */
	CHECK_EQ(mem_span_fit(win, ~0ull, busy, 3, 0x80000, 0x80000, &at), 0);
	CHECK_EQ(at, 0xc0080000u);
	/* 768 KiB aligned to 256 KiB: right up to the child window. */
	CHECK_EQ(mem_span_fit(win, ~0ull, busy, 3, 0xc0000, 0x40000, &at), 0);
	CHECK_EQ(at, 0xc0040000u);
	/* 256 KiB past a busy span covering the first MiB: after the child
	 * window. */
	{
		const struct mem_span more[] = {{0xc0000000, 0x100000}, {0xc0100000, 0x80000}};

		CHECK_EQ(mem_span_fit(win, ~0ull, more, 2, 0x40000, 0x40000, &at), 0);
		CHECK_EQ(at, 0xc0180000u);
	}
	/* Never past `below`, never larger than the window. */
	CHECK_EQ(mem_span_fit(win, 0xc00fffff, busy, 3, 0xc0000, 0x40000, &at), -ERR_NOSPC);
	CHECK_EQ(mem_span_fit(win, ~0ull, NULL, 0, 0x400000, 0x1000, &at), -ERR_NOSPC);
	/* Overlapping busy spans and a window reaching the top of the
	 * address space. */
	{
		const struct mem_span top = {0xfffffffffff00000ull, 0x100000};
		const struct mem_span ov[] = {{0xfffffffffff00000ull, 0x30000},
					      {0xfffffffffff10000ull, 0x40000}};

		CHECK_EQ(mem_span_fit(top, ~0ull, ov, 2, 0x10000, 0x10000, &at), 0);
		CHECK_EQ(at, 0xfffffffffff50000ull);
		CHECK_EQ(mem_span_fit(top, ~0ull, ov, 2, 0x100000, 0x100000, &at), -ERR_NOSPC);
	}
	/* A bad alignment is no place. */
	CHECK_EQ(mem_span_fit(win, ~0ull, NULL, 0, 0x1000, 0x3000, &at), -ERR_NOSPC);
}

static void test_place_rig(void)
{
	/* QEMU's NVMe VF BAR0: 64-bit, not prefetchable, 16 KiB per VF. */
	const struct pci_bar nvme = {.size = 0x4000, .is_64 = true};
	const struct mem_span busy[] = {{0xc0000000, 0x4000}};
	struct bridge_windows w;
	struct vf_bar_place at;
	char msg[200];

	rig_port();
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	/* Not prefetchable: the non-prefetchable window, 32 KiB aligned. */
	CHECK_EQ(vf_bar_place(&nvme, 2, &w, busy, 1, &at, msg, sizeof(msg)), 0);
	CHECK_EQ(at.addr, 0xc0008000u);
	CHECK(!at.prefetch_window);
	/* 3 VFs: 48 KiB, aligned to 64 KiB. */
	CHECK_EQ(vf_bar_place(&nvme, 3, &w, busy, 1, &at, msg, sizeof(msg)), 0);
	CHECK_EQ(at.addr, 0xc0010000u);

	/* Prefetchable and 64-bit: the 64-bit prefetchable window. */
	{
		const struct pci_bar pref = {.size = 0x100000, .is_64 = true, .prefetch = true};

		CHECK_EQ(vf_bar_place(&pref, 2, &w, busy, 1, &at, msg, sizeof(msg)), 0);
		CHECK_EQ(at.addr, 0x380000000000ull);
		CHECK(at.prefetch_window);
	}
	/* Prefetchable but 32-bit: a 64-bit window above 4 GiB cannot hold
	 * it, the non-prefetchable one can. */
	{
		const struct pci_bar p32 = {.size = 0x10000, .prefetch = true};

		CHECK_EQ(vf_bar_place(&p32, 2, &w, busy, 1, &at, msg, sizeof(msg)), 0);
		CHECK_EQ(at.addr, 0xc0020000u);
		CHECK(!at.prefetch_window);
	}
}

static void test_place_refused(void)
{
	const struct pci_bar nvme = {.size = 0x4000, .is_64 = true};
	const struct pci_bar big = {.size = 0x100000, .is_64 = true};
	const struct mem_span busy[] = {{0xc0000000, 0x4000}};
	struct bridge_windows w;
	struct vf_bar_place at;
	char msg[200];

	rig_port();
	pci_bridge_windows(&ops, 0, 0x0018, &w);
	/* 2 MiB window, the PF's BAR at its start: 2 VFs of 1 MiB do not
	 * fit (the prefetchable window is not for a non-prefetchable BAR). */
	CHECK_EQ(vf_bar_place(&big, 2, &w, busy, 1, &at, msg, sizeof(msg)), -ERR_NOSPC);
	CHECK_STR(msg, "no room for 0x200000 bytes aligned to 0x200000 in the non-prefetchable "
		       "window 0xc0000000-0xc01fffff");
	/* A prefetchable one that fits neither window names both. */
	{
		const struct pci_bar pbig = {.size = 0x200000, .is_64 = true, .prefetch = true};

		CHECK_EQ(vf_bar_place(&pbig, 2, &w, busy, 1, &at, msg, sizeof(msg)), -ERR_NOSPC);
		CHECK_STR(msg, "no room for 0x400000 bytes aligned to 0x400000 in the prefetchable "
			       "window 0x380000000000-0x3800001fffff or the non-prefetchable "
			       "window 0xc0000000-0xc01fffff");
	}
	/* A bridge that forwards no memory. */
	w.mem.size = 0;
	CHECK_EQ(vf_bar_place(&nvme, 2, &w, busy, 1, &at, msg, sizeof(msg)), -ERR_NOSPC);
	CHECK_STR(msg, "the bridge forwards no memory window it may take");
	/* A count that overflows. */
	{
		const struct pci_bar huge = {.size = 1ull << 60, .is_64 = true};

		rig_port();
		pci_bridge_windows(&ops, 0, 0x0018, &w);
		CHECK_EQ(vf_bar_place(&huge, 64, &w, NULL, 0, &at, msg, sizeof(msg)), -ERR_RANGE);
	}
}

/* A server's root port with a large 64-bit prefetchable window that
 * already holds another device's BARs and a switch below it. */
static void test_place_server(void)
{
	const struct pci_bar vf = {.size = 0x20000, .is_64 = true, .prefetch = true};
	const struct mem_span busy[] = {
		{0x20000000000ull, 0x100000},  /* the PF's own BARs */
		{0x20000100000ull, 0x1000000}, /* a switch's window below the port */
	};
	struct bridge_windows w = {.mem = {0xa0000000, 0x200000},
				   .pref = {0x20000000000ull, 0x4000000},
				   .pref_64 = true};
	struct vf_bar_place at;
	char msg[200];

	/* 32 VFs of 128 KiB: 4 MiB aligned to 4 MiB, past the switch. */
	CHECK_EQ(vf_bar_place(&vf, 32, &w, busy, 2, &at, msg, sizeof(msg)), 0);
	CHECK_EQ(at.addr, 0x20001400000ull);
	CHECK(at.prefetch_window);
	CHECK_EQ(at.addr % 0x400000, 0);
}

CHECK_MAIN(test_windows, test_nest, test_fit, test_place_rig, test_place_refused, test_place_server)
