/* The guest's PCI bus: virtual configuration space (vmm/dev/vpci.h). */
#include "vmm/dev/vpci.h"

#include <stddef.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"

/* Type 0 header (PCI Local Bus 3.0, 6.1). */
#define CFG_VENDOR 0x00u
#define CFG_COMMAND 0x04u
#define CFG_STATUS 0x06u
#define CFG_CLASS_REV 0x08u
#define CFG_CACHE_LINE 0x0Cu
#define CFG_LATENCY 0x0Du
#define CFG_HEADER 0x0Eu
#define CFG_BIST 0x0Fu
#define CFG_BAR0 0x10u
#define CFG_BAR_END 0x28u
#define CFG_SUBSYSTEM 0x2Cu
#define CFG_ROM 0x30u
#define CFG_CAP_PTR 0x34u
#define CFG_INT_LINE 0x3Cu
#define CFG_INT_PIN 0x3Du
#define CFG_CAPS_START 0x40u
#define CFG_EXT_START 0x100u
#define CFG_SIZE 0x1000u

#define CMD_IO BIT(0)
#define CMD_MEMORY BIT(1)
#define CMD_MASTER BIT(2)
#define CMD_INTX_DISABLE BIT(10)
#define CMD_GUEST (CMD_MEMORY | CMD_MASTER | CMD_INTX_DISABLE)

#define STATUS_CAP_LIST BIT(4)
/* Error bits, write-1-to-clear: parity, signalled/received aborts, SERR. */
#define STATUS_W1C 0xF900u

#define HEADER_MULTI_FUNCTION 0x80u

#define BAR_MEM_64 0x4u
#define BAR_MEM_PREFETCH 0x8u
#define BAR_MEM_FLAGS_MASK 0xFu

/* Capability ids and the bytes argon shows of each. */
#define CAP_ID_PM 0x01u
#define CAP_ID_PCIE 0x10u
#define CAP_ID_MSIX 0x11u
#define CAP_PM_LEN 8u
#define CAP_PCIE_LEN_V1 0x24u
#define CAP_PCIE_LEN_V2 0x3Cu
#define CAP_MSIX_LEN 12u
#define ECAP_ID_AER 0x0001u
#define ECAP_ID_ARI 0x000Eu
#define ECAP_AER_LEN 0x48u
#define ECAP_ARI_LEN 8u

#define PCIE_FLAGS 0x02u /* capability version in bits 3:0 */
#define PCIE_DEVCTL 0x08u
#define PCIE_DEVCTL_FLR BIT(15)
#define PM_CSR 0x04u
#define PM_CSR_STATE 0x3u
#define MSIX_CTRL 0x02u
#define MSIX_CTRL_ENABLE BIT(15)
#define MSIX_CTRL_MASK BIT(14)
#define MSIX_TABLE 0x04u
#define MSIX_PBA 0x08u

#define ECAM_BUS(off) ((unsigned)((off) >> 20) & 0xFFu)
#define ECAM_DEV(off) ((unsigned)((off) >> 15) & 0x1Fu)
#define ECAM_FN(off) ((unsigned)((off) >> 12) & 0x7u)
#define ECAM_REG(off) ((uint16_t)((off)&0xFFFu))

static uint32_t host_rd(const struct vpci_dev *d, uint16_t off, unsigned size)
{
	return d->host->read(d->host->ctx, d->f->seg, d->f->rid, off, size);
}

static void host_wr(const struct vpci_dev *d, uint16_t off, unsigned size, uint32_t val)
{
	d->host->write(d->host->ctx, d->f->seg, d->f->rid, off, size, val);
}

void vpci_init(struct vpci_bus *b, uint64_t mmio32_base, uint64_t mmio32_size, uint64_t mmio64_base,
	       uint64_t mmio64_size, const struct vpci_hooks *hooks)
{
	memset(b, 0, sizeof(*b));
	b->mmio32_base = mmio32_base;
	b->mmio32_size = mmio32_size;
	b->mmio64_base = mmio64_base;
	b->mmio64_size = mmio64_size;
	b->hooks = hooks;
}

