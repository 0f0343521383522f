/* Enumeration, capability walks, BAR decoding and DMA requester-id aliasing
 * over any struct pci_cfg_ops. Pure: the hypervisor runs it on ECAM
 * (sriov/ecam.c), host tests on fake configuration spaces.
 *
 * BAR sizing writes all ones to each BAR and reads back which bits stick,
 * which makes the BAR point at the top of the address space until the
 * original value is written back. argon does it once, at boot, from
 * pci_init(), and only there: UEFI boot services have been left, so no
 * firmware driver runs any more; no guest owns a function yet; argon's own
 * devices (the console UART, the local APIC, the IOMMU) are not behind
 * BARs it sizes; and only the boot CPU runs. Even so, memory and I/O
 * decoding are turned off in the command register for the few accesses it
 * takes, so that a BAR holding all ones never claims a cycle meant for
 * something else, and the BAR and the command register are then written
 * back exactly as they were. Host bridges are left alone: on some chipsets
 * their command register gates the path to memory, and argon never assigns
 * them, so their BAR sizes are not needed (recorded as 0). */
#include "sriov/pci.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "sriov/pci_regs.h"

static uint32_t rd(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t off,
		   unsigned size)
{
	return cfg->read(cfg->ctx, seg, rid, off, size);
}

static void wr(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t off,
	       unsigned size, uint32_t val)
{
	cfg->write(cfg->ctx, seg, rid, off, size, val);
}

