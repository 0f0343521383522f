/* sriov/pci.c on fake configuration spaces: a captured `lspci -xxxx` of
 * QEMU's q35 with an SR-IOV NVMe controller, and synthetic topologies
 * (switch chains, PCIe-to-PCI bridges, broken capability lists, BARs of
 * every kind). The fake models what hardware does on writes: BARs keep
 * only their writable bits, everything else stores as written, and it
 * records what a careful enumerator must not do. */
#include <stdlib.h>

#include "lib/err.h"
#include "sriov/pci.h"
#include "sriov/pci_check.h"
#include "vmm/config_check.h"
#include "sriov/pci_regs.h"
#include "sriov/sriov.h"
#include "tests/unit/check.h"

#define FAKE_MAX 800

struct fake_fn {
	uint16_t seg, rid;
	uint8_t cfg[4096];
	uint32_t bar_wmask[6]; /* writable bits of each BAR dword */
	/* Reset modelling: the PCIe capability's offset (FLR through its
	 * Device Control), how long the function stays unready after a
	 * reset, and until when Transactions Pending reads set. */
	uint8_t pcie, pm;
	bool in_d3;
	uint64_t ready_after_us, pending_until, unready_until, reset_at;
	bool was_reset, crs;
	unsigned resets;
};

struct fake {
	struct fake_fn fn[FAKE_MAX];
	unsigned count;
	unsigned reads_missing;
	unsigned bus_writes;	     /* writes touching bytes 0x18-0x1a of a bridge */
	unsigned bar_write_decoding; /* BAR writes while the command register decodes */
	unsigned writes;	     /* every write */
	unsigned early_reads;	     /* reads within 100 ms of an FLR */
	unsigned flr_while_pending;
};

static uint64_t fake_now;

static uint64_t fake_now_us(void *ctx)
{
	return fake_now;
}

static void fake_delay_us(void *ctx, uint64_t us)
{
	fake_now += us;
}

static const struct pci_wait_ops fake_wait = {fake_now_us, fake_delay_us, NULL};

static unsigned nbars(const struct fake_fn *fn)
{
	uint8_t h = fn->cfg[PCI_HEADER_TYPE] & 0x7f;

	return h == 0 ? 6 : h == 1 ? 2 : 0;
}

/* What a reset does to the function: BARs and command register cleared,
 * and not answering for a while. */
static void fake_reset(struct fake_fn *fn)
{
	for (unsigned o = 0x10; o < 0x10 + 4 * nbars(fn); o++)
		fn->cfg[o] &= (uint8_t) ~(fn->bar_wmask[(o - 0x10) / 4] >> (8 * (o % 4)));
	fn->cfg[PCI_COMMAND] = 0;
	fn->cfg[PCI_COMMAND + 1] = 0;
	fn->reset_at = fake_now;
	fn->unready_until = fake_now + fn->ready_after_us;
	fn->was_reset = true;
	fn->resets++;
}

static struct fake_fn *fake_find(struct fake *f, uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; i < f->count; i++)
		if (f->fn[i].seg == seg && f->fn[i].rid == rid)
			return &f->fn[i];
	return NULL;
}

static uint32_t fake_read(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size)
{
	struct fake_fn *fn = fake_find(ctx, seg, rid);
	uint32_t v = 0;

	CHECK(off + size <= 4096 && off % size == 0);
	if (!fn) {
		((struct fake *)ctx)->reads_missing++;
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	}
	if (fn->was_reset && fn->pcie && fake_now < fn->reset_at + 100000)
		((struct fake *)ctx)->early_reads++;
	if (fake_now < fn->unready_until) {
		if (fn->crs && off == PCI_VENDOR_ID)
			return size == 2 ? 0x0001 : 0xffff0001u;
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	}
	if (fn->pcie && off == fn->pcie + PCI_EXP_DEVSTA && fake_now < fn->pending_until)
		return PCI_EXP_DEVSTA_TRPND;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	return v;
}

static void fake_write(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size,
		       uint32_t val)
{
	struct fake *f = ctx;
	struct fake_fn *fn = fake_find(f, seg, rid);

	f->writes++;
	CHECK(off + size <= 4096 && off % size == 0);
	if (!fn)
		return;
	if ((fn->cfg[PCI_HEADER_TYPE] & 0x7f) == 1 && off < 0x1b && off + size > 0x18)
		f->bus_writes++;
	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (o >= 0x10 && o < 0x10 + 4 * nbars(fn)) {
			uint8_t m = (uint8_t)(fn->bar_wmask[(o - 0x10) / 4] >> (8 * (o % 4)));

			if (fn->cfg[PCI_COMMAND] & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
				f->bar_write_decoding++;
			b = (uint8_t)((b & m) | (fn->cfg[o] & ~m));
		}
		fn->cfg[o] = b;
	}
	if (fn->pcie && off == fn->pcie + PCI_EXP_DEVCTL && (val & PCI_EXP_DEVCTL_BCR_FLR)) {
		if (fake_now < fn->pending_until)
			f->flr_while_pending++;
		fn->cfg[off + 1] &= 0x7f; /* the bit reads 0 */
		fake_reset(fn);
	}
	/* D3hot -> D0 with No_Soft_Reset clear resets the function. */
	if (fn->pm && off == fn->pm + PCI_PM_CTRL) {
		unsigned state = val & PCI_PM_CTRL_STATE_MASK;

		if (state == PCI_PM_D0 && fn->in_d3 && !(val & PCI_PM_CTRL_NO_SOFT_RESET))
			fake_reset(fn);
		fn->in_d3 = state == PCI_PM_D3HOT;
	}
}

static const struct pci_cfg_ops fake_ops = {fake_read, fake_write, NULL};

static struct pci_cfg_ops ops_for(struct fake *f)
{
	struct pci_cfg_ops o = fake_ops;

	o.ctx = f;
	return o;
}

static struct fake *fake_new(void)
{
	return calloc(1, sizeof(struct fake));
}

static void put8(struct fake_fn *fn, unsigned off, uint8_t v)
{
	fn->cfg[off] = v;
}
static void put16(struct fake_fn *fn, unsigned off, uint16_t v)
{
	put8(fn, off, (uint8_t)v);
	put8(fn, off + 1, (uint8_t)(v >> 8));
}
static void put32(struct fake_fn *fn, unsigned off, uint32_t v)
{
	put16(fn, off, (uint16_t)v);
	put16(fn, off + 2, (uint16_t)(v >> 16));
}

/* A function with ids, class and header type; no caps, no BARs. */
static struct fake_fn *add_fn(struct fake *f, uint16_t seg, uint16_t rid, uint32_t class_code,
			      uint8_t hdr)
{
	struct fake_fn *fn = &f->fn[f->count++];

	CHECK(f->count <= FAKE_MAX);
	fn->seg = seg;
	fn->rid = rid;
	put16(fn, PCI_VENDOR_ID, 0x8086);
	put16(fn, PCI_DEVICE_ID, (uint16_t)(0x1000 + rid));
	put32(fn, PCI_CLASS_REVISION, class_code << 8 | 1);
	put8(fn, PCI_HEADER_TYPE, hdr);
	put16(fn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	return fn;
}

/* Appends a standard capability at off (linking it after the last one). */
static void add_cap(struct fake_fn *fn, uint8_t off, uint8_t id)
{
	uint8_t *p = &fn->cfg[PCI_CAP_PTR];

	fn->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	while (*p)
		p = &fn->cfg[*p + 1];
	*p = off;
	fn->cfg[off] = id;
	fn->cfg[off + 1] = 0;
}

static void add_pcie(struct fake_fn *fn, uint8_t off, uint8_t type, bool flr)
{
	add_cap(fn, off, PCI_CAP_ID_PCIE);
	put16(fn, off + PCI_EXP_FLAGS, (uint16_t)(2 | type << 4));
	put32(fn, off + PCI_EXP_DEVCAP, flr ? PCI_EXP_DEVCAP_FLR : 0);
}

static struct fake_fn *add_bridge(struct fake *f, uint16_t rid, uint8_t type, uint8_t sec,
				  uint8_t sub)
{
	struct fake_fn *fn = add_fn(f, 0, rid, 0x060400, 1);

	put8(fn, PCI_PRIMARY_BUS, (uint8_t)(rid >> 8));
	put8(fn, PCI_SECONDARY_BUS, sec);
	put8(fn, PCI_SUBORDINATE_BUS, sub);
	if (type != PCI_EXP_TYPE_NONE)
		add_pcie(fn, 0x40, type, false);
	return fn;
}

/* A memory BAR at slot i: size a power of two, 64-bit or not. */
static void add_mem_bar(struct fake_fn *fn, unsigned i, uint64_t addr, uint64_t size, bool is64,
			bool pref)
{
	uint64_t mask = ~(size - 1);
	uint32_t flags = (is64 ? PCI_BAR_MEM_TYPE_64 << PCI_BAR_MEM_TYPE_OFF : 0) |
			 (pref ? PCI_BAR_PREFETCH : 0);

	put32(fn, 0x10 + 4 * i, (uint32_t)addr | flags);
	fn->bar_wmask[i] = (uint32_t)mask & ~0xfu;
	if (is64) {
		put32(fn, 0x14 + 4 * i, (uint32_t)(addr >> 32));
		fn->bar_wmask[i + 1] = (uint32_t)(mask >> 32);
	}
}

static void add_io_bar(struct fake_fn *fn, unsigned i, uint32_t port, uint32_t size)
{
	put32(fn, 0x10 + 4 * i, port | PCI_BAR_IO);
	fn->bar_wmask[i] = ~(size - 1) & 0xfffcu; /* a 16-bit decoder */
}

static const struct pci_func *find(const struct pci_bus_info *b, uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; i < b->count; i++)
		if (b->f[i].seg == seg && b->f[i].rid == rid)
			return &b->f[i];
	return NULL;
}