/* ---- capability lists ---- */

static uint16_t cap_len(const struct vpci_dev *d, uint16_t off, uint16_t id)
{
	if (id == CAP_ID_PM)
		return CAP_PM_LEN;
	if (id == CAP_ID_MSIX)
		return CAP_MSIX_LEN;
	return (host_rd(d, (uint16_t)(off + PCIE_FLAGS), 2) & 0xF) >= 2 ? CAP_PCIE_LEN_V2
									: CAP_PCIE_LEN_V1;
}

/* A kept capability never reaches into the next one the device has, so
 * that the bytes of a hidden capability never show through. */
static void clip_caps(struct vpci_cap *c, unsigned n, const uint16_t *all, unsigned nall,
		      uint16_t end)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t lim = end;

		for (unsigned j = 0; j < nall; j++)
			if (all[j] > c[i].off && all[j] < lim)
				lim = all[j];
		if (c[i].len > lim - c[i].off)
			c[i].len = (uint16_t)(lim - c[i].off);
	}
}

#define WALK_MAX 64 /* a loop in a device's list ends here */

static void scan_caps(struct vpci_dev *d)
{
	uint16_t all[WALK_MAX];
	unsigned nall = 0;
	uint8_t at = 0;

	if (host_rd(d, CFG_STATUS, 2) & STATUS_CAP_LIST)
		at = (uint8_t)(host_rd(d, CFG_CAP_PTR, 1) & 0xFC);
	while (at >= CFG_CAPS_START && nall < WALK_MAX) {
		uint32_t hdr = host_rd(d, at, 2);
		uint16_t id = hdr & 0xFF;

		all[nall++] = at;
		if ((id == CAP_ID_PCIE || id == CAP_ID_MSIX || id == CAP_ID_PM) &&
		    d->ncaps < VPCI_MAX_CAPS)
			d->cap[d->ncaps++] = (struct vpci_cap){at, cap_len(d, at, id), id};
		at = (uint8_t)((hdr >> 8) & 0xFC);
	}
	clip_caps(d->cap, d->ncaps, all, nall, CFG_EXT_START);
}

static void scan_ecaps(struct vpci_dev *d)
{
	uint16_t all[WALK_MAX];
	unsigned nall = 0;
	uint16_t at = CFG_EXT_START;

	if (!d->f->cap_pcie)
		return;
	while (at >= CFG_EXT_START && nall < WALK_MAX) {
		uint32_t hdr = host_rd(d, at, 4);
		uint16_t id = hdr & 0xFFFF;

		if (hdr == 0 || hdr == 0xFFFFFFFFu)
			break;
		all[nall++] = at;
		if ((id == ECAP_ID_AER || id == ECAP_ID_ARI) && d->necaps < VPCI_MAX_CAPS)
			d->ecap[d->necaps++] = (struct vpci_cap){
				at, id == ECAP_ID_AER ? ECAP_AER_LEN : ECAP_ARI_LEN, id};
		at = (uint16_t)((hdr >> 20) & 0xFFC);
	}
	clip_caps(d->ecap, d->necaps, all, nall, CFG_SIZE);
}

static const struct vpci_cap *cap_at(const struct vpci_cap *c, unsigned n, uint16_t off,
				     unsigned *idx)
{
	for (unsigned i = 0; i < n; i++)
		if (off >= c[i].off && off - c[i].off < c[i].len) {
			*idx = i;
			return &c[i];
		}
	return NULL;
}

static const struct vpci_cap *find_cap(const struct vpci_dev *d, uint16_t id)
{
	for (unsigned i = 0; i < d->ncaps; i++)
		if (d->cap[i].id == id)
			return &d->cap[i];
	return NULL;
}

