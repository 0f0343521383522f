/* The guest's PCI bus on a fake host function: what the guest reads, what
 * reaches the device, what is refused. */
#include <stdlib.h>

#include "check.h"
#include "lib/err.h"
#include "vmm/dev/vpci.h"

#define ECAM(dev, reg) ((uint64_t)(dev) << 15 | (reg))

/* A fake PCIe function: 4 KiB of configuration space that reads and
 * writes like memory, and a log of the writes that reached it. */
struct fake {
	uint8_t cfg[4096];
	unsigned writes;
	unsigned reads_at[4096 / 4]; /* reads per dword */
	uint16_t last_off;
	uint32_t last_val;
};

static uint32_t fake_read(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size)
{
	struct fake *f = ctx;
	uint32_t v = 0;

	(void)seg;
	(void)rid;
	f->reads_at[off / 4]++;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

static void fake_write(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size,
		       uint32_t val)
{
	struct fake *f = ctx;

	(void)seg;
	(void)rid;
	for (unsigned i = 0; i < size; i++)
		f->cfg[off + i] = (uint8_t)(val >> (8 * i));
	f->writes++;
	f->last_off = off;
	f->last_val = val;
}

static void put(struct fake *f, uint16_t off, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		f->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

/* An NVMe-like function: PM at 0x40, MSI at 0x50, MSI-X at 0x60 (64
 * entries in BAR0 at 0x2000, PBA at 0x3000), a vendor capability at 0x70,
 * PCIe v2 with FLR at 0x80; extended: SR-IOV at 0x100, AER at 0x140, ATS
 * at 0x180, ARI at 0x1C0. BAR0 64-bit 16 KiB, BAR2 32-bit 4 KiB, BAR3 I/O. */
static void fake_init(struct fake *fk, struct pci_func *f)
{
	memset(fk, 0, sizeof(*fk));
	put(fk, 0x00, 4, 0x00101B36);
	put(fk, 0x04, 2, 0x0002); /* as argon's reset leaves it: decoding */
	put(fk, 0x06, 2, 0x0010);
	put(fk, 0x08, 4, 0x01080202);
	put(fk, 0x0E, 1, 0x80);
	put(fk, 0x10, 4, 0xFE000004);
	put(fk, 0x14, 4, 0x00000000);
	put(fk, 0x18, 4, 0xFE100000);
	put(fk, 0x1C, 4, 0x0000C001);
	put(fk, 0x2C, 4, 0x11001AF4);
	put(fk, 0x34, 1, 0x40);
	put(fk, 0x3D, 1, 0x01);
	put(fk, 0x40, 2, 0x5001);
	put(fk, 0x42, 2, 0x0003);
	put(fk, 0x44, 2, 0x0008);
	put(fk, 0x50, 2, 0x6005);
	put(fk, 0x60, 2, 0x7011);
	put(fk, 0x62, 2, 0x003F);
	put(fk, 0x64, 4, 0x00002000);
	put(fk, 0x68, 4, 0x00003000);
	put(fk, 0x70, 2, 0x8009);
	put(fk, 0x80, 2, 0x0010);
	put(fk, 0x82, 2, 0x0002);
	put(fk, 0x84, 4, 1u << 28);
	put(fk, 0x88, 2, 0x2810);
	put(fk, 0x100, 4, 0x14010010);
	put(fk, 0x140, 4, 0x18020001);
	put(fk, 0x144, 4, 0x00001000);
	put(fk, 0x180, 4, 0x1C01000F);
	put(fk, 0x1C0, 4, 0x0001000E);
	put(fk, 0x1C4, 4, 0x00000100);

	memset(f, 0, sizeof(*f));
	f->seg = 0;
	f->rid = 0x30;
	f->vendor = 0x1B36;
	f->device = 0x0010;
	f->cap_pcie = 0x80;
	f->cap_msi = 0x50;
	f->cap_msix = 0x60;
	f->cap_pm = 0x40;
	f->flr = true;
	f->bar[0] = (struct pci_bar){.addr = 0xFE000000, .size = 0x4000, .is_64 = true};
	f->bar[2] = (struct pci_bar){.addr = 0xFE100000, .size = 0x1000};
	f->bar[3] = (struct pci_bar){.addr = 0xC000, .size = 0x40, .is_io = true};
}

struct hooks_log {
	unsigned moves, flrs, msix_calls, refused, mem_on;
	unsigned move_bar;
	uint64_t move_old, move_new;
	bool msix_enable, msix_masked;
	int move_result;
};

static int h_move(void *ctx, struct vpci_dev *d, unsigned bar, uint64_t old_gpa, uint64_t new_gpa)
{
	struct hooks_log *h = ctx;

	(void)d;
	h->moves++;
	h->move_bar = bar;
	h->move_old = old_gpa;
	h->move_new = new_gpa;
	return h->move_result;
}

static void h_flr(void *ctx, struct vpci_dev *d)
{
	struct hooks_log *h = ctx;

	(void)d;
	h->flrs++;
}

static void h_mem(void *ctx, struct vpci_dev *d)
{
	struct hooks_log *h = ctx;

	(void)d;
	h->mem_on++;
}

static void h_msix(void *ctx, struct vpci_dev *d, bool enable, bool masked)
{
	struct hooks_log *h = ctx;

	(void)d;
	h->msix_calls++;
	h->msix_enable = enable;
	h->msix_masked = masked;
}

static void h_refused(void *ctx, const struct vpci_dev *d, uint16_t off, unsigned size,
		      uint32_t val, const char *what)
{
	struct hooks_log *h = ctx;

	(void)d;
	(void)off;
	(void)size;
	(void)val;
	(void)what;
	h->refused++;
}

#define WIN32 0xC0000000ull
#define WIN32_SIZE 0x20000000ull

static struct fake fk;
static struct pci_func fn;
static struct hooks_log hl;
static struct pci_cfg_ops ops = {fake_read, fake_write, &fk};
static struct vpci_hooks hooks = {.bar_move = h_move,
				  .flr = h_flr,
				  .memory_on = h_mem,
				  .msix_control = h_msix,
				  .refused = h_refused,
				  .ctx = &hl};
static struct vpci_bus bus;

static struct vpci_dev *setup(void)
{
	struct vpci_dev *d;

	fake_init(&fk, &fn);
	memset(&hl, 0, sizeof(hl));
	vpci_init(&bus, WIN32, WIN32_SIZE, 0, 0, &hooks);
	d = vpci_add(&bus, &fn, &ops);
	CHECK(d != NULL);
	CHECK_EQ(vpci_place_bars(&bus), 0);
	fk.writes = 0;
	return d;
}

static uint32_t rd(unsigned dev, uint16_t reg, unsigned size)
{
	return (uint32_t)vpci_read(&bus, ECAM(dev, reg), size);
}

static void wr(unsigned dev, uint16_t reg, unsigned size, uint32_t val)
{
	vpci_write(&bus, ECAM(dev, reg), size, val);
}

static void test_bus_layout(void)
{
	setup();
	/* The host bridge at 00:00.0. */
	CHECK_EQ(rd(0, 0x00, 4), VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR);
	CHECK_EQ(rd(0, 0x0A, 2), 0x0600);
	CHECK_EQ(rd(0, 0x0E, 1), 0);
	/* The function at 00:01.0, nothing else. */
	CHECK_EQ(rd(1, 0x00, 4), 0x00101B36);
	CHECK_EQ(rd(2, 0x00, 4), 0xFFFFFFFFu);
	CHECK_EQ(rd(2, 0x00, 2), 0xFFFF);
	CHECK_EQ(vpci_read(&bus, ECAM(1, 0) | 1u << 12, 4), 0xFFFFFFFFu); /* function 1 */
	CHECK_EQ(vpci_read(&bus, 1u << 20, 4), 0xFFFFFFFFu);		  /* bus 1 */
	CHECK_EQ(vpci_read(&bus, ECAM(31, 0) | 255u << 20, 1), 0xFF);
	/* Writes there go nowhere and count nothing. */
	wr(5, 0x04, 2, 0x6);
	CHECK_EQ(vpci_refused(&bus), 0);
	/* The host bridge is read-only; sizing its absent BARs and ROM and
	 * setting the command bits a function takes are no refusals. */
	wr(0, 0x10, 4, 0xFFFFFFFFu);
	wr(0, 0x30, 4, 0xFFFFF800u);
	wr(0, 0x04, 2, 0x406);
	CHECK_EQ(vpci_refused(&bus), 0);
	CHECK_EQ(rd(0, 0x10, 4), 0);
	wr(0, 0x04, 2, 0x1);
	CHECK_EQ(vpci_refused(&bus), 1);
	wr(0, 0x3C, 1, 0x5);
	CHECK_EQ(vpci_refused(&bus), 2);
	CHECK_EQ(rd(0, 0x04, 2), 0x2);
}

static void test_header(void)
{
	setup();
	CHECK_EQ(rd(1, 0x08, 4), 0x01080202);  /* class, revision */
	CHECK_EQ(rd(1, 0x0E, 1), 0);	       /* multi-function bit cleared */
	CHECK_EQ(rd(1, 0x2C, 4), 0x11001AF4);  /* subsystem */
	CHECK_EQ(rd(1, 0x30, 4), 0);	       /* no expansion ROM */
	CHECK_EQ(rd(1, 0x3D, 1), 0);	       /* interrupt pin: none */
	CHECK_EQ(rd(1, 0x06, 2) & 0x10, 0x10); /* capability list */
	wr(1, 0x30, 4, 0xFFFFF800u);	       /* ROM sizing */
	CHECK_EQ(rd(1, 0x30, 4), 0);
	wr(1, 0x3C, 1, 0x0B); /* interrupt line: scratch */
	CHECK_EQ(rd(1, 0x3C, 4), 0x0B);
	wr(1, 0x0C, 2, 0x4010); /* cache line, latency: scratch */
	CHECK_EQ(rd(1, 0x0C, 4), 0x4010);
	CHECK_EQ(fk.writes, 0); /* none reached the device */
	CHECK_EQ(vpci_refused(&bus), 0);
	wr(1, 0x00, 4, 0x12345678); /* IDs are read-only */
	CHECK_EQ(vpci_refused(&bus), 1);
	CHECK_EQ(rd(1, 0x00, 4), 0x00101B36);
	wr(1, 0x0F, 1, 0x40); /* BIST start */
	CHECK_EQ(vpci_refused(&bus), 2);
	CHECK_EQ(fk.writes, 0);
	CHECK_EQ(hl.refused, 2);
}

static void test_command(void)
{
	struct vpci_dev *d = setup();

	wr(1, 0x04, 2, 0x0006); /* memory + bus master */
	CHECK_EQ(rd(1, 0x04, 2), 0x0006);
	CHECK_EQ(hl.mem_on, 1);
	wr(1, 0x04, 2, 0x0006); /* already on: no news */
	CHECK_EQ(hl.mem_on, 1);
	CHECK_EQ(fk.cfg[0x04] | fk.cfg[0x05] << 8, 0x0406); /* INTx disable forced */
	CHECK_EQ(vpci_refused(&bus), 0);
	wr(1, 0x04, 2, 0x0001); /* I/O space */
	CHECK_EQ(vpci_refused(&bus), 1);
	CHECK_EQ(rd(1, 0x04, 2), 0x0000);
	/* The guest's memory decode bit is its own: the device keeps
	 * decoding its BARs (bus master does go off). */
	CHECK_EQ(fk.cfg[0x04] | fk.cfg[0x05] << 8, 0x0402);
	wr(1, 0x04, 2, 0x0402); /* the guest's INTx disable is its own view */
	CHECK_EQ(rd(1, 0x04, 2), 0x0402);
	CHECK_EQ(hl.mem_on, 2); /* memory decoding back on */
	CHECK_EQ(d->refused, 1);
	/* Status error bits are cleared in the device, write-1-to-clear. */
	put(&fk, 0x06, 2, 0x2010);
	CHECK_EQ(rd(1, 0x06, 2), 0x2010);
	wr(1, 0x06, 2, 0x2000);
	CHECK_EQ(fk.last_off, 0x06);
	CHECK_EQ(fk.last_val, 0x2000);
}

/* A function argon has not finished with after a reset: to the guest it
 * has not come back from its reset (reads all ones, writes go nowhere, so
 * bus mastering cannot go on); once ready, the guest reaches it again. */
static void test_not_ready(void)
{
	struct vpci_dev *d = setup();

	d->not_ready = true;
	CHECK_EQ(rd(1, 0x00, 4), 0xFFFFFFFFu);
	CHECK_EQ(rd(1, 0x04, 2), 0xFFFFu);
	CHECK_EQ(rd(1, 0x06, 1), 0xFFu);
	wr(1, 0x04, 2, 0x0006);
	CHECK_EQ((fk.cfg[0x04] | fk.cfg[0x05] << 8) & 0x4, 0);
	CHECK_EQ(d->cmd, 0);
	CHECK_EQ(hl.mem_on, 0);
	/* A reset keeps it: only argon ends it. */
	vpci_reset_dev(&bus, d);
	CHECK(d->not_ready);
	vpci_dev_ready(&bus, d);
	CHECK(!d->not_ready);
	CHECK(rd(1, 0x00, 4) != 0xFFFFFFFFu);
	CHECK_EQ(rd(1, 0x04, 2), 0);
	CHECK_EQ((fk.cfg[0x04] | fk.cfg[0x05] << 8) & 0x4, 0);
	wr(1, 0x04, 2, 0x0006);
	CHECK_EQ((fk.cfg[0x04] | fk.cfg[0x05] << 8) & 0x4, 0x4);
	/* Ready with the guest's bus master bit on (set before argon's
	 * reset): the function masters again at once. */
	d->not_ready = true;
	vpci_dev_ready(&bus, d);
	CHECK_EQ((fk.cfg[0x04] | fk.cfg[0x05] << 8) & 0x4, 0x4);
}

static void test_bars(void)
{
	struct vpci_dev *d = setup();
	uint32_t lo = rd(1, 0x10, 4);

	/* Largest first: BAR0 (16 KiB) at the window's start, BAR2 after it. */
	CHECK_EQ(lo, (uint32_t)WIN32 | 0x4);
	CHECK_EQ(rd(1, 0x14, 4), 0);
	CHECK_EQ(rd(1, 0x18, 4), (uint32_t)WIN32 + 0x4000);
	CHECK_EQ(rd(1, 0x1C, 4), 0); /* the I/O BAR is not offered */
	CHECK_EQ(rd(1, 0x20, 4), 0);
	CHECK_EQ(d->bar[0].hpa, 0xFE000000);
	/* Sizing: all ones reads the size mask with the type bits. */
	wr(1, 0x10, 4, 0xFFFFFFFFu);
	CHECK_EQ(rd(1, 0x10, 4), 0xFFFFC004u);
	wr(1, 0x10, 4, lo);
	CHECK_EQ(rd(1, 0x10, 4), lo);
	wr(1, 0x14, 4, 0xFFFFFFFFu);
	CHECK_EQ(rd(1, 0x14, 4), 0xFFFFFFFFu);
	wr(1, 0x14, 4, 0);
	CHECK_EQ(rd(1, 0x14, 4), 0);
	wr(1, 0x18, 4, 0xFFFFFFFFu);
	CHECK_EQ(rd(1, 0x18, 4), 0xFFFFF000u);
	wr(1, 0x18, 4, (uint32_t)WIN32 + 0x4000);
	wr(1, 0x1C, 4, 0xFFFFFFFFu); /* I/O BAR: nothing there */
	CHECK_EQ(rd(1, 0x1C, 4), 0);
	CHECK_EQ(hl.moves, 0);
	CHECK_EQ(vpci_refused(&bus), 0);
	CHECK_EQ(fk.writes, 0); /* the device's own BARs are never touched */

	/* A move inside the window. */
	wr(1, 0x10, 4, (uint32_t)WIN32 + 0x100000);
	CHECK_EQ(hl.moves, 1);
	CHECK_EQ(hl.move_bar, 0);
	CHECK_EQ(hl.move_old, WIN32);
	CHECK_EQ(hl.move_new, WIN32 + 0x100000);
	CHECK_EQ(rd(1, 0x10, 4), (uint32_t)(WIN32 + 0x100000) | 0x4);
	/* Outside the window, misaligned, onto another BAR: refused. */
	wr(1, 0x10, 4, 0x80000000u);
	wr(1, 0x10, 4, (uint32_t)WIN32 + 0x4000);	/* onto BAR2 */
	wr(1, 0x10, 4, (uint32_t)(WIN32 + WIN32_SIZE)); /* past the end */
	wr(1, 0x14, 4, 1);				/* above 4 GiB: no 64-bit window */
	CHECK_EQ(hl.moves, 1);
	CHECK_EQ(vpci_refused(&bus), 4);
	CHECK_EQ(rd(1, 0x10, 4), (uint32_t)(WIN32 + 0x100000) | 0x4);
	CHECK_EQ(rd(1, 0x14, 4), 0);
	/* A move the caller cannot make leaves the BAR where it was. */
	hl.move_result = -1;
	wr(1, 0x18, 4, (uint32_t)WIN32 + 0x200000);
	CHECK_EQ(hl.moves, 2);
	CHECK_EQ(rd(1, 0x18, 4), (uint32_t)WIN32 + 0x4000);
	CHECK_EQ(vpci_refused(&bus), 5);
}

static void test_placement(void)
{
	struct pci_func f2;
	struct vpci_dev *d2;

	setup();
	f2 = fn;
	f2.rid = 0x38;
	f2.bar[0].size = 0x100000; /* 1 MiB, placed before everything else */
	f2.bar[2].size = 0x100;	   /* small: a page of its own */
	d2 = vpci_add(&bus, &f2, &ops);
	CHECK(d2 != NULL);
	CHECK_EQ(d2->slot, 2);
	CHECK_EQ(vpci_place_bars(&bus), 0);
	CHECK_EQ(d2->bar[0].gpa, WIN32);
	CHECK_EQ(bus.dev[0].bar[0].gpa, WIN32 + 0x100000);
	CHECK_EQ(bus.dev[0].bar[2].gpa, WIN32 + 0x104000);
	CHECK_EQ(d2->bar[2].gpa, WIN32 + 0x105000);
	CHECK_EQ(rd(2, 0x00, 4), 0x00101B36);
	/* A BAR firmware left without an address is not offered. */
	f2.bar[4] = (struct pci_bar){.addr = 0, .size = 0x1000};
	vpci_init(&bus, WIN32, WIN32_SIZE, 0, 0, &hooks);
	d2 = vpci_add(&bus, &f2, &ops);
	CHECK_EQ(d2->bar[4].size, 0);
	CHECK_EQ(rd(1, 0x20, 4), 0);
	f2.bar[4].size = 0;
	/* Too big for the window: refused at placement. */
	f2.bar[0].size = WIN32_SIZE * 2;
	vpci_init(&bus, WIN32, WIN32_SIZE, 0, 0, &hooks);
	vpci_add(&bus, &f2, &ops);
	CHECK_EQ(vpci_place_bars(&bus), -ERR_NOSPC);
	/* ... unless a 64-bit window takes it. */
	vpci_init(&bus, WIN32, WIN32_SIZE, 0x4000000000ull, 0x4000000000ull, &hooks);
	d2 = vpci_add(&bus, &f2, &ops);
	CHECK_EQ(vpci_place_bars(&bus), 0);
	CHECK_EQ(d2->bar[0].gpa, 0x4000000000ull);
	CHECK_EQ(d2->bar[2].gpa, WIN32);
}

static void test_caps(void)
{
	struct pci_msix_info mi;
	struct vpci_dev *d = setup();

	/* PM -> MSI-X -> PCIe; MSI and the vendor capability are gone. */
	CHECK_EQ(rd(1, 0x34, 1), 0x40);
	CHECK_EQ(rd(1, 0x40, 2), 0x6001);
	CHECK_EQ(rd(1, 0x60, 2), 0x8011);
	CHECK_EQ(rd(1, 0x80, 2), 0x0010);
	CHECK_EQ(rd(1, 0x50, 4), 0); /* MSI's bytes read 0 */
	CHECK_EQ(rd(1, 0x70, 4), 0);
	/* Hidden registers are not read on the device at all (a read may
	 * have side effects there): neither the vendor capability nor
	 * space outside every kept capability. */
	memset(fk.reads_at, 0, sizeof(fk.reads_at));
	CHECK_EQ(rd(1, 0x74, 4), 0);
	CHECK_EQ(rd(1, 0xF0, 4), 0);
	CHECK_EQ(rd(1, 0x800, 4), 0);
	CHECK_EQ(fk.reads_at[0x70 / 4] + fk.reads_at[0x74 / 4] + fk.reads_at[0xF0 / 4] +
			 fk.reads_at[0x800 / 4],
		 0);
	CHECK_EQ(rd(1, 0x42, 2), 0x0003); /* kept capabilities read through */
	CHECK_EQ(rd(1, 0x62, 2), 0x003F);
	CHECK_EQ(rd(1, 0x64, 4), 0x2000);
	CHECK_EQ(rd(1, 0x84, 4), 1u << 28);
	CHECK_EQ(rd(1, 0x61, 1), 0x80);
	/* Extended: SR-IOV hidden behind a null header, AER -> ARI. */
	CHECK_EQ(rd(1, 0x100, 4), 0x14000000u);
	CHECK_EQ(rd(1, 0x104, 4), 0);
	CHECK_EQ(rd(1, 0x140, 4), 0x1C020001u);
	CHECK_EQ(rd(1, 0x144, 4), 0x1000);
	CHECK_EQ(rd(1, 0x180, 4), 0); /* ATS hidden */
	CHECK_EQ(rd(1, 0x1C0, 4), 0x0001000Eu);
	CHECK_EQ(rd(1, 0x1C4, 4), 0x100);
	CHECK_EQ(rd(1, 0x142, 2), 0x1C02);
	CHECK_EQ(d->ncaps, 3);
	CHECK_EQ(d->necaps, 2);
	CHECK(vpci_msix_info(d, &mi));
	CHECK_EQ(mi.entries, 64);
	CHECK_EQ(mi.table_bar, 0);
	CHECK_EQ(mi.table_off, 0x2000);
	CHECK_EQ(mi.pba_off, 0x3000);
	/* Writes to hidden and read-only capabilities are refused. */
	wr(1, 0x52, 2, 0x0001); /* MSI enable */
	wr(1, 0x144, 4, 0);	/* AER */
	wr(1, 0x1C4, 4, 0x200); /* ARI */
	wr(1, 0x44, 2, 0x0003); /* D3hot */
	CHECK_EQ(vpci_refused(&bus), 4);
	CHECK_EQ(fk.writes, 0);
	wr(1, 0x44, 2, 0x8000); /* PME status: nothing to refuse */
	CHECK_EQ(vpci_refused(&bus), 4);
}

static void test_first_ecap_kept(void)
{
	setup();
	/* When the device's first extended capability is kept, it stays at
	 * 0x100 with its next pointer rewritten. */
	put(&fk, 0x100, 4, 0x1801000Eu); /* ARI -> ATS at 0x180 */
	put(&fk, 0x180, 4, 0x0001000Fu);
	vpci_init(&bus, WIN32, WIN32_SIZE, 0, 0, &hooks);
	vpci_add(&bus, &fn, &ops);
	CHECK_EQ(rd(1, 0x100, 4), 0x0001000Eu);
	CHECK_EQ(rd(1, 0x180, 4), 0);
}

static void test_msix_control(void)
{
	setup();
	wr(1, 0x62, 2, 0xC03F); /* enable, function mask */
	CHECK_EQ(hl.msix_calls, 1);
	CHECK(hl.msix_enable);
	CHECK(hl.msix_masked);
	CHECK_EQ(fk.cfg[0x63], 0xC0);
	CHECK_EQ(fk.cfg[0x62], 0x3F); /* table size untouched */
	CHECK_EQ(rd(1, 0x62, 2), 0xC03F);
	wr(1, 0x62, 2, 0x803F); /* unmask */
	CHECK_EQ(hl.msix_calls, 2);
	CHECK(!hl.msix_masked);
	wr(1, 0x62, 2, 0x803F); /* no change, no call */
	CHECK_EQ(hl.msix_calls, 2);
	CHECK_EQ(vpci_refused(&bus), 0);
	wr(1, 0x64, 4, 0x1000); /* the table's place is read-only */
	CHECK_EQ(vpci_refused(&bus), 1);
	CHECK_EQ(rd(1, 0x64, 4), 0x2000);
}

static void test_pcie(void)
{
	setup();
	wr(1, 0x88, 2, 0x2810); /* Device Control as read: fine */
	CHECK_EQ(vpci_refused(&bus), 0);
	wr(1, 0x88, 2, 0x2810 | 0x8000); /* FLR */
	CHECK_EQ(hl.flrs, 1);
	CHECK_EQ(vpci_refused(&bus), 0);
	wr(1, 0x88, 2, 0x5810); /* max read request */
	CHECK_EQ(vpci_refused(&bus), 1);
	CHECK_EQ(fk.writes, 0);
	wr(1, 0x90, 2, 0x0003); /* Link Control: ASPM */
	CHECK_EQ(vpci_refused(&bus), 2);
	CHECK_EQ(fk.writes, 0);
}

static void test_sizes(void)
{
	setup();
	/* Byte and word reads, 8-byte accesses, misaligned ones. */
	CHECK_EQ(rd(1, 0x02, 2), 0x0010);
	CHECK_EQ(rd(1, 0x03, 1), 0x00);
	CHECK_EQ(vpci_read(&bus, ECAM(1, 0x08), 8), 0x0000000001080202ull);
	CHECK_EQ(vpci_read(&bus, ECAM(1, 0x01), 2), 0xFFFFFFFFFFFFFFFFull);
	vpci_write(&bus, ECAM(1, 0x05), 2, 0);
	CHECK_EQ(vpci_refused(&bus), 1);
	/* Two 4-byte writes: the ROM (ignored) and the interrupt line. */
	vpci_write(&bus, ECAM(1, 0x38), 8, 0x0000000500000000ull);
	CHECK_EQ(rd(1, 0x3C, 1), 5);
	CHECK_EQ(vpci_refused(&bus), 1);
	/* 8-byte accesses must be 8-byte aligned: one at 0xFFC would reach
	 * the next function's first dword. */
	CHECK_EQ(vpci_read(&bus, ECAM(1, 0x3C), 8), 0xFFFFFFFFFFFFFFFFull);
	CHECK_EQ(vpci_read(&bus, ECAM(1, 0xFFC), 8), 0xFFFFFFFFFFFFFFFFull);
	vpci_write(&bus, ECAM(1, 0x3C), 8, 0x0000000000000007ull);
	CHECK_EQ(rd(1, 0x3C, 1), 5);
	CHECK_EQ(rd(1, 0x40, 2), 0x6001);
	CHECK_EQ(vpci_refused(&bus), 2);
}

static void test_full_bus(void)
{
	setup();
	for (unsigned i = 1; i < VPCI_MAX_DEVS; i++)
		CHECK(vpci_add(&bus, &fn, &ops) != NULL);
	CHECK(vpci_add(&bus, &fn, &ops) == NULL);
	CHECK_EQ(rd(VPCI_MAX_DEVS, 0, 4), 0x00101B36);
	CHECK_EQ(rd(VPCI_MAX_DEVS + 1, 0, 4), 0xFFFFFFFFu);
}

/* A VF reads Vendor and Device ID 0xFFFF and its BARs 0: the guest sees
 * the ids argon synthesized (struct pci_func) and the BARs from the PF's
 * VF BARs; the rest of the header is the VF's own. */
static void test_vf(void)
{
	struct pci_func saved = fn;

	fake_init(&fk, &fn);
	put(&fk, 0x00, 4, 0xFFFFFFFFu);
	put(&fk, 0x10, 4, 0);
	put(&fk, 0x14, 4, 0);
	put(&fk, 0x18, 4, 0);
	fn.is_vf = true;
	fn.vf_num = 1;
	fn.vendor = 0x1B36;
	fn.device = 0x0011;
	memset(&hl, 0, sizeof(hl));
	vpci_init(&bus, WIN32, WIN32_SIZE, 0, 0, &hooks);
	CHECK(vpci_add(&bus, &fn, &ops) != NULL);
	CHECK_EQ(vpci_place_bars(&bus), 0);
	CHECK_EQ(rd(1, 0x00, 4), 0x00111B36);
	CHECK_EQ(rd(1, 0x00, 2), 0x1B36);
	CHECK_EQ(rd(1, 0x02, 2), 0x0011);
	CHECK_EQ(rd(1, 0x08, 4), 0x01080202); /* the VF's class */
	/* BAR 0 from fn (the VF's share), placed by argon. */
	CHECK_EQ(rd(1, 0x10, 4) & ~0xFu, (uint32_t)bus.dev[0].bar[0].gpa);
	CHECK_EQ(bus.dev[0].bar[0].hpa, fn.bar[0].addr);
	wr(1, 0x00, 4, 0x12345678); /* read-only */
	CHECK_EQ(rd(1, 0x00, 4), 0x00111B36);
	fn = saved;
}

CHECK_MAIN(test_bus_layout, test_vf, test_header, test_command, test_not_ready, test_bars,
	   test_placement, test_caps, test_first_ecap_kept, test_msix_control, test_pcie,
	   test_sizes, test_full_bus)