/* ---- The captured q35 machine ---- */

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads `lspci -xxxx`: "BB:DD.F name" starts a function, "OFF: hh hh..."
 * fills its bytes. */
static void load_lspci(struct fake *f, const char *name)
{
	char path[512], line[512];
	struct fake_fn *fn = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", ARGON_FIXTURES, name);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		unsigned bus, dev, fnum, off;
		char *p;

		if (sscanf(line, "%2x:%2x.%1x ", &bus, &dev, &fnum) == 3 && line[2] == ':' &&
		    line[5] == '.') {
			fn = &f->fn[f->count++];
			fn->seg = 0;
			fn->rid = pci_rid((uint8_t)bus, (uint8_t)dev, (uint8_t)fnum);
			continue;
		}
		p = strchr(line, ':');
		if (!fn || !p || sscanf(line, "%x:", &off) != 1)
			continue;
		p++;
		for (unsigned i = 0; i < 16 && off + i < 4096; i++) {
			while (*p == ' ')
				p++;
			if (hexval(p[0]) < 0 || hexval(p[1]) < 0)
				break;
			fn->cfg[off + i] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
			p += 2;
		}
	}
	fclose(fp);
}

/* What QEMU's devices decode; lspci shows where BARs are, not how big. */
static void q35_bar_sizes(struct fake *f)
{
	static const struct {
		uint16_t rid;
		unsigned bar;
		uint32_t size;
	} sizes[] = {
		{0x0008, 0, 16u << 20},	 {0x0008, 2, 4096}, {0x0010, 0, 128u << 10},
		{0x0010, 1, 128u << 10}, {0x0010, 2, 32},   {0x0010, 3, 16u << 10},
		{0x0018, 0, 16u << 10},	 {0x00fa, 4, 32},   {0x00fa, 5, 4096},
		{0x00fb, 4, 64},
	};

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct fake_fn *fn = fake_find(f, 0, sizes[i].rid);
		uint32_t lo;

		CHECK(fn != NULL);
		if (!fn)
			continue;
		lo = fn->cfg[0x10 + 4 * sizes[i].bar] | (uint32_t)fn->cfg[0x11 + 4 * sizes[i].bar]
								<< 8;
		if (lo & PCI_BAR_IO) {
			fn->bar_wmask[sizes[i].bar] = ~(sizes[i].size - 1) & 0xfffcu;
		} else {
			fn->bar_wmask[sizes[i].bar] = ~(sizes[i].size - 1) & ~0xfu;
			if ((lo >> 1 & 3) == 2)
				fn->bar_wmask[sizes[i].bar + 1] = 0xffffffffu;
		}
	}
}

static void test_q35_capture(void)
{
	struct fake *f = fake_new(), *orig;
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	const struct pci_func *nvme, *net, *vga, *lpc, *host, *sata;
	char line[200];

	load_lspci(f, "lspci-q35-nvme-sriov.txt");
	CHECK_EQ(f->count, 9);
	q35_bar_sizes(f);
	orig = malloc(sizeof(*orig));
	memcpy(orig, f, sizeof(*f));

	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	/* The VFs 00:03.1-2 are in the capture, but 00:03.0 is a single
	 * function (and a VF's vendor id reads all ones): not listed. */
	CHECK_EQ(b.count, 7);
	CHECK(find(&b, 0, pci_rid(0, 3, 1)) == NULL);
	host = find(&b, 0, pci_rid(0, 0, 0));
	vga = find(&b, 0, pci_rid(0, 1, 0));
	net = find(&b, 0, pci_rid(0, 2, 0));
	nvme = find(&b, 0, pci_rid(0, 3, 0));
	lpc = find(&b, 0, pci_rid(0, 0x1f, 0));
	sata = find(&b, 0, pci_rid(0, 0x1f, 2));
	CHECK(host && vga && net && nvme && lpc && sata && find(&b, 0, pci_rid(0, 0x1f, 3)));
	if (!host || !vga || !net || !nvme || !lpc || !sata)
		return;

	CHECK_EQ(host->class_code, 0x060000);
	CHECK_EQ(lpc->class_code, 0x060100);
	CHECK(!lpc->is_bridge);
	CHECK_EQ(nvme->vendor, 0x1b36);
	CHECK_EQ(nvme->device, 0x0010);
	CHECK_EQ(nvme->class_code, 0x010802);
	CHECK_EQ(nvme->header_type, 0);
	CHECK_EQ(nvme->parent, -1);
	CHECK_EQ(nvme->cap_msix, 0x40);
	CHECK_EQ(nvme->cap_pcie, 0x80);
	CHECK_EQ(nvme->cap_pm, 0x60);
	CHECK_EQ(nvme->cap_msi, 0);
	CHECK_EQ(nvme->pcie_type, PCI_EXP_TYPE_RC_END);
	CHECK(nvme->flr);
	CHECK_EQ(nvme->ecap_ari, 0x100);
	CHECK_EQ(nvme->ecap_sriov, 0x120);
	CHECK_EQ(nvme->ecap_acs, 0);
	CHECK_EQ(nvme->bar[0].addr, 0xfebd4000);
	CHECK_EQ(nvme->bar[0].size, 16 * 1024);
	CHECK(nvme->bar[0].is_64 && !nvme->bar[0].prefetch && !nvme->bar[0].is_io);
	CHECK_EQ(nvme->bar[1].size, 0);
	CHECK_EQ(pci_dma_rid(&b, nvme), nvme->rid);

	CHECK_EQ(vga->bar[0].addr, 0xfd000000);
	CHECK_EQ(vga->bar[0].size, 16u << 20);
	CHECK(vga->bar[0].prefetch && !vga->bar[0].is_64);
	CHECK_EQ(vga->bar[2].size, 4096);
	CHECK_EQ(vga->pcie_type, PCI_EXP_TYPE_NONE);
	CHECK_EQ(net->bar[2].addr, 0xc040);
	CHECK_EQ(net->bar[2].size, 32);
	CHECK(net->bar[2].is_io);
	CHECK_EQ(net->bar[3].addr, 0xfebd0000);
	CHECK_EQ(sata->bar[5].addr, 0xfebd9000);
	CHECK_EQ(sata->bar[4].size, 32);
	/* The host bridge is neither sized nor written. */
	CHECK_EQ(host->bar[0].size, 0);

	pci_describe(&b, nvme, line, sizeof(line));
	CHECK_STR(line, "0000:00:03.0 1b36:0010 class 010802 nvme, BAR0 0xfebd4000 16K 64-bit, "
			"MSI-X 5 in BAR0, SR-IOV, FLR");
	pci_describe(&b, net, line, sizeof(line));
	CHECK(strstr(line, "BAR2 io 0xc040 32,") != NULL);
	CHECK(strstr(line, "BAR1 0xfeba0000 128K") != NULL);

	/* Sizing left every byte as it was, never wrote a BAR that was
	 * decoding, and read only functions it had reason to. */
	CHECK(memcmp(orig->fn, f->fn, sizeof(f->fn)) == 0);
	CHECK_EQ(f->bar_write_decoding, 0);
	CHECK(f->writes > 0);
	free(orig);
	free(f);
}