/* ---- adding functions and placing BARs ---- */

struct vpci_dev *vpci_add(struct vpci_bus *b, const struct pci_func *f,
			  const struct pci_cfg_ops *host)
{
	struct vpci_dev *d;

	if (b->ndevs >= VPCI_MAX_DEVS)
		return NULL;
	d = &b->dev[b->ndevs];
	memset(d, 0, sizeof(*d));
	d->slot = (uint8_t)(b->ndevs + 1);
	d->f = f;
	d->host = host;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *hb = &f->bar[i];

		/* A BAR firmware left without an address is not offered: there
		 * is nothing of the device's to map. */
		if (hb->is_io || !hb->size || !hb->addr)
			continue;
		d->bar[i] = (struct vpci_bar){.size = hb->size,
					      .hpa = hb->addr,
					      .is_64 = hb->is_64,
					      .prefetch = hb->prefetch};
		if (hb->is_64)
			i++; /* the upper half */
	}
	scan_caps(d);
	scan_ecaps(d);
	b->ndevs++;
	return d;
}

static uint64_t bar_span(const struct vpci_bar *bar)
{
	return bar->size < VPCI_BAR_MIN_ALIGN ? VPCI_BAR_MIN_ALIGN : bar->size;
}

static bool overlaps(uint64_t a, uint64_t as, uint64_t c, uint64_t cs)
{
	return a < c + cs && c < a + as;
}

/* Whether [gpa, gpa + span) lies inside a window and clear of every other
 * placed BAR (skip: the BAR being moved). */
static bool bar_fits(const struct vpci_bus *b, const struct vpci_bar *skip,
		     const struct vpci_bar *bar, uint64_t gpa)
{
	uint64_t span = bar_span(bar);
	bool in32 = gpa >= b->mmio32_base && span <= b->mmio32_size &&
		    gpa - b->mmio32_base <= b->mmio32_size - span;
	bool in64 = bar->is_64 && b->mmio64_size && gpa >= b->mmio64_base &&
		    span <= b->mmio64_size && gpa - b->mmio64_base <= b->mmio64_size - span;

	if (!IS_ALIGNED(gpa, span) || !(in32 || in64))
		return false;
	for (unsigned i = 0; i < b->ndevs; i++)
		for (unsigned j = 0; j < PCI_NUM_BARS; j++) {
			const struct vpci_bar *o = &b->dev[i].bar[j];

			if (o != skip && o->size && o->gpa &&
			    overlaps(gpa, span, o->gpa, bar_span(o)))
				return false;
		}
	return true;
}

static int place_in(uint64_t *next, uint64_t end, uint64_t span, uint64_t *gpa)
{
	uint64_t at = ALIGN_UP(*next, span);

	if (at < *next || at > end || end - at < span)
		return -ERR_NOSPC;
	*gpa = at;
	*next = at + span;
	return 0;
}

int vpci_place_bars(struct vpci_bus *b)
{
	uint64_t next32 = b->mmio32_base, next64 = b->mmio64_base;

	for (unsigned i = 0; i < b->ndevs; i++)
		for (unsigned j = 0; j < PCI_NUM_BARS; j++)
			b->dev[i].bar[j].gpa = 0;
	/* Largest first keeps every BAR naturally aligned without holes. */
	for (;;) {
		struct vpci_bar *big = NULL;

		for (unsigned i = 0; i < b->ndevs; i++)
			for (unsigned j = 0; j < PCI_NUM_BARS; j++) {
				struct vpci_bar *bar = &b->dev[i].bar[j];

				if (bar->size && !bar->gpa && (!big || bar->size > big->size))
					big = bar;
			}
		if (!big)
			return 0;
		if (place_in(&next32, b->mmio32_base + b->mmio32_size, bar_span(big), &big->gpa) &&
		    (!big->is_64 || !b->mmio64_size ||
		     place_in(&next64, b->mmio64_base + b->mmio64_size, bar_span(big), &big->gpa)))
			return -ERR_NOSPC;
	}
}