uint16_t pci_find_cap(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint8_t id)
{
	uint8_t hdr = (uint8_t)rd(cfg, seg, rid, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK;
	uint16_t ptr_reg = hdr == PCI_HEADER_CARDBUS ? PCI_CARDBUS_CAP_PTR : PCI_CAP_PTR;
	uint8_t ptr;

	if (!(rd(cfg, seg, rid, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = (uint8_t)rd(cfg, seg, rid, ptr_reg, 1);
	/* Each link must point past the header; a list that comes back on
	 * itself is cut after as many links as the space can hold. */
	for (unsigned n = 0; n < PCI_CAP_MAX_WALK; n++) {
		uint16_t hdr16;

		ptr &= 0xfc;
		if (ptr < PCI_CAP_FIRST)
			return 0;
		hdr16 = (uint16_t)rd(cfg, seg, rid, ptr, 2);
		if ((hdr16 & 0xff) == 0xff)
			return 0;
		if ((hdr16 & 0xff) == id)
			return ptr;
		ptr = (uint8_t)(hdr16 >> 8);
	}
	return 0;
}

uint16_t pci_find_ecap(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t id)
{
	uint16_t off = PCI_ECAP_FIRST;

	for (unsigned n = 0; n < PCI_ECAP_MAX_WALK; n++) {
		uint32_t hdr = rd(cfg, seg, rid, off, 4);

		/* 0: no extended capability; all ones: no extended space
		 * (a conventional function, or one that vanished). */
		if (hdr == 0 || hdr == 0xffffffffu)
			return 0;
		if (PCI_ECAP_ID(hdr) == id)
			return off;
		off = (uint16_t)PCI_ECAP_NEXT(hdr);
		if (off < PCI_ECAP_FIRST)
			return 0;
	}
	return 0;
}

/* The lowest address bit that the BAR lets software set is its size. */
static uint64_t bar_size_from_mask(uint64_t mask)
{
	return mask & (~mask + 1);
}

/* Decodes BARs [0, n) of function f; with size set, sizes them as the
 * comment at the top of this file describes. */
static void read_bars(const struct pci_cfg_ops *cfg, struct pci_func *f, unsigned n, bool size)
{
	uint16_t cmd = (uint16_t)rd(cfg, f->seg, f->rid, PCI_COMMAND, 2);
	uint16_t off_decode = (uint16_t)(cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));

	if (size && off_decode != cmd)
		wr(cfg, f->seg, f->rid, PCI_COMMAND, 2, off_decode);
	for (unsigned i = 0; i < n; i++) {
		struct pci_bar *b = &f->bar[i];
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		uint32_t lo = rd(cfg, f->seg, f->rid, off, 4), hi = 0, mlo, mhi = 0xffffffffu;

		if (lo & PCI_BAR_IO) {
			b->is_io = true;
			b->addr = lo & PCI_BAR_IO_ADDR_MASK;
			if (size) {
				wr(cfg, f->seg, f->rid, off, 4, 0xffffffffu);
				mlo = rd(cfg, f->seg, f->rid, off, 4);
				wr(cfg, f->seg, f->rid, off, 4, lo);
				/* 16-bit decoders return 0 in the upper half. */
				b->size = bar_size_from_mask(mlo & PCI_BAR_IO_ADDR_MASK & 0xffffu);
				if (!b->size)
					*b = (struct pci_bar){0};
			}
			continue;
		}
		b->prefetch = lo & PCI_BAR_PREFETCH;
		b->is_64 = ((lo >> PCI_BAR_MEM_TYPE_OFF) & BIT_MASK(0, PCI_BAR_MEM_TYPE_LEN)) ==
			   PCI_BAR_MEM_TYPE_64;
		if (b->is_64 && i + 1 == n) {
			/* A 64-bit BAR in the last slot has no upper half:
			 * a broken header, taken as no BAR at all. */
			*b = (struct pci_bar){0};
			continue;
		}
		if (b->is_64)
			hi = rd(cfg, f->seg, f->rid, (uint16_t)(off + 4), 4);
		b->addr = (uint64_t)hi << 32 | (lo & PCI_BAR_MEM_ADDR_MASK);
		if (size) {
			wr(cfg, f->seg, f->rid, off, 4, 0xffffffffu);
			mlo = rd(cfg, f->seg, f->rid, off, 4);
			wr(cfg, f->seg, f->rid, off, 4, lo);
			if (b->is_64) {
				wr(cfg, f->seg, f->rid, (uint16_t)(off + 4), 4, 0xffffffffu);
				mhi = rd(cfg, f->seg, f->rid, (uint16_t)(off + 4), 4);
				wr(cfg, f->seg, f->rid, (uint16_t)(off + 4), 4, hi);
			}
			/* mhi stays all ones for a 32-bit BAR, which then
			 * sizes from its low half alone. */
			b->size = bar_size_from_mask((uint64_t)mhi << 32 |
						     (mlo & PCI_BAR_MEM_ADDR_MASK));
			if (!(mlo & PCI_BAR_MEM_ADDR_MASK) && (!b->is_64 || !mhi))
				b->size = 0;
		}
		if (size && !b->size)
			*b = (struct pci_bar){0};
		if ((lo >> PCI_BAR_MEM_TYPE_OFF & BIT_MASK(0, PCI_BAR_MEM_TYPE_LEN)) ==
		    PCI_BAR_MEM_TYPE_64) {
			f->bar[i + 1] = (struct pci_bar){0};
			i++;
		}
	}
	if (size && off_decode != cmd)
		wr(cfg, f->seg, f->rid, PCI_COMMAND, 2, cmd);
}

static void read_caps(const struct pci_cfg_ops *cfg, struct pci_func *f)
{
	f->cap_pcie = (uint8_t)pci_find_cap(cfg, f->seg, f->rid, PCI_CAP_ID_PCIE);
	f->cap_msi = (uint8_t)pci_find_cap(cfg, f->seg, f->rid, PCI_CAP_ID_MSI);
	f->cap_msix = (uint8_t)pci_find_cap(cfg, f->seg, f->rid, PCI_CAP_ID_MSIX);
	f->cap_pm = (uint8_t)pci_find_cap(cfg, f->seg, f->rid, PCI_CAP_ID_PM);
	f->pcie_type = PCI_EXP_TYPE_NONE;
	if (!f->cap_pcie)
		return;
	f->pcie_type = (uint8_t)((rd(cfg, f->seg, f->rid, f->cap_pcie + PCI_EXP_FLAGS, 2) >>
				  PCI_EXP_FLAGS_TYPE_OFF) &
				 BIT_MASK(0, PCI_EXP_FLAGS_TYPE_LEN));
	f->flr = rd(cfg, f->seg, f->rid, f->cap_pcie + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR;
	/* Extended space exists for PCIe functions only. */
	f->ecap_sriov = pci_find_ecap(cfg, f->seg, f->rid, PCI_ECAP_ID_SRIOV);
	f->ecap_ari = pci_find_ecap(cfg, f->seg, f->rid, PCI_ECAP_ID_ARI);
	f->ecap_acs = pci_find_ecap(cfg, f->seg, f->rid, PCI_ECAP_ID_ACS);
}

struct scan {
	const struct pci_cfg_ops *cfg;
	const struct pci_segment *seg;
	struct pci_bus_info *out;
	uint8_t seen[256 / 8]; /* buses of this segment already scanned */
	int err;
};

static int add_func(struct scan *s, uint8_t bus, uint8_t dev, uint8_t fn, int parent)
{
	const struct pci_cfg_ops *cfg = s->cfg;
	uint16_t seg = s->seg->seg, rid = pci_rid(bus, dev, fn);
	struct pci_func *f;
	unsigned nbars;

	if (s->out->count == PCI_MAX_FUNCS) {
		s->err = -ERR_NOSPC;
		return -1;
	}
	f = &s->out->f[s->out->count];
	memset(f, 0, sizeof(*f));
	f->seg = seg;
	f->rid = rid;
	f->vendor = (uint16_t)rd(cfg, seg, rid, PCI_VENDOR_ID, 2);
	f->device = (uint16_t)rd(cfg, seg, rid, PCI_DEVICE_ID, 2);
	f->class_code = rd(cfg, seg, rid, PCI_CLASS_REVISION, 4) >> 8;
	f->header_type = (uint8_t)rd(cfg, seg, rid, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK;
	f->is_bridge = f->header_type == PCI_HEADER_BRIDGE;
	f->parent = parent;
	read_caps(cfg, f);
	nbars = f->header_type == PCI_HEADER_NORMAL   ? PCI_NUM_BARS
		: f->header_type == PCI_HEADER_BRIDGE ? PCI_BRIDGE_NUM_BARS
						      : 0;
	read_bars(cfg, f, nbars, f->class_code >> 8 != PCI_CLASS_BRIDGE_HOST);
	return (int)s->out->count++;
}

int pci_vf_fill(const struct pci_cfg_ops *cfg, const struct pci_func *pf, int pf_index,
		uint16_t rid, unsigned vf_num, uint16_t vf_device,
		const struct pci_bar vf_bar[PCI_NUM_BARS], struct pci_func *out)
{
	uint32_t class_rev = rd(cfg, pf->seg, rid, PCI_CLASS_REVISION, 4);

	if (class_rev == 0xFFFFFFFFu || !vf_num)
		return -ERR_NODEV;
	memset(out, 0, sizeof(*out));
	out->seg = pf->seg;
	out->rid = rid;
	out->vendor = pf->vendor;
	out->device = vf_device;
	out->class_code = class_rev >> 8;
	out->header_type = PCI_HEADER_NORMAL;
	out->parent = pf->parent;
	out->is_vf = true;
	out->vf_num = (uint16_t)vf_num;
	out->pf = pf_index;
	read_caps(cfg, out);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		out->bar[i] = vf_bar[i];
		if (vf_bar[i].size && vf_bar[i].addr)
			out->bar[i].addr = vf_bar[i].addr + (uint64_t)(vf_num - 1) * vf_bar[i].size;
	}
	return 0;
}

bool pci_msix_read(const struct pci_cfg_ops *cfg, const struct pci_func *f,
		   struct pci_msix_info *out)
{
	if (!f->cap_msix)
		return false;
	pci_msix_decode((uint16_t)rd(cfg, f->seg, f->rid, f->cap_msix + PCI_MSIX_CTRL, 2),
			rd(cfg, f->seg, f->rid, f->cap_msix + PCI_MSIX_TABLE, 4),
			rd(cfg, f->seg, f->rid, f->cap_msix + PCI_MSIX_PBA, 4), out);
	return true;
}

static void scan_bus(struct scan *s, uint8_t bus, int parent);

/* Follows a bridge to the buses firmware gave it. A secondary bus number
 * that is not above the bridge's own bus, outside the segment, or already
 * scanned is a bridge firmware left unconfigured or a loop: not followed. */
static void scan_bridge(struct scan *s, uint8_t bus, int self)
{
	const struct pci_func *f = &s->out->f[self];
	uint8_t sec = (uint8_t)rd(s->cfg, f->seg, f->rid, PCI_SECONDARY_BUS, 1);
	uint8_t sub = (uint8_t)rd(s->cfg, f->seg, f->rid, PCI_SUBORDINATE_BUS, 1);

	if (sec <= bus || sec > sub || sec > s->seg->bus_end)
		return;
	scan_bus(s, sec, self);
}

static void scan_bus(struct scan *s, uint8_t bus, int parent)
{
	if (s->seen[bus / 8] & (1u << (bus % 8)))
		return;
	s->seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (uint8_t dev = 0; dev < 32 && !s->err; dev++) {
		for (uint8_t fn = 0; fn < 8 && !s->err; fn++) {
			uint16_t rid = pci_rid(bus, dev, fn);
			uint16_t vendor = (uint16_t)rd(s->cfg, s->seg->seg, rid, PCI_VENDOR_ID, 2);
			int idx;

			if (vendor == 0xffff || vendor == 0) {
				if (fn == 0)
					break;
				continue;
			}
			idx = add_func(s, bus, dev, fn, parent);
			if (idx < 0)
				return;
			if (s->out->f[idx].is_bridge)
				scan_bridge(s, bus, idx);
			if (fn == 0 && !(rd(s->cfg, s->seg->seg, rid, PCI_HEADER_TYPE, 1) &
					 PCI_HEADER_MULTI_FUNC))
				break;
		}
	}
}

int pci_enumerate(const struct pci_cfg_ops *cfg, const struct pci_segment *segs, unsigned nsegs,
		  struct pci_bus_info *out)
{
	struct scan s;

	out->cfg = cfg;
	out->count = 0;
	for (unsigned i = 0; i < nsegs; i++) {
		memset(&s, 0, sizeof(s));
		s.cfg = cfg;
		s.seg = &segs[i];
		s.out = out;
		if (segs[i].bus_start > segs[i].bus_end)
			return -ERR_INVAL;
		scan_bus(&s, segs[i].bus_start, -1);
		/* A server has several host bridges per segment, each with
		 * its own root bus that no bridge leads to (ACPI names them
		 * in the DSDT); firmware numbers each root's buses upwards
		 * from it, so every bus not yet reached is tried as a root,
		 * lowest first. An absent bus reads all ones. */
		for (unsigned bus = segs[i].bus_start + 1u; bus <= segs[i].bus_end && !s.err; bus++)
			scan_bus(&s, (uint8_t)bus, -1);
		if (s.err)
			return s.err;
	}
	return 0;
}

uint16_t pci_dma_rid(const struct pci_bus_info *b, const struct pci_func *f)
{
	uint16_t rid = f->rid;

	/* Going up, each bridge that takes ownership of the transactions it
	 * forwards replaces the requester id; the one nearest the root is
	 * what the IOMMU sees (VT-d 3.0, 8.3.1; PCIe to PCI/PCI-X Bridge 1.0,
	 * 2.3). PCIe switch and root ports forward ids unchanged. */
	for (int p = f->parent; p >= 0; p = b->f[p].parent) {
		const struct pci_func *br = &b->f[p];

		switch (br->pcie_type) {
		case PCI_EXP_TYPE_ROOT_PORT:
		case PCI_EXP_TYPE_UPSTREAM:
		case PCI_EXP_TYPE_DOWNSTREAM:
			break;
		case PCI_EXP_TYPE_PCI_BRIDGE:
			/* A PCIe-to-PCI(-X) bridge tags what it forwards
			 * with its secondary bus number, device 0 function 0. */
			rid = pci_rid((uint8_t)pci_cfg_read(b, br, PCI_SECONDARY_BUS, 1), 0, 0);
			break;
		default:
			/* A conventional PCI bridge (no PCIe capability) or a
			 * PCI-to-PCIe bridge issues the requests as its own. */
			rid = br->rid;
			break;
		}
	}
	return rid;
}

bool pci_same_device(const struct pci_func *f, const struct pci_func *o)
{
	return o != f && o->seg == f->seg && o->rid >> 8 == f->rid >> 8 &&
	       (o->rid >> 3 == f->rid >> 3 ||
		(f->ecap_ari && f->parent >= 0 && o->parent == f->parent));
}

static bool multi_function(const struct pci_bus_info *b, const struct pci_func *f)
{
	for (unsigned i = 0; i < b->count; i++)
		if (pci_same_device(f, &b->f[i]))
			return true;
	return false;
}

unsigned pci_enable_acs(const struct pci_bus_info *b)
{
	unsigned changed = 0;

	for (unsigned i = 0; i < b->count; i++) {
		const struct pci_func *f = &b->f[i];
		uint16_t cap, ctrl, want;

		if (!f->ecap_acs)
			continue;
		if (f->pcie_type != PCI_EXP_TYPE_ROOT_PORT &&
		    f->pcie_type != PCI_EXP_TYPE_DOWNSTREAM && !multi_function(b, f) &&
		    !f->ecap_sriov)
			continue;
		cap = (uint16_t)rd(b->cfg, f->seg, f->rid, f->ecap_acs + PCI_ACS_CAP, 2);
		ctrl = (uint16_t)rd(b->cfg, f->seg, f->rid, f->ecap_acs + PCI_ACS_CTRL, 2);
		want = (uint16_t)(ctrl | (cap & PCI_ACS_ISOLATE));
		if (want == ctrl)
			continue;
		wr(b->cfg, f->seg, f->rid, f->ecap_acs + PCI_ACS_CTRL, 2, want);
		changed++;
	}
	return changed;
}

bool pci_acs_isolates(const struct pci_bus_info *b, const struct pci_func *f)
{
	uint16_t cap, ctrl;

	if (!f->ecap_acs)
		return false;
	/* A feature the capability does not offer is one the function
	 * cannot do otherwise (PCIe 6.0, 6.12.1.1): a port without
	 * peer-to-peer support offers no redirect. */
	cap = (uint16_t)rd(b->cfg, f->seg, f->rid, f->ecap_acs + PCI_ACS_CAP, 2);
	ctrl = (uint16_t)rd(b->cfg, f->seg, f->rid, f->ecap_acs + PCI_ACS_CTRL, 2);
	return (ctrl & cap & PCI_ACS_ISOLATE) == (cap & PCI_ACS_ISOLATE);
}

const struct pci_func *pci_bus_find(const struct pci_bus_info *b, uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; i < b->count; i++)
		if (b->f[i].seg == seg && b->f[i].rid == rid)
			return &b->f[i];
	return NULL;
}

uint32_t pci_cfg_read(const struct pci_bus_info *b, const struct pci_func *f, uint16_t off,
		      unsigned size)
{
	return rd(b->cfg, f->seg, f->rid, off, size);
}

/* ---- The boot table ---- */

struct class_name {
	uint32_t code; /* base << 16 | sub << 8 | prog-if */
	uint32_t mask;
	const char *name;
};

static const struct class_name class_names[] = {
	{0x010802, 0xffffff, "nvme"},	     {0x010601, 0xffffff, "ahci"},
	{0x010000, 0xffff00, "scsi"},	     {0x010100, 0xffff00, "ide"},
	{0x010400, 0xffff00, "raid"},	     {0x010700, 0xffff00, "sas"},
	{0x010000, 0xff0000, "storage"},     {0x020000, 0xffff00, "ethernet"},
	{0x020700, 0xffff00, "infiniband"},  {0x020000, 0xff0000, "network"},
	{0x030000, 0xff0000, "display"},     {0x040000, 0xff0000, "multimedia"},
	{0x050000, 0xff0000, "memory"},	     {0x060000, 0xffff00, "host-bridge"},
	{0x060100, 0xffff00, "isa-bridge"},  {0x060400, 0xffff00, "pci-bridge"},
	{0x060900, 0xffff00, "pci-bridge"},  {0x060000, 0xff0000, "bridge"},
	{0x070000, 0xff0000, "comm"},	     {0x080000, 0xff0000, "system"},
	{0x0c0300, 0xffff00, "usb"},	     {0x0c0500, 0xffff00, "smbus"},
	{0x0c0000, 0xff0000, "serial-bus"},  {0x120000, 0xff0000, "accelerator"},
	{0x0b0000, 0xff0000, "processor"},   {0x0d0000, 0xff0000, "wireless"},
	{0x100000, 0xff0000, "crypto"},	     {0x110000, 0xff0000, "signal-proc"},
	{0x0e0000, 0xff0000, "intelligent"}, {0x0f0000, 0xff0000, "satellite"},
};

const char *pci_class_name(uint32_t class_code)
{
	for (unsigned i = 0; i < ARRAY_SIZE(class_names); i++)
		if ((class_code & class_names[i].mask) == class_names[i].code)
			return class_names[i].name;
	return "other";
}

/* "16K", "1M", "4G": sizes are powers of two, so always whole units. */
static int fmt_size(char *buf, size_t size, uint64_t bytes)
{
	static const char units[] = {'\0', 'K', 'M', 'G', 'T', 'P', 'E'};
	unsigned u = 0;

	while (u + 1 < sizeof(units) && bytes >= 1024 && !(bytes % 1024)) {
		bytes /= 1024;
		u++;
	}
	return fmt_snprintf(buf, size, u ? "%llu%c" : "%llu", (unsigned long long)bytes, units[u]);
}

int pci_describe(const struct pci_bus_info *b, const struct pci_func *f, char *buf, size_t size)
{
	size_t len = 0;

#define PUT(...)                                                                         \
	do {                                                                             \
		if (len < size)                                                          \
			len += (size_t)fmt_snprintf(buf + len, size - len, __VA_ARGS__); \
	} while (0)

	PUT("%04x:%02x:%02x.%x %04x:%04x class %06x %s", f->seg, f->rid >> 8, (f->rid >> 3) & 0x1f,
	    f->rid & 7, f->vendor, f->device, f->class_code, pci_class_name(f->class_code));
	if (f->is_bridge) {
		PUT(", bus %02x-%02x", (unsigned)pci_cfg_read(b, f, PCI_SECONDARY_BUS, 1),
		    (unsigned)pci_cfg_read(b, f, PCI_SUBORDINATE_BUS, 1));
	}
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *bar = &f->bar[i];
		char sz[16];

		if (!bar->size)
			continue;
		fmt_size(sz, sizeof(sz), bar->size);
		PUT(", BAR%u %s0x%llx %s%s%s", i, bar->is_io ? "io " : "",
		    (unsigned long long)bar->addr, sz, bar->is_64 ? " 64-bit" : "",
		    bar->prefetch ? " pref" : "");
	}
	if (f->cap_msix) {
		uint32_t ctrl = pci_cfg_read(b, f, f->cap_msix + PCI_MSIX_CTRL, 2);
		uint32_t table = pci_cfg_read(b, f, f->cap_msix + PCI_MSIX_TABLE, 4);

		PUT(", MSI-X %u in BAR%u", (ctrl & PCI_MSIX_CTRL_SIZE_MASK) + 1,
		    table & PCI_MSIX_BIR_MASK);
	} else if (f->cap_msi) {
		PUT(", MSI");
	}
	if (f->ecap_sriov)
		PUT(", SR-IOV");
	if (f->flr)
		PUT(", FLR");
	else if (f->header_type == PCI_HEADER_NORMAL && f->class_code >> 16 != PCI_CLASS_BRIDGE)
		PUT(pci_reset_method(b->cfg, f) == PCI_RESET_PM ? ", reset D3hot->D0"
								: ", no reset");
	if (f->pcie_type == PCI_EXP_TYPE_NONE)
		PUT(", conventional");
#undef PUT
	return (int)len;
}