/* ---- Synthetic topologies ---- */

/* Root port 00:1c.0 -> switch upstream 01:00.0 -> downstream 02:00.0 and
 * 02:01.0 -> endpoints on buses 3 and 4; plus a bridge firmware left
 * unconfigured and one whose secondary bus points back at bus 0. */
static void test_bridge_chain(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	struct fake_fn *ep, *ep2, *rp;
	const struct pci_func *e, *e2, *up, *dn;
	uint8_t before[4096];

	add_fn(f, 0, pci_rid(0, 0, 0), 0x060000, 0);
	rp = add_bridge(f, pci_rid(0, 0x1c, 0), PCI_EXP_TYPE_ROOT_PORT, 1, 4);
	rp->cfg[PCI_HEADER_TYPE] |= PCI_HEADER_MULTI_FUNC;
	add_bridge(f, pci_rid(0, 0x1c, 1), PCI_EXP_TYPE_ROOT_PORT, 0, 0); /* unconfigured */
	add_bridge(f, pci_rid(0, 0x1c, 2), PCI_EXP_TYPE_ROOT_PORT, 0, 9); /* loops to bus 0 */
	add_bridge(f, pci_rid(1, 0, 0), PCI_EXP_TYPE_UPSTREAM, 2, 4);
	add_bridge(f, pci_rid(2, 0, 0), PCI_EXP_TYPE_DOWNSTREAM, 3, 3);
	add_bridge(f, pci_rid(2, 1, 0), PCI_EXP_TYPE_DOWNSTREAM, 4, 4);
	ep = add_fn(f, 0, pci_rid(3, 0, 0), 0x010802, 0);
	add_pcie(ep, 0x70, PCI_EXP_TYPE_ENDPOINT, true);
	add_cap(ep, 0x50, PCI_CAP_ID_MSIX);
	add_cap(ep, 0x60, PCI_CAP_ID_PM);
	add_mem_bar(ep, 0, 0x4000000000ull, 8ull << 30, true, true);
	add_mem_bar(ep, 2, 0xe0000000u, 1u << 20, false, false);
	add_mem_bar(ep, 3, 0x5000000000ull, 4ull << 30, true, false);
	ep2 = add_fn(f, 0, pci_rid(4, 0, 0), 0x020000, 0);
	add_pcie(ep2, 0x40, PCI_EXP_TYPE_ENDPOINT, false);
	/* Extended capabilities: ACS at 0x100 -> SR-IOV at 0x180. */
	put32(ep2, 0x100, PCI_ECAP_ID_ACS | 1u << 16 | 0x180u << 20);
	put32(ep2, 0x180, PCI_ECAP_ID_SRIOV | 1u << 16);
	memcpy(before, ep->cfg, sizeof(before));

	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(b.count, 9);
	CHECK_EQ(f->bus_writes, 0);
	CHECK_EQ(f->bar_write_decoding, 0);
	e = find(&b, 0, pci_rid(3, 0, 0));
	e2 = find(&b, 0, pci_rid(4, 0, 0));
	up = find(&b, 0, pci_rid(1, 0, 0));
	dn = find(&b, 0, pci_rid(2, 0, 0));
	CHECK(e && e2 && up && dn);
	if (!e || !e2 || !up || !dn)
		return;
	CHECK(up->is_bridge && up->pcie_type == PCI_EXP_TYPE_UPSTREAM);
	CHECK_EQ(b.f[e->parent].rid, pci_rid(2, 0, 0));
	CHECK_EQ(b.f[b.f[e->parent].parent].rid, pci_rid(1, 0, 0));
	CHECK_EQ(b.f[up->parent].rid, pci_rid(0, 0x1c, 0));
	CHECK_EQ(b.f[e2->parent].rid, pci_rid(2, 1, 0));
	CHECK_EQ(pci_dma_rid(&b, e), e->rid);
	CHECK_EQ(pci_dma_rid(&b, e2), e2->rid);
	CHECK(e->flr && !e2->flr);
	CHECK_EQ(e->cap_pcie, 0x70);
	CHECK_EQ(e->cap_msix, 0x50);
	CHECK_EQ(e->cap_pm, 0x60);
	CHECK_EQ(e2->ecap_acs, 0x100);
	CHECK_EQ(e2->ecap_sriov, 0x180);
	CHECK_EQ(e2->ecap_ari, 0);

	CHECK_EQ(e->bar[0].addr, 0x4000000000ull);
	CHECK_EQ(e->bar[0].size, 8ull << 30);
	CHECK(e->bar[0].is_64 && e->bar[0].prefetch);
	CHECK_EQ(e->bar[1].size, 0);
	CHECK_EQ(e->bar[2].addr, 0xe0000000u);
	CHECK_EQ(e->bar[2].size, 1u << 20);
	CHECK(!e->bar[2].is_64);
	CHECK_EQ(e->bar[3].addr, 0x5000000000ull);
	CHECK_EQ(e->bar[3].size, 4ull << 30); /* no writable bit in the low half */
	CHECK_EQ(e->bar[4].size, 0);
	CHECK_EQ(e->bar[5].size, 0);
	CHECK(memcmp(before, fake_find(f, 0, pci_rid(3, 0, 0))->cfg, sizeof(before)) == 0);
	free(f);
}

/* Conventional PCI behind a PCIe-to-PCI bridge, a conventional bridge
 * behind that, and a conventional bridge on the root bus. */
static void test_pci_bridge_aliases(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	const struct pci_func *a, *c, *d, *g, *x, *pb;

	add_bridge(f, pci_rid(0, 0x1c, 0), PCI_EXP_TYPE_ROOT_PORT, 1, 3);
	add_bridge(f, pci_rid(1, 0, 0), PCI_EXP_TYPE_PCI_BRIDGE, 2, 3);
	add_fn(f, 0, pci_rid(2, 1, 0), 0x020000, 0);
	add_fn(f, 0, pci_rid(2, 2, 0), 0x010000, 0);
	add_bridge(f, pci_rid(2, 3, 0), PCI_EXP_TYPE_NONE, 3, 3);
	add_fn(f, 0, pci_rid(3, 0, 0), 0x0c0300, 0);
	add_bridge(f, pci_rid(0, 0x1e, 0), PCI_EXP_TYPE_NONE, 4, 4);
	add_fn(f, 0, pci_rid(4, 5, 0), 0x040000, 0);
	add_fn(f, 0, pci_rid(0, 2, 0), 0x010802, 0);

	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(b.count, 9);
	a = find(&b, 0, pci_rid(2, 1, 0));
	c = find(&b, 0, pci_rid(2, 2, 0));
	d = find(&b, 0, pci_rid(3, 0, 0));
	g = find(&b, 0, pci_rid(4, 5, 0));
	x = find(&b, 0, pci_rid(0, 2, 0));
	pb = find(&b, 0, pci_rid(1, 0, 0));
	CHECK(a && c && d && g && x && pb);
	if (!a || !c || !d || !g || !x || !pb)
		return;
	CHECK_EQ(pb->pcie_type, PCI_EXP_TYPE_PCI_BRIDGE);
	CHECK_EQ(a->pcie_type, PCI_EXP_TYPE_NONE);
	/* The PCIe-to-PCI bridge's secondary bus, device 0 function 0. */
	CHECK_EQ(pci_dma_rid(&b, a), pci_rid(2, 0, 0));
	CHECK_EQ(pci_dma_rid(&b, c), pci_rid(2, 0, 0));
	/* The conventional bridge on bus 2 takes its requests as its own,
	 * then the PCIe-to-PCI bridge above replaces that too. */
	CHECK_EQ(pci_dma_rid(&b, d), pci_rid(2, 0, 0));
	/* A conventional bridge with nothing above it: its own id. */
	CHECK_EQ(pci_dma_rid(&b, g), pci_rid(0, 0x1e, 0));
	CHECK_EQ(pci_dma_rid(&b, x), pci_rid(0, 2, 0));
	free(f);
}