void vpci_reset_dev(struct vpci_bus *b, struct vpci_dev *d)
{
	(void)b;
	d->cmd = 0;
	d->cache_line = d->latency = d->int_line = 0;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		d->bar[i].sizing_lo = d->bar[i].sizing_hi = false;
}

bool vpci_msix_info(const struct vpci_dev *d, struct pci_msix_info *out)
{
	const struct vpci_cap *c = find_cap(d, CAP_ID_MSIX);

	if (!c)
		return false;
	pci_msix_decode((uint16_t)host_rd(d, (uint16_t)(c->off + MSIX_CTRL), 2),
			host_rd(d, (uint16_t)(c->off + MSIX_TABLE), 4),
			host_rd(d, (uint16_t)(c->off + MSIX_PBA), 4), out);
	return true;
}

uint64_t vpci_refused(const struct vpci_bus *b)
{
	uint64_t n = b->refused;

	for (unsigned i = 0; i < b->ndevs; i++)
		n += b->dev[i].refused;
	return n;
}

/* ---- reads ---- */

/* The BAR register at index i as the guest sees it (4 bytes). */
static uint32_t bar_read(const struct vpci_dev *d, unsigned i)
{
	const struct vpci_bar *bar = &d->bar[i];
	uint64_t mask;

	if (!bar->size && i > 0 && d->bar[i - 1].is_64 && d->bar[i - 1].size) {
		bar = &d->bar[i - 1];
		mask = ~(bar->size - 1);
		return (uint32_t)((bar->sizing_hi ? mask : bar->gpa) >> 32);
	}
	if (!bar->size)
		return 0;
	mask = ~(bar->size - 1);
	return ((uint32_t)(bar->sizing_lo ? mask : bar->gpa) & ~BAR_MEM_FLAGS_MASK) |
	       (bar->is_64 ? BAR_MEM_64 : 0) | (bar->prefetch ? BAR_MEM_PREFETCH : 0);
}

/* Whether a kept capability covers a byte of the dword at reg. */
static bool cap_covers(const struct vpci_dev *d, uint16_t reg)
{
	unsigned i;

	for (unsigned b = 0; b < 4; b++) {
		uint16_t off = (uint16_t)(reg + b);

		if (off < CFG_EXT_START ? cap_at(d->cap, d->ncaps, off, &i) != NULL
					: cap_at(d->ecap, d->necaps, off, &i) != NULL)
			return true;
	}
	return false;
}

/* One byte of the capability area (0x40-0xFFF): a kept capability's byte
 * from the device with next pointers rewritten, else 0. */
static uint8_t cap_byte(const struct vpci_dev *d, uint16_t off, uint32_t dword)
{
	const struct vpci_cap *c;
	unsigned i;
	uint8_t byte = (uint8_t)(dword >> (8 * (off & 3)));

	if (off < CFG_EXT_START) {
		c = cap_at(d->cap, d->ncaps, off, &i);
		if (!c)
			return 0;
		if (off == c->off + 1)
			return i + 1 < d->ncaps ? (uint8_t)d->cap[i + 1].off : 0;
		return byte;
	}
	/* The extended list must start at 0x100: when the device's first
	 * capability there is hidden, a header with capability id 0 leads to
	 * the first kept one. */
	if (off < CFG_EXT_START + 4 && (!d->necaps || d->ecap[0].off != CFG_EXT_START)) {
		uint32_t hdr = d->necaps ? (uint32_t)d->ecap[0].off << 20 : 0;

		return (uint8_t)(hdr >> (8 * (off & 3)));
	}
	c = cap_at(d->ecap, d->necaps, off, &i);
	if (!c)
		return 0;
	if (off - c->off == 2 || off - c->off == 3) {
		uint32_t next = i + 1 < d->necaps ? d->ecap[i + 1].off : 0;
		uint32_t hdr = (dword & 0x000FFFFFu) | next << 20;

		return (uint8_t)(hdr >> (8 * (off & 3)));
	}
	return byte;
}