static void test_malformed_caps(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct fake_fn *fn = add_fn(f, 0, pci_rid(0, 4, 0), 0x020000, 0);
	struct fake_fn *g = add_fn(f, 0, pci_rid(0, 5, 0), 0x020000, 0);
	struct fake_fn *h = add_fn(f, 0, pci_rid(0, 6, 0), 0x020000, 0);

	/* 0x40 -> 0x50 -> 0x40 ...: a loop without the wanted id. */
	fn->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	fn->cfg[PCI_CAP_PTR] = 0x40;
	fn->cfg[0x40] = PCI_CAP_ID_PM;
	fn->cfg[0x41] = 0x50;
	fn->cfg[0x50] = PCI_CAP_ID_PCIE;
	fn->cfg[0x51] = 0x40;
	CHECK_EQ(pci_find_cap(&ops, 0, fn->rid, PCI_CAP_ID_PCIE), 0x50);
	CHECK_EQ(pci_find_cap(&ops, 0, fn->rid, PCI_CAP_ID_MSIX), 0);
	/* Extended: a header that points at itself, then one below 0x100. */
	put32(fn, 0x100, PCI_ECAP_ID_ARI | 0x100u << 20);
	CHECK_EQ(pci_find_ecap(&ops, 0, fn->rid, PCI_ECAP_ID_ARI), 0x100);
	CHECK_EQ(pci_find_ecap(&ops, 0, fn->rid, PCI_ECAP_ID_SRIOV), 0);
	put32(fn, 0x100, PCI_ECAP_ID_ARI | 0x040u << 20);
	CHECK_EQ(pci_find_ecap(&ops, 0, fn->rid, PCI_ECAP_ID_SRIOV), 0);

	/* A pointer into the header, and a list that is not announced. */
	g->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	g->cfg[PCI_CAP_PTR] = 0x10;
	CHECK_EQ(pci_find_cap(&ops, 0, g->rid, PCI_CAP_ID_PM), 0);
	h->cfg[PCI_CAP_PTR] = 0x40;
	h->cfg[0x40] = PCI_CAP_ID_PM;
	CHECK_EQ(pci_find_cap(&ops, 0, h->rid, PCI_CAP_ID_PM), 0);
	/* Reading a function that is not there. */
	CHECK_EQ(pci_find_cap(&ops, 0, pci_rid(0, 9, 0), PCI_CAP_ID_PM), 0);
	CHECK_EQ(pci_find_ecap(&ops, 0, pci_rid(0, 9, 0), PCI_ECAP_ID_ARI), 0);

	/* Enumeration over the loop terminates too, with the PCIe cap
	 * found and its extended list cut. */
	{
		struct pci_segment seg = {0, 0, 0};
		static struct pci_bus_info b;

		put16(fn, 0x50 + PCI_EXP_FLAGS, PCI_EXP_TYPE_ENDPOINT << 4);
		put32(fn, 0x100, PCI_ECAP_ID_ACS | 0x100u << 20);
		CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
		CHECK_EQ(b.count, 3);
		CHECK_EQ(b.f[0].cap_pcie, 0x50);
		CHECK_EQ(b.f[0].ecap_acs, 0x100);
		CHECK_EQ(b.f[0].ecap_sriov, 0);
	}
	free(f);
}

static void test_bar_kinds(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 0};
	static struct pci_bus_info b;
	struct fake_fn *fn = add_fn(f, 0, pci_rid(0, 7, 0), 0x020000, 0);
	struct fake_fn *odd = add_fn(f, 0, pci_rid(0, 8, 0), 0x020000, 0);
	const struct pci_func *p, *q;
	char line[200];

	add_io_bar(fn, 0, 0xe000, 256);
	add_mem_bar(fn, 1, 0xfe000000u, 4096, false, false);
	add_mem_bar(fn, 2, 0x380000000000ull, 1ull << 20, true, true);
	/* BAR4 unassigned (0) but implemented; BAR5 not implemented. */
	add_mem_bar(fn, 4, 0, 64 * 1024, false, false);
	/* A 64-bit BAR in the last slot has no upper half. */
	add_mem_bar(odd, 5, 0xfd000000u, 4096, false, false);
	odd->cfg[0x24] |= PCI_BAR_MEM_TYPE_64 << PCI_BAR_MEM_TYPE_OFF;

	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(b.count, 2);
	p = find(&b, 0, fn->rid);
	q = find(&b, 0, odd->rid);
	CHECK(p && q);
	if (!p || !q)
		return;
	CHECK(p->bar[0].is_io);
	CHECK_EQ(p->bar[0].addr, 0xe000);
	CHECK_EQ(p->bar[0].size, 256);
	CHECK_EQ(p->bar[1].addr, 0xfe000000u);
	CHECK_EQ(p->bar[1].size, 4096);
	CHECK_EQ(p->bar[2].addr, 0x380000000000ull);
	CHECK_EQ(p->bar[2].size, 1u << 20);
	CHECK(p->bar[2].is_64 && p->bar[2].prefetch);
	CHECK_EQ(p->bar[3].size, 0);
	CHECK_EQ(p->bar[4].addr, 0);
	CHECK_EQ(p->bar[4].size, 64 * 1024);
	CHECK_EQ(p->bar[5].size, 0);
	CHECK_EQ(q->bar[5].size, 0);
	/* The command register is back to what it was. */
	CHECK_EQ(fn->cfg[PCI_COMMAND], PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	CHECK_EQ(f->bar_write_decoding, 0);
	pci_describe(&b, p, line, sizeof(line));
	CHECK_STR(line, "0000:00:07.0 8086:1038 class 020000 ethernet, BAR0 io 0xe000 256, BAR1 "
			"0xfe000000 4K, BAR2 0x380000000000 1M 64-bit pref, BAR4 0x0 64K, "
			"no reset, conventional");
	free(f);
}

/* Several segments, a segment not starting at bus 0, multi-function
 * devices and the table filling up. */
static void test_segments_and_limits(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment segs[2] = {{0, 0, 0}, {1, 0x80, 0x80}};
	static struct pci_bus_info b;
	struct fake_fn *m;

	m = add_fn(f, 0, pci_rid(0, 1, 0), 0x020000, PCI_HEADER_MULTI_FUNC);
	add_fn(f, 0, pci_rid(0, 1, 3), 0x020000, 0);
	add_fn(f, 0, pci_rid(0, 2, 1), 0x020000, 0); /* no function 0: not scanned */
	add_fn(f, 1, pci_rid(0x80, 0, 0), 0x010802, 0);
	add_fn(f, 1, pci_rid(0, 0, 0), 0x010802, 0); /* outside the segment's buses */
	(void)m;
	CHECK_EQ(pci_enumerate(&ops, segs, 2, &b), 0);
	CHECK_EQ(b.count, 3);
	CHECK(find(&b, 0, pci_rid(0, 1, 3)) != NULL);
	CHECK(find(&b, 0, pci_rid(0, 2, 1)) == NULL);
	CHECK(find(&b, 1, pci_rid(0x80, 0, 0)) != NULL);
	CHECK(find(&b, 1, pci_rid(0, 0, 0)) == NULL);
	free(f);

	/* A second host bridge's root bus (0x40) that no bridge leads to,
	 * with a root port to bus 0x41. */
	f = fake_new();
	ops = ops_for(f);
	add_fn(f, 0, pci_rid(0, 0, 0), 0x060000, 0);
	add_fn(f, 0, pci_rid(0x40, 0, 0), 0x060000, 0);
	add_bridge(f, pci_rid(0x40, 1, 0), PCI_EXP_TYPE_ROOT_PORT, 0x41, 0x41);
	add_fn(f, 0, pci_rid(0x41, 0, 0), 0x010802, 0);
	segs[0].bus_end = 255;
	CHECK_EQ(pci_enumerate(&ops, segs, 1, &b), 0);
	CHECK_EQ(b.count, 4);
	CHECK_EQ(b.f[1].rid, pci_rid(0x40, 0, 0));
	CHECK_EQ(b.f[1].parent, -1);
	CHECK_EQ(b.f[3].rid, pci_rid(0x41, 0, 0));
	CHECK_EQ(b.f[3].parent, 2);
	free(f);

	/* Two root ports, then multi-function devices of 8 functions on
	 * three buses: 762 functions. */
	f = fake_new();
	ops = ops_for(f);
	add_bridge(f, pci_rid(0, 0, 0), PCI_EXP_TYPE_ROOT_PORT, 1, 1)->cfg[PCI_HEADER_TYPE] |=
		PCI_HEADER_MULTI_FUNC;
	add_bridge(f, pci_rid(0, 0, 1), PCI_EXP_TYPE_ROOT_PORT, 2, 2);
	for (unsigned bus = 0; bus < 3; bus++)
		for (unsigned d = bus ? 0 : 1; d < 32; d++)
			for (unsigned fn = 0; fn < 8; fn++)
				add_fn(f, 0, pci_rid((uint8_t)bus, (uint8_t)d, (uint8_t)fn),
				       0x020000, fn ? 0 : PCI_HEADER_MULTI_FUNC);
	segs[0].bus_end = 255;
	CHECK_EQ(pci_enumerate(&ops, segs, 1, &b), -ERR_NOSPC);
	CHECK_EQ(b.count, PCI_MAX_FUNCS);
	free(f);
}

/* ---- Reset ---- */

/* One PCIe endpoint 00:04.0 with FLR, a 64-bit BAR above 4 GiB and an I/O
 * BAR, enumerated into b. */
static struct fake_fn *flr_fixture(struct fake *f, struct pci_bus_info *b)
{
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 0};
	struct fake_fn *fn = add_fn(f, 0, pci_rid(0, 4, 0), 0x010802, 0);

	add_pcie(fn, 0x40, PCI_EXP_TYPE_ENDPOINT, true);
	fn->pcie = 0x40;
	add_mem_bar(fn, 0, 0x4000000000ull, 16 * 1024, true, false);
	add_io_bar(fn, 2, 0xe000, 32);
	CHECK_EQ(pci_enumerate(&ops, &seg, 1, b), 0);
	return fn;
}

static uint32_t cfg32(const struct fake_fn *fn, unsigned off)
{
	return (uint32_t)fn->cfg[off] | (uint32_t)fn->cfg[off + 1] << 8 |
	       (uint32_t)fn->cfg[off + 2] << 16 | (uint32_t)fn->cfg[off + 3] << 24;
}

static void test_reset_flr(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	static struct pci_bus_info b;
	struct fake_fn *fn = flr_fixture(f, &b);

	CHECK_EQ(pci_reset_method(&ops, &b.f[0]), PCI_RESET_FLR);
	/* Transactions pending for 30 ms; not answering (CRS) for 150 ms. */
	fake_now = 1000;
	fn->pending_until = 31000;
	fn->ready_after_us = 150000;
	fn->crs = true;
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &b.f[0]), 0);
	CHECK_EQ(fn->resets, 1);
	CHECK_EQ(f->flr_while_pending, 0);
	CHECK(fn->reset_at >= 31000);
	CHECK_EQ(f->early_reads, 0);
	CHECK(fake_now >= fn->reset_at + 150000 && fake_now <= fn->reset_at + 152000);
	/* BARs back where firmware put them; memory and I/O decode on, bus
	 * master off, INTx off. */
	CHECK_EQ(cfg32(fn, 0x10), 0x00000004u);
	CHECK_EQ(cfg32(fn, 0x14), 0x40u);
	CHECK_EQ(cfg32(fn, 0x18) & ~3u, 0xe000);
	CHECK_EQ(fn->cfg[PCI_COMMAND] | fn->cfg[PCI_COMMAND + 1] << 8,
		 PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);

	/* A function that never comes back: reported, and the wait ends. */
	fn->ready_after_us = 30000000;
	fn->crs = false;
	fn->pending_until = 0;
	fn->unready_until = 0;
	fake_now = 0;
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &b.f[0]), -ERR_IO);
	CHECK(fake_now >= 1100000 && fake_now < 1200000);

	/* Transactions that never drain: the FLR goes ahead after 100 ms. */
	fn->ready_after_us = 0;
	fn->pending_until = UINT64_MAX;
	fn->unready_until = 0;
	fake_now = 0;
	f->flr_while_pending = 0;
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &b.f[0]), 0);
	CHECK_EQ(f->flr_while_pending, 1);
	CHECK(fn->reset_at >= 100000 && fn->reset_at < 110000);
	free(f);
}

/* BARs cleared by a reset argon did not do (an NVMe subsystem reset):
 * put back with decoding off, checked, decoding on, bus master kept. */
static void test_restore_bars(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	static struct pci_bus_info b;
	struct fake_fn *fn = flr_fixture(f, &b);
	unsigned writes;

	/* In place and decoding: nothing written. */
	writes = f->writes;
	CHECK_EQ(pci_restore_bars_cfg(&ops, &b.f[0]), 0);
	CHECK_EQ(f->writes, writes);

	/* Cleared, decoding off, bus master on. */
	put32(fn, 0x10, 0x4);
	put32(fn, 0x14, 0);
	put32(fn, 0x18, 0x1);
	put16(fn, PCI_COMMAND, PCI_COMMAND_MASTER);
	f->bar_write_decoding = 0;
	CHECK_EQ(pci_restore_bars_cfg(&ops, &b.f[0]), 0);
	CHECK_EQ(f->bar_write_decoding, 0);
	CHECK_EQ(cfg32(fn, 0x10), 0x00000004u);
	CHECK_EQ(cfg32(fn, 0x14), 0x40u);
	CHECK_EQ(cfg32(fn, 0x18) & ~3u, 0xe000);
	CHECK_EQ(fn->cfg[PCI_COMMAND] | fn->cfg[PCI_COMMAND + 1] << 8,
		 PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER |
			 PCI_COMMAND_INTX_DISABLE);

	/* Decoding on but a BAR moved: decoding goes off first. */
	put32(fn, 0x14, 0x50);
	CHECK_EQ(pci_restore_bars_cfg(&ops, &b.f[0]), 0);
	CHECK_EQ(f->bar_write_decoding, 0);
	CHECK_EQ(cfg32(fn, 0x14), 0x40u);

	/* A BAR that does not take its address: decoding stays off. */
	put32(fn, 0x14, 0);
	fn->bar_wmask[1] = 0;
	CHECK_EQ(pci_restore_bars_cfg(&ops, &b.f[0]), -ERR_IO);
	CHECK_EQ(fn->cfg[PCI_COMMAND] & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO), 0);
	free(f);
}

static void test_reset_pm_and_none(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 0};
	static struct pci_bus_info b;
	struct fake_fn *pm = add_fn(f, 0, pci_rid(0, 5, 0), 0x020000, 0);
	struct fake_fn *nsr = add_fn(f, 0, pci_rid(0, 6, 0), 0x020000, 0);
	struct fake_fn *bare = add_fn(f, 0, pci_rid(0, 7, 0), 0x020000, 0);
	unsigned writes;

	add_cap(pm, 0x60, PCI_CAP_ID_PM);
	pm->pm = 0x60;
	add_mem_bar(pm, 1, 0xfe100000u, 4096, false, false);
	add_cap(nsr, 0x60, PCI_CAP_ID_PM);
	nsr->pm = 0x60;
	put16(nsr, 0x60 + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(b.count, 3);

	CHECK_EQ(pci_reset_method(&ops, &b.f[0]), PCI_RESET_PM);
	fake_now = 0;
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &b.f[0]), 0);
	CHECK_EQ(pm->resets, 1);
	CHECK(fake_now >= 20000);
	CHECK_EQ(pm->cfg[0x60 + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK, PCI_PM_D0);
	CHECK_EQ(cfg32(pm, 0x14), 0xfe100000u);
	CHECK_EQ(pm->cfg[PCI_COMMAND] | pm->cfg[PCI_COMMAND + 1] << 8,
		 PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);

	/* No_Soft_Reset set, or no PM at all, and no FLR: refused untouched. */
	writes = f->writes;
	CHECK_EQ(pci_reset_method(&ops, &b.f[1]), PCI_RESET_NONE);
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &b.f[1]), -ERR_NOTSUP);
	CHECK_EQ(pci_reset_method(&ops, &b.f[2]), PCI_RESET_NONE);
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &b.f[2]), -ERR_NOTSUP);
	CHECK_EQ(f->writes, writes);
	CHECK_EQ(nsr->resets + bare->resets, 0);
	CHECK_STR(pci_reset_method_name(PCI_RESET_PM), "D3hot->D0");
	free(f);
}