static uint32_t dev_read_dword(const struct vpci_dev *d, uint16_t reg)
{
	uint32_t v;

	switch (reg) {
	case CFG_VENDOR:
		/* A VF reads 0xFFFF here: its ids come from the PF. */
		if (d->f->is_vf)
			return (uint32_t)d->f->device << 16 | d->f->vendor;
		return host_rd(d, reg, 4);
	case CFG_CLASS_REV:
	case CFG_SUBSYSTEM:
		return host_rd(d, reg, 4);
	case CFG_COMMAND:
		/* The status register's capability bit follows the filtered list. */
		v = host_rd(d, CFG_STATUS, 2) & ~STATUS_CAP_LIST;
		if (d->ncaps)
			v |= STATUS_CAP_LIST;
		return v << 16 | d->cmd;
	case CFG_CACHE_LINE:
		v = host_rd(d, CFG_HEADER, 1) & ~HEADER_MULTI_FUNCTION;
		return v << 16 | (uint32_t)d->latency << 8 | d->cache_line;
	case CFG_ROM:
		return 0;
	case CFG_CAP_PTR:
		return d->ncaps ? d->cap[0].off : 0;
	case CFG_INT_LINE:
		return d->int_line; /* pin 0: no INTx */
	default:
		break;
	}
	if (reg >= CFG_BAR0 && reg < CFG_BAR_END)
		return bar_read(d, (reg - CFG_BAR0) / 4u);
	if (reg < CFG_CAPS_START)
		return 0;
	v = 0;
	/* Only dwords a kept capability covers are read on the device: a
	 * hidden register's read may have side effects there. */
	{
		uint32_t dword = cap_covers(d, reg) ? host_rd(d, reg, 4) : 0;

		for (unsigned i = 0; i < 4; i++)
			v |= (uint32_t)cap_byte(d, (uint16_t)(reg + i), dword) << (8 * i);
	}
	return v;
}

static uint32_t bridge_read_dword(uint16_t reg)
{
	switch (reg) {
	case CFG_VENDOR:
		return VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR;
	case CFG_COMMAND:
		return CMD_MEMORY;
	case CFG_CLASS_REV:
		return VPCI_HOST_CLASS << 8;
	default:
		return 0;
	}
}

static struct vpci_dev *dev_at(struct vpci_bus *b, uint64_t off)
{
	unsigned slot = ECAM_DEV(off);

	if (ECAM_BUS(off) || ECAM_FN(off) || slot == 0 || slot > b->ndevs)
		return NULL;
	return &b->dev[slot - 1];
}

static bool is_bridge(uint64_t off)
{
	return !ECAM_BUS(off) && !ECAM_DEV(off) && !ECAM_FN(off);
}

static uint32_t read32(struct vpci_bus *b, uint64_t off, unsigned size)
{
	uint16_t reg = ECAM_REG(off) & (uint16_t)~3u;
	unsigned shift = 8 * (off & 3);
	struct vpci_dev *d = dev_at(b, off);
	uint32_t v;

	if (d && d->not_ready)
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	if (d)
		v = dev_read_dword(d, reg);
	else if (is_bridge(off))
		v = bridge_read_dword(reg);
	else
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	v >>= shift;
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

uint64_t vpci_read(struct vpci_bus *b, uint64_t off, unsigned size)
{
	/* Naturally aligned 8 bytes: never across two functions' spaces. */
	if (size == 8 && !(off & 7))
		return read32(b, off, 4) | (uint64_t)read32(b, off + 4, 4) << 32;
	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
		return ~0ULL;
	return read32(b, off, size);
}

/* ---- writes ---- */

static void refuse(struct vpci_bus *b, struct vpci_dev *d, uint16_t off, unsigned size,
		   uint32_t val, const char *what)
{
	if (d)
		d->refused++;
	else
		b->refused++;
	if (b->hooks && b->hooks->refused)
		b->hooks->refused(b->hooks->ctx, d, off, size, val, what);
}

/* The dword at reg after a write of size bytes of val at off into old. */
static uint32_t merge(uint32_t old, uint16_t off, unsigned size, uint32_t val)
{
	unsigned shift = 8 * (off & 3);
	uint32_t mask = size == 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1) << shift;

	return (old & ~mask) | ((val << shift) & mask);
}