/* ---- Boot checks of argon.conf's devices ---- */

/* An ACS extended capability at 0x100 offering cap, control 0. */
static void add_acs(struct fake_fn *fn, uint16_t cap)
{
	put32(fn, 0x100, PCI_ECAP_ID_ACS | 1u << 16);
	put16(fn, 0x100 + PCI_ACS_CAP, cap);
	put16(fn, 0x100 + PCI_ACS_CTRL, 0);
}

static struct fake_fn *add_flr_ep(struct fake *f, uint16_t rid, uint8_t type)
{
	struct fake_fn *fn = add_fn(f, 0, rid, 0x010802, (rid & 7) == 0 ? 0x80 : 0);

	add_pcie(fn, 0x40, type, true);
	return fn;
}

static uint16_t acs_ctrl(struct fake *f, uint16_t rid)
{
	const struct fake_fn *fn = fake_find(f, 0, rid);

	return (uint16_t)(fn->cfg[0x106] | fn->cfg[0x107] << 8);
}

/* Peer-to-peer isolation: ACS turned on where offered, and functions that
 * could reach each other past the IOMMU kept in one guest. */
static void test_acs(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	static struct argon_config cfg;
	static struct config_diags diags;
	static const char conf[] = "[guest.a]\n"
				   "kernel = \"k\"\n"
				   "memory = \"2M\"\n"
				   "cpus = [0]\n"
				   "devices = [\"03:00.0\", \"04:00.0\", \"05:00.0\", \"00:1f.0\", "
				   "\"00:02.0\"]\n"
				   "[guest.b]\n"
				   "kernel = \"k\"\n"
				   "memory = \"2M\"\n"
				   "cpus = [1]\n"
				   "devices = [\"03:00.1\", \"05:00.1\"]\n";
	struct fake_fn *fn;
	char text[2048];
	size_t n = 0;

	add_fn(f, 0, pci_rid(0, 0, 0), 0x060000, 0);
	/* Root port with ACS (translation blocking offered too) -> switch
	 * whose downstream port has ACS, firmware left all off -> a
	 * two-function endpoint without ACS. */
	fn = add_bridge(f, pci_rid(0, 0x1c, 0), PCI_EXP_TYPE_ROOT_PORT, 1, 3);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR);
	add_bridge(f, pci_rid(1, 0, 0), PCI_EXP_TYPE_UPSTREAM, 2, 3);
	fn = add_bridge(f, pci_rid(2, 0, 0), PCI_EXP_TYPE_DOWNSTREAM, 3, 3);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	add_flr_ep(f, pci_rid(3, 0, 0), PCI_EXP_TYPE_ENDPOINT);
	add_flr_ep(f, pci_rid(3, 0, 1), PCI_EXP_TYPE_ENDPOINT);
	/* A root port without ACS. */
	add_bridge(f, pci_rid(0, 0x1d, 0), PCI_EXP_TYPE_ROOT_PORT, 4, 4);
	add_flr_ep(f, pci_rid(4, 0, 0), PCI_EXP_TYPE_ENDPOINT);
	/* A root port with ACS -> a two-function endpoint with ACS on both. */
	fn = add_bridge(f, pci_rid(0, 0x1e, 0), PCI_EXP_TYPE_ROOT_PORT, 5, 5);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	add_acs(add_flr_ep(f, pci_rid(5, 0, 0), PCI_EXP_TYPE_ENDPOINT), PCI_ACS_RR | PCI_ACS_CR);
	add_acs(add_flr_ep(f, pci_rid(5, 0, 1), PCI_EXP_TYPE_ENDPOINT), PCI_ACS_RR | PCI_ACS_CR);
	/* Integrated endpoints: a two-function one without ACS, a single one. */
	add_flr_ep(f, pci_rid(0, 0x1f, 0), PCI_EXP_TYPE_RC_END);
	add_flr_ep(f, pci_rid(0, 0x1f, 1), PCI_EXP_TYPE_RC_END);
	add_flr_ep(f, pci_rid(0, 2, 0), PCI_EXP_TYPE_RC_END);
	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(b.count, 14);
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);

	/* As firmware left it: no port isolates, nor do the endpoints. */
	CHECK_EQ(pci_check_assignments(&cfg, &b, NULL, &diags), 8);
	CHECK_STR(diags.d[0].msg, "PCI function 0000:03:00.0 is behind PCIe port 0000:02:00.0 "
				  "without ACS: its peer-to-peer DMA could bypass the IOMMU");

	/* Only the offered isolation bits, only on ports and functions of
	 * multi-function devices. */
	CHECK_EQ(pci_enable_acs(&b), 5);
	CHECK_EQ(acs_ctrl(f, pci_rid(0, 0x1c, 0)), PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	CHECK_EQ(acs_ctrl(f, pci_rid(2, 0, 0)), PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	CHECK_EQ(acs_ctrl(f, pci_rid(0, 0x1e, 0)), PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	CHECK_EQ(acs_ctrl(f, pci_rid(5, 0, 0)), PCI_ACS_RR | PCI_ACS_CR);
	CHECK_EQ(acs_ctrl(f, pci_rid(5, 0, 1)), PCI_ACS_RR | PCI_ACS_CR);
	CHECK_EQ(pci_enable_acs(&b), 0);

	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);
	CHECK_EQ(pci_check_assignments(&cfg, &b, NULL, &diags), 3);
	for (unsigned i = 0; i < diags.count; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%u:%u %s\n", diags.d[i].line,
				      diags.d[i].col, diags.d[i].msg);
	CHECK_STR(text, "5:23 PCI function 0000:04:00.0 is behind PCIe port 0000:00:1d.0 without "
			"ACS: its peer-to-peer DMA could bypass the IOMMU\n"
			"5:45 PCI function 0000:00:1f.0 shares a device without ACS with "
			"0000:00:1f.1, which no guest has (peer-to-peer DMA)\n"
			"10:12 PCI function 0000:03:00.1 shares a device without ACS with "
			"0000:03:00.0 of guest 'a' (peer-to-peer DMA)\n");
	free(f);
}

static bool covers_all_but_04(uint16_t seg, uint16_t rid)
{
	return !(seg == 0 && rid == pci_rid(0, 4, 0));
}

static void test_check_assignments(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	static struct argon_config cfg;
	static struct config_diags diags;
	static const char conf[] =
		"[guest.a]\n"
		"kernel = \"k\"\n"
		"memory = \"2M\"\n"
		"cpus = [0]\n"
		"devices = [\"00:02.0\", \"00:1f.0\", \"02:01.0\", \"00:09.0\"]\n"
		"[guest.b]\n"
		"kernel = \"k\"\n"
		"memory = \"2M\"\n"
		"cpus = [1]\n"
		"devices = [\"00:00.0\", \"02:02.0\", \"00:03.0\", \"00:1c.0\"]\n"
		"[guest.c]\n"
		"kernel = \"k\"\n"
		"memory = \"2M\"\n"
		"cpus = [2]\n"
		"devices = [\"00:04.0\", \"02:03.0\"]\n";
	static const char alone[] = "[guest.a]\n"
				    "kernel = \"k\"\n"
				    "memory = \"2M\"\n"
				    "cpus = [0]\n"
				    "devices = [\"02:01.0\"]\n";
	struct fake_fn *fn;
	char text[2048];
	size_t n = 0;

	add_fn(f, 0, pci_rid(0, 0, 0), 0x060000, 0);
	fn = add_fn(f, 0, pci_rid(0, 2, 0), 0x010802, 0);
	add_pcie(fn, 0x40, PCI_EXP_TYPE_RC_END, true);
	add_fn(f, 0, pci_rid(0, 3, 0), 0x020000, 0); /* no FLR, no PM */
	fn = add_fn(f, 0, pci_rid(0, 4, 0), 0x010802, 0);
	add_pcie(fn, 0x40, PCI_EXP_TYPE_RC_END, true);
	fn = add_bridge(f, pci_rid(0, 0x1c, 0), PCI_EXP_TYPE_ROOT_PORT, 1, 2);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	add_fn(f, 0, pci_rid(0, 0x1f, 0), 0x060100, 0);
	add_bridge(f, pci_rid(1, 0, 0), PCI_EXP_TYPE_PCI_BRIDGE, 2, 2);
	for (uint8_t d = 1; d <= 3; d++) {
		fn = add_fn(f, 0, pci_rid(2, d, 0), 0x020000, 0);
		add_cap(fn, 0x60, PCI_CAP_ID_PM);
	}
	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(pci_enable_acs(&b), 1);
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);

	CHECK_EQ(pci_check_assignments(&cfg, &b, covers_all_but_04, &diags), 8);
	for (unsigned i = 0; i < diags.count; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%u:%u %s\n", diags.d[i].line,
				      diags.d[i].col, diags.d[i].msg);
	CHECK_STR(text,
		  "5:23 PCI function 0000:00:1f.0 is an ISA bridge (class 060100): bridges cannot "
		  "be assigned\n"
		  "5:45 PCI function 0000:00:09.0 does not exist on this machine\n"
		  "10:12 PCI function 0000:00:00.0 is a host bridge (class 060000): bridges cannot "
		  "be "
		  "assigned\n"
		  "10:23 PCI function 0000:02:02.0 shares DMA id 0000:02:00.0 with 0000:02:01.0 of "
		  "guest 'a'\n"
		  "10:34 PCI function 0000:00:03.0 cannot be reset (no FLR, no D3hot->D0 reset): "
		  "it cannot be assigned\n"
		  "10:45 PCI function 0000:00:1c.0 is a PCI-to-PCI bridge (class 060400): bridges "
		  "cannot be assigned\n"
		  "15:12 no IOMMU covers PCI function 0000:00:04.0: its DMA could not be confined "
		  "to the guest's memory\n"
		  "15:23 PCI function 0000:02:03.0 shares DMA id 0000:02:00.0 with 0000:02:01.0 of "
		  "guest 'a'\n");
	CHECK_EQ(diags.count, 8);

	/* Without ECAM nothing exists; without an IOMMU check, no such error. */
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);
	CHECK_EQ(pci_check_assignments(&cfg, NULL, NULL, &diags), 10);
	CHECK_STR(diags.d[0].msg, "PCI function 0000:00:02.0 does not exist (this machine has no "
				  "PCI configuration space: no ACPI MCFG)");

	/* A function whose DMA id others share, while they stay with no
	 * guest: they could be reached peer to peer, and the IOMMU could
	 * not tell their DMA apart. */
	CHECK_EQ(config_parse(alone, sizeof(alone) - 1, &cfg, &diags), 0);
	CHECK_EQ(pci_check_assignments(&cfg, &b, NULL, &diags), 1);
	CHECK_STR(diags.d[0].msg, "PCI function 0000:02:01.0 shares DMA id 0000:02:00.0 with "
				  "0000:02:02.0, which no guest has");
	free(f);
}

/* An SR-IOV PF (capability at 0x180, after an ACS one when acs): VF n
 * is at rid + 1 + (n - 1). */
static struct fake_fn *add_sriov_pf(struct fake *f, uint16_t rid, bool acs)
{
	struct fake_fn *fn = add_flr_ep(f, rid, PCI_EXP_TYPE_ENDPOINT);

	if (acs) {
		add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
		put32(fn, 0x100, PCI_ECAP_ID_ACS | 1u << 16 | 0x180u << 20);
	} else {
		put32(fn, 0x100, 0 | 0x180u << 20);
	}
	put32(fn, 0x180, PCI_ECAP_ID_SRIOV | 1u << 16);
	put16(fn, 0x180 + SRIOV_TOTAL_VFS, 7);
	put16(fn, 0x180 + SRIOV_VF_OFFSET, 1);
	put16(fn, 0x180 + SRIOV_VF_STRIDE, 1);
	return fn;
}

static bool covers_all_but_02_00_2(uint16_t seg, uint16_t rid)
{
	return !(seg == 0 && rid == pci_rid(2, 0, 2));
}

/* VFs given as "PF/vfN" get the checks of whole functions: their PF's
 * path isolated, their PF's own ACS on, their requester id covered by an
 * IOMMU and seen by it as no other guest's. */
static void test_check_vfs(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	static struct argon_config cfg;
	static struct config_diags diags;
	static const char conf[] =
		"[sriov.p1]\npf = \"01:00.0\"\nvfs = 1\n"
		"[sriov.p2]\npf = \"02:00.0\"\nvfs = 2\n"
		"[sriov.p5]\npf = \"05:00.0\"\nvfs = 2\n"
		"[sriov.p6]\npf = \"06:00.0\"\nvfs = 1\n"
		"[guest.a]\n"
		"kernel = \"k\"\n"
		"memory = \"2M\"\n"
		"cpus = [0]\n"
		"devices = [\"01:00.0/vf1\", \"02:00.0/vf1\", \"05:00.0/vf1\"]\n"
		"[guest.b]\n"
		"kernel = \"k\"\n"
		"memory = \"2M\"\n"
		"cpus = [1]\n"
		"devices = [\"02:00.0/vf2\", \"05:00.0/vf2\", \"06:00.0/vf1\"]\n";
	struct fake_fn *fn;
	char text[2048];
	size_t n = 0;

	add_fn(f, 0, pci_rid(0, 0, 0), 0x060000, 0);
	/* A root port without ACS above a PF. */
	add_bridge(f, pci_rid(0, 0x1c, 0), PCI_EXP_TYPE_ROOT_PORT, 1, 1);
	add_sriov_pf(f, pci_rid(1, 0, 0), false);
	/* A root port with ACS above a PF whose own ACS firmware left off. */
	fn = add_bridge(f, pci_rid(0, 0x1d, 0), PCI_EXP_TYPE_ROOT_PORT, 2, 2);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	add_sriov_pf(f, pci_rid(2, 0, 0), true);
	/* A PF behind a PCIe-to-PCI bridge: its VFs reach the IOMMU as
	 * 05:00.0, all of them. */
	fn = add_bridge(f, pci_rid(0, 0x1e, 0), PCI_EXP_TYPE_ROOT_PORT, 4, 5);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	add_bridge(f, pci_rid(4, 0, 0), PCI_EXP_TYPE_PCI_BRIDGE, 5, 5);
	add_sriov_pf(f, pci_rid(5, 0, 0), false);
	/* A PF with nothing wrong. */
	fn = add_bridge(f, pci_rid(0, 0x1b, 0), PCI_EXP_TYPE_ROOT_PORT, 6, 6);
	add_acs(fn, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	add_sriov_pf(f, pci_rid(6, 0, 0), false);
	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);
	CHECK_EQ(cfg.guests[0].ndev_vfs, 3);

	/* As firmware left it: ACS off everywhere. */
	CHECK_EQ(pci_check_assignments(&cfg, &b, NULL, &diags), 9);

	/* ACS on where offered, the PF's too; an IOMMU that misses one VF. */
	CHECK_EQ(pci_enable_acs(&b), 4);
	CHECK_EQ(acs_ctrl(f, pci_rid(2, 0, 0)), PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR);
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);
	CHECK_EQ(pci_check_assignments(&cfg, &b, covers_all_but_02_00_2, &diags), 3);
	for (unsigned i = 0; i < diags.count; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%u:%u %s\n", diags.d[i].line,
				      diags.d[i].col, diags.d[i].msg);
	CHECK_STR(text, "17:12 VF 0000:01:00.0/vf1 is behind PCIe port 0000:00:1c.0 without ACS: "
			"its peer-to-peer DMA could bypass the IOMMU\n"
			"22:12 no IOMMU covers VF 0000:02:00.0/vf2 (requester id 02:00.2): its DMA "
			"could not be confined to the guest's memory\n"
			"22:27 VF 0000:05:00.0/vf2 reaches the IOMMU as 05:00.0, as a function of "
			"guest 'a' does\n");
	free(f);
}