/* Bytes [lo, hi) of the dword at reg are covered by the write. */
static bool covers(uint16_t off, unsigned size, uint16_t reg, unsigned lo, unsigned hi)
{
	return off < reg + hi && reg + lo < off + size;
}

static void command_write(struct vpci_bus *b, struct vpci_dev *d, uint16_t off, unsigned size,
			  uint32_t val)
{
	uint32_t dw = merge(dev_read_dword(d, CFG_COMMAND), off, size, val);
	uint16_t cmd = (uint16_t)dw, host, old_cmd = d->cmd;

	if (covers(off, size, CFG_COMMAND, 0, 2)) {
		if ((cmd ^ d->cmd) & ~CMD_GUEST)
			refuse(b, d, off, size, val,
			       "command bits other than memory, bus master, INTx disable");
		d->cmd = cmd & CMD_GUEST;
		/* INTx stays disabled in the device whatever the guest wrote:
		 * its interrupts are MSI-X or nothing. Memory decoding stays
		 * as argon left it (on): the guest's bit is its own view, so
		 * its accesses to a BAR it mapped with decoding off still
		 * reach a decoding device instead of ending in an Unsupported
		 * Request, which servers may escalate to a machine check. */
		host = (uint16_t)host_rd(d, CFG_COMMAND, 2);
		host = (uint16_t)((host & ~(CMD_MASTER | CMD_IO)) | (d->cmd & CMD_MASTER) |
				  CMD_INTX_DISABLE);
		host_wr(d, CFG_COMMAND, 2, host);
		if ((cmd & ~old_cmd & CMD_MEMORY) && b->hooks && b->hooks->memory_on)
			b->hooks->memory_on(b->hooks->ctx, d);
	}
	/* The status register's error bits are the function's own. */
	if (covers(off, size, CFG_COMMAND, 2, 4) && (dw >> 16) & STATUS_W1C)
		host_wr(d, CFG_STATUS, 2, (dw >> 16) & STATUS_W1C);
}

void vpci_dev_ready(struct vpci_bus *b, struct vpci_dev *d)
{
	uint16_t host;

	(void)b;
	d->not_ready = false;
	host = (uint16_t)host_rd(d, CFG_COMMAND, 2);
	host = (uint16_t)((host & ~CMD_MASTER) | (d->cmd & CMD_MASTER));
	host_wr(d, CFG_COMMAND, 2, host);
}

static void bar_write(struct vpci_bus *b, struct vpci_dev *d, unsigned i, uint16_t off,
		      unsigned size, uint32_t val)
{
	bool hi = !d->bar[i].size && i > 0 && d->bar[i - 1].is_64 && d->bar[i - 1].size;
	struct vpci_bar *bar = hi ? &d->bar[i - 1] : &d->bar[i];
	unsigned at = hi ? i - 1 : i;
	uint32_t dw = merge(bar_read(d, i), off, size, val);
	uint64_t mask, want;

	if (!bar->size)
		return; /* no BAR: reads 0, writes do nothing */
	mask = ~(bar->size - 1);
	if (hi) {
		bar->sizing_hi = dw == (uint32_t)(mask >> 32);
		want = (uint64_t)dw << 32 | (uint32_t)bar->gpa;
	} else {
		bar->sizing_lo = (dw & (uint32_t)mask & ~BAR_MEM_FLAGS_MASK) ==
				 ((uint32_t)mask & ~BAR_MEM_FLAGS_MASK);
		want = (bar->gpa & ~0xFFFFFFFFull) | (dw & (uint32_t)mask & ~BAR_MEM_FLAGS_MASK);
	}
	/* Sizing (all ones, in either half) reads back the size and leaves
	 * the mapping alone; the guest writes the address back afterwards. */
	if (bar->sizing_lo || bar->sizing_hi || want == bar->gpa)
		return;
	if (!bar_fits(b, bar, bar, want)) {
		refuse(b, d, off, size, val, "BAR address outside the guest's MMIO window");
		return;
	}
	if (b->hooks && b->hooks->bar_move &&
	    b->hooks->bar_move(b->hooks->ctx, d, at, bar->gpa, want)) {
		refuse(b, d, off, size, val, "BAR move failed");
		return;
	}
	bar->gpa = want;
}