/* [sriov.NAME] against the machine: each PF exists, has SR-IOV, belongs
 * in this table, and gets no more VFs than it offers or its driver drives;
 * MACs only where its driver gives them; a polling driver only when a CPU
 * is left for the console. */
static void test_check_sriov_pfs(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	struct pci_segment seg = {0, 0, 255};
	static struct pci_bus_info b;
	static struct argon_config cfg;
	static struct config_diags diags;
	static const char conf[] = "[sriov.g]\n"
				   "pf = \"00:01.0\"\n"
				   "vfs = 8\n"
				   "[sriov.m]\n"
				   "pf = \"00:05.0\"\n"
				   "vfs = 1\n"
				   "macs = [\"02:00:00:00:00:01\"]\n"
				   "[sriov.n]\n"
				   "pf = \"00:02.0\"\n"
				   "vfs = 8\n"
				   "[sriov.x]\n"
				   "pf = \"00:03.0\"\n"
				   "vfs = 1\n"
				   "[sriov.y]\n"
				   "pf = \"00:04.0\"\n"
				   "vfs = 1\n"
				   "[sriov.z]\n"
				   "pf = \"00:09.0\"\n"
				   "vfs = 1\n"
				   "[guest.a]\n"
				   "kernel = \"k\"\n"
				   "memory = \"2M\"\n"
				   "cpus = [0]\n";
	struct fake_fn *fn;
	char text[2048];
	size_t n = 0;

	add_fn(f, 0, pci_rid(0, 0, 0), 0x060000, 0);
	/* Generic PFs (network controllers no driver matches), TotalVFs 7. */
	fn = add_sriov_pf(f, pci_rid(0, 1, 0), false);
	put32(fn, PCI_CLASS_REVISION, 0x020000u << 8);
	fn = add_sriov_pf(f, pci_rid(0, 5, 0), false);
	put32(fn, PCI_CLASS_REVISION, 0x020000u << 8);
	/* An Intel 82576 (igb) offering 8. */
	fn = add_sriov_pf(f, pci_rid(0, 2, 0), false);
	put32(fn, PCI_CLASS_REVISION, 0x020000u << 8);
	put16(fn, PCI_DEVICE_ID, 0x10c9);
	put16(fn, 0x180 + SRIOV_TOTAL_VFS, 8);
	add_sriov_pf(f, pci_rid(0, 3, 0), false); /* an NVMe controller */
	add_flr_ep(f, pci_rid(0, 4, 0), PCI_EXP_TYPE_ENDPOINT);
	CHECK_EQ(pci_enumerate(&ops, &seg, 1, &b), 0);
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);

	/* One CPU, and guest a runs on it: no console CPU. */
	CHECK_EQ(pci_check_sriov_pfs(&cfg, &b, false, &diags), 7);
	for (unsigned i = 0; i < diags.count; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%u:%u %s\n", diags.d[i].line,
				      diags.d[i].col, diags.d[i].msg);
	CHECK_STR(text,
		  "3:7 vfs = 8, but PCI function 0000:00:01.0 offers 7 VFs (TotalVFs)\n"
		  "7:9 PCI function 0000:00:05.0 has no PF driver that gives VFs MACs (macs is "
		  "for igb PFs)\n"
		  "9:6 PCI function 0000:00:02.0: its igb driver polls on the console CPU, but "
		  "every CPU runs a guest\n"
		  "10:7 vfs = 8, but argon's igb driver drives at most 7 VFs of PCI function "
		  "0000:00:02.0\n"
		  "12:6 PCI function 0000:00:03.0 is a PF of argon's nvme driver: configure it in "
		  "[nvme.NAME]\n"
		  "15:6 PCI function 0000:00:04.0 has no SR-IOV capability (class 010802)\n"
		  "18:6 no PCI function 0000:00:09.0 on this machine\n");
	CHECK(!config_console_cpu_left(&cfg, 1));
	CHECK(config_console_cpu_left(&cfg, 2));

	/* A second CPU left to the console: the igb PF may poll. */
	CHECK_EQ(config_parse(conf, sizeof(conf) - 1, &cfg, &diags), 0);
	CHECK_EQ(pci_check_sriov_pfs(&cfg, &b, true, &diags), 6);
	free(f);
}

/* A VF: ids from the PF and the VF Device ID, its share of the VF BARs,
 * its own capabilities; its reset waits for its class code (its Vendor ID
 * reads 0xFFFF) and leaves its BARs (read-only zero) alone. */
static void test_vf(void)
{
	struct fake *f = fake_new();
	struct pci_cfg_ops ops = ops_for(f);
	static struct pci_bus_info b;
	struct pci_bar vf_bar[PCI_NUM_BARS] = {
		[0] = {.addr = 0xc000000000ull, .size = 16 * 1024, .is_64 = true},
	};
	struct pci_func vf;
	struct fake_fn *pf = flr_fixture(f, &b), *vfn;
	uint16_t rid = pci_rid(0, 4, 2);
	unsigned writes;

	/* VF 2 not there yet: no VF. */
	CHECK_EQ(pci_vf_fill(&ops, &b.f[0], 0, rid, 2, 0x10ab, vf_bar, &vf), -ERR_NODEV);
	vfn = add_fn(f, 0, rid, 0x010802, 0);
	put16(vfn, PCI_VENDOR_ID, 0xffff);
	put16(vfn, PCI_DEVICE_ID, 0xffff);
	put16(vfn, PCI_COMMAND, 0);
	add_pcie(vfn, 0x80, PCI_EXP_TYPE_ENDPOINT, true);
	vfn->pcie = 0x80;
	add_cap(vfn, 0xa0, PCI_CAP_ID_MSIX);
	CHECK_EQ(pci_vf_fill(&ops, &b.f[0], 0, rid, 2, 0x10ab, vf_bar, &vf), 0);
	CHECK(vf.is_vf);
	CHECK_EQ(vf.vf_num, 2);
	CHECK_EQ(vf.pf, 0);
	CHECK_EQ(vf.rid, rid);
	CHECK_EQ(vf.vendor, 0x8086); /* the PF's */
	CHECK_EQ(vf.device, 0x10ab); /* the SR-IOV capability's VF Device ID */
	CHECK_EQ(vf.class_code, 0x010802u);
	CHECK_EQ(vf.parent, b.f[0].parent);
	CHECK(vf.flr);
	CHECK_EQ(vf.cap_pcie, 0x80);
	CHECK_EQ(vf.cap_msix, 0xa0);
	CHECK_EQ(vf.bar[0].addr, 0xc000004000ull); /* base + 1 x 16 KiB */
	CHECK_EQ(vf.bar[0].size, 16 * 1024u);
	CHECK(vf.bar[0].is_64);
	CHECK_EQ(vf.bar[1].size, 0);
	CHECK_EQ(pf->resets, 0);

	/* Its FLR: not ready for 120 ms (all ones), then its class answers. */
	CHECK_EQ(pci_reset_method(&ops, &vf), PCI_RESET_FLR);
	fake_now = 0;
	vfn->ready_after_us = 120000;
	writes = f->writes;
	CHECK_EQ(pci_reset_cfg(&ops, &fake_wait, &vf), 0);
	CHECK_EQ(vfn->resets, 1);
	CHECK(fake_now >= 120000 && fake_now < 122000);
	CHECK_EQ(cfg32(vfn, 0x10), 0); /* no BAR written */
	CHECK_EQ(cfg32(vfn, 0x14), 0);
	/* command (twice), Device Control: nothing else written */
	CHECK_EQ(f->writes - writes, 3);
	/* memory space set: reserved on a VF, but QEMU's VFs decode only with it */
	CHECK_EQ(vfn->cfg[PCI_COMMAND] | vfn->cfg[PCI_COMMAND + 1] << 8,
		 PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_MEMORY);
	free(f);
}

CHECK_MAIN(test_q35_capture, test_bridge_chain, test_pci_bridge_aliases, test_malformed_caps,
	   test_bar_kinds, test_segments_and_limits, test_reset_flr, test_restore_bars,
	   test_reset_pm_and_none, test_check_assignments, test_acs, test_check_vfs,
	   test_check_sriov_pfs, test_vf)