static void msix_write(struct vpci_bus *b, struct vpci_dev *d, const struct vpci_cap *c,
		       uint16_t off, unsigned size, uint32_t val)
{
	uint16_t reg = off & (uint16_t)~3u;
	uint32_t old = dev_read_dword(d, reg), dw = merge(old, off, size, val);
	uint16_t ctrl_old, ctrl_new, host;

	/* Only the message control's enable and function mask are the guest's. */
	if (reg != c->off || (dw ^ old) & ~((MSIX_CTRL_ENABLE | MSIX_CTRL_MASK) << 16)) {
		refuse(b, d, off, size, val, "MSI-X capability: read-only bits");
		if (reg != c->off)
			return;
	}
	ctrl_old = (uint16_t)(old >> 16);
	ctrl_new = (uint16_t)(dw >> 16);
	if (!((ctrl_old ^ ctrl_new) & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASK)))
		return;
	host = (uint16_t)host_rd(d, (uint16_t)(c->off + MSIX_CTRL), 2);
	host = (uint16_t)((host & ~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASK)) |
			  (ctrl_new & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASK)));
	host_wr(d, (uint16_t)(c->off + MSIX_CTRL), 2, host);
	if (b->hooks && b->hooks->msix_control)
		b->hooks->msix_control(b->hooks->ctx, d, ctrl_new & MSIX_CTRL_ENABLE,
				       ctrl_new & MSIX_CTRL_MASK);
}

static void pcie_write(struct vpci_bus *b, struct vpci_dev *d, const struct vpci_cap *c,
		       uint16_t off, unsigned size, uint32_t val)
{
	uint16_t reg = off & (uint16_t)~3u;
	uint32_t old = dev_read_dword(d, reg), dw = merge(old, off, size, val);
	bool flr = false;

	if (reg == c->off + PCIE_DEVCTL && covers(off, size, reg, 1, 2)) {
		flr = dw & PCIE_DEVCTL_FLR;
		dw &= ~(uint32_t)PCIE_DEVCTL_FLR;
		/* Device Status (the upper half) is write-1-to-clear: writing
		 * back what was read changes nothing the guest cares about. */
		dw = (dw & 0xFFFFu) | (old & 0xFFFF0000u);
	}
	if (dw != old)
		refuse(b, d, off, size, val,
		       "PCI Express capability: link, payload and error "
		       "settings are argon's");
	if (flr && b->hooks && b->hooks->flr)
		b->hooks->flr(b->hooks->ctx, d);
}

static void cap_write(struct vpci_bus *b, struct vpci_dev *d, uint16_t off, unsigned size,
		      uint32_t val)
{
	unsigned idx;
	const struct vpci_cap *c = cap_at(d->cap, d->ncaps, off, &idx);
	uint32_t old, dw;

	if (c && c->id == CAP_ID_MSIX) {
		msix_write(b, d, c, off, size, val);
		return;
	}
	if (c && c->id == CAP_ID_PCIE) {
		pcie_write(b, d, c, off, size, val);
		return;
	}
	/* Power management (the guest's function stays in D0: leaving it
	 * would lose its BARs; PME bits are left alone), hidden capabilities
	 * and extended ones are read-only: writing back what was read is no
	 * refusal. */
	old = dev_read_dword(d, off & (uint16_t)~3u);
	dw = merge(old, off, size, val);
	if (c && c->id == CAP_ID_PM && (off & (uint16_t)~3u) == c->off + PM_CSR) {
		old &= PM_CSR_STATE;
		dw &= PM_CSR_STATE;
	}
	if (dw != old)
		refuse(b, d, off, size, val,
		       c ? "power management capability: the function stays in D0"
			 : "a hidden or read-only capability");
}

static void dev_write(struct vpci_bus *b, struct vpci_dev *d, uint16_t off, unsigned size,
		      uint32_t val)
{
	uint16_t reg = off & (uint16_t)~3u;
	uint32_t old, dw;

	if (reg == CFG_COMMAND) {
		command_write(b, d, off, size, val);
		return;
	}
	if (reg >= CFG_BAR0 && reg < CFG_BAR_END) {
		bar_write(b, d, (reg - CFG_BAR0) / 4u, off, size, val);
		return;
	}
	if (reg >= CFG_CAPS_START) {
		cap_write(b, d, off, size, val);
		return;
	}
	old = dev_read_dword(d, reg);
	dw = merge(old, off, size, val);
	if (reg == CFG_CACHE_LINE) {
		/* Cache line size and latency timer are scratch registers; the
		 * header type is read-only and BIST is not offered. */
		d->cache_line = (uint8_t)dw;
		d->latency = (uint8_t)(dw >> 8);
		if ((dw ^ old) & 0xFF000000u)
			refuse(b, d, off, size, val, "BIST");
		return;
	}
	if (reg == CFG_INT_LINE) {
		d->int_line = (uint8_t)dw;
		return;
	}
	/* IDs, class, subsystem, expansion ROM (none), capability pointer:
	 * read-only here. Sizing the absent ROM writes all ones: no refusal. */
	if (reg != CFG_ROM && dw != old)
		refuse(b, d, off, size, val, "a read-only register");
}

/* The host bridge has nothing to set: its BARs and ROM are unimplemented
 * (sizing them is no refusal), its command bits are fixed. */
static void bridge_write(struct vpci_bus *b, uint16_t off, unsigned size, uint32_t val)
{
	uint16_t reg = off & (uint16_t)~3u;
	uint32_t old = bridge_read_dword(reg), dw = merge(old, off, size, val);

	if ((reg >= CFG_BAR0 && reg < CFG_BAR_END) || reg == CFG_ROM || reg == CFG_CACHE_LINE)
		return;
	if (reg == CFG_COMMAND)
		dw = (dw & ~(uint32_t)CMD_GUEST) | (old & CMD_GUEST);
	if (dw != old)
		refuse(b, NULL, off, size, val, "host bridge: read-only");
}

static void write32(struct vpci_bus *b, uint64_t off, unsigned size, uint32_t val)
{
	struct vpci_dev *d = dev_at(b, off);

	if (d && d->not_ready)
		return; /* still in reset, as far as the guest can tell */
	if (d)
		dev_write(b, d, ECAM_REG(off), size, val);
	else if (is_bridge(off))
		bridge_write(b, ECAM_REG(off), size, val);
	/* Writes to absent functions go nowhere, as on hardware. */
}

void vpci_write(struct vpci_bus *b, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 8 && !(off & 7)) {
		write32(b, off, 4, (uint32_t)val);
		write32(b, off + 4, 4, (uint32_t)(val >> 32));
		return;
	}
	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1))) {
		refuse(b, dev_at(b, off), ECAM_REG(off), size, (uint32_t)val, "misaligned access");
		return;
	}
	write32(b, off, size, (uint32_t)val);
}
