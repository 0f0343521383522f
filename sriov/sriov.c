#include "sriov/sriov.h"

#include <stdarg.h>

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define BAR_MEM_TYPE_64 0x4u
#define BAR_PREFETCH 0x8u
#define BAR_ADDR_MASK 0xfffffff0u

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

static int say(char *msg, size_t size, uint16_t seg, uint16_t rid, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Fills msg with "SSSS:BB:DD.F: " and the reason. */
static int say(char *msg, size_t size, uint16_t seg, uint16_t rid, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!msg || !size)
		return 0;
	n = fmt_snprintf(msg, size, "%04x:%02x:%02x.%x: ", seg, rid >> 8, (rid >> 3) & 0x1f,
			 rid & 7);
	if (n < 0 || (size_t)n >= size)
		return 0;
	va_start(ap, fmt);
	fmt_vsnprintf(msg + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static void decode_bars(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid,
			struct sriov_info *s)
{
	unsigned i;

	for (i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t lo = rd(cfg, seg, rid, (uint16_t)(s->pos + SRIOV_VF_BAR0 + 4 * i), 4);
		struct pci_bar *b = &s->vf_bar[i];

		memset(b, 0, sizeof(*b));
		b->prefetch = (lo & BAR_PREFETCH) != 0;
		b->addr = lo & BAR_ADDR_MASK;
		/* VF BARs are memory BARs only; bit 0 is reserved as 0. */
		if ((lo & 0x6u) == BAR_MEM_TYPE_64 && i + 1 < PCI_NUM_BARS) {
			uint32_t hi = rd(cfg, seg, rid,
					 (uint16_t)(s->pos + SRIOV_VF_BAR0 + 4 * (i + 1)), 4);

			b->is_64 = true;
			b->addr |= (uint64_t)hi << 32;
			memset(&s->vf_bar[i + 1], 0, sizeof(s->vf_bar[i + 1]));
			i++;
		}
	}
}

int sriov_read(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t pos,
	       struct sriov_info *out)
{
	uint32_t hdr;

	memset(out, 0, sizeof(*out));
	if (pos < 0x100 || pos > 0x1000 - SRIOV_CAP_LEN || (pos & 3))
		return -ERR_INVAL;
	hdr = rd(cfg, seg, rid, pos, 4);
	if ((hdr & 0xffff) != PCI_ECAP_ID_SRIOV)
		return -ERR_NODEV;
	out->pos = pos;
	out->caps = rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_CAPS), 4);
	out->ctrl = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_CTRL), 2);
	out->initial_vfs = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_INITIAL_VFS), 2);
	out->total_vfs = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_TOTAL_VFS), 2);
	out->num_vfs = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_NUM_VFS), 2);
	out->offset = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_VF_OFFSET), 2);
	out->stride = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_VF_STRIDE), 2);
	out->vf_device = (uint16_t)rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_VF_DEVICE), 2);
	out->sup_pgsz = rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_SUP_PGSZ), 4);
	out->sys_pgsz = rd(cfg, seg, rid, (uint16_t)(pos + SRIOV_SYS_PGSZ), 4);
	decode_bars(cfg, seg, rid, out);
	return 0;
}

int sriov_size_bars(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, struct sriov_info *s)
{
	unsigned i;

	s->ctrl = (uint16_t)rd(cfg, seg, rid, (uint16_t)(s->pos + SRIOV_CTRL), 2);
	if (s->ctrl & SRIOV_CTRL_VF_MSE)
		return -ERR_BUSY;
	decode_bars(cfg, seg, rid, s);
	for (i = 0; i < PCI_NUM_BARS; i++) {
		uint16_t off = (uint16_t)(s->pos + SRIOV_VF_BAR0 + 4 * i);
		struct pci_bar *b = &s->vf_bar[i];
		uint32_t lo = rd(cfg, seg, rid, off, 4), hi = 0, mlo, mhi = 0xffffffffu;
		uint64_t mask;

		wr(cfg, seg, rid, off, 4, 0xffffffffu);
		mlo = rd(cfg, seg, rid, off, 4);
		wr(cfg, seg, rid, off, 4, lo);
		if (b->is_64) {
			uint16_t off_hi = (uint16_t)(off + 4);

			hi = rd(cfg, seg, rid, off_hi, 4);
			wr(cfg, seg, rid, off_hi, 4, 0xffffffffu);
			mhi = rd(cfg, seg, rid, off_hi, 4);
			wr(cfg, seg, rid, off_hi, 4, hi);
		}
		mask = ((uint64_t)mhi << 32) | (mlo & BAR_ADDR_MASK);
		if (!b->is_64)
			mask |= 0xffffffff00000000ull;
		b->size = (mlo & BAR_ADDR_MASK) ? ~mask + 1 : 0;
		if (b->is_64)
			i++;
	}
	return 0;
}

void sriov_restore_bars(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid,
			const struct sriov_info *s)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &s->vf_bar[i];
		uint16_t off = (uint16_t)(s->pos + SRIOV_VF_BAR0 + 4 * i);

		if (!b->addr)
			continue;
		wr(cfg, seg, rid, off, 4, (uint32_t)b->addr);
		if (b->is_64 && i + 1 < PCI_NUM_BARS)
			wr(cfg, seg, rid, (uint16_t)(off + 4), 4, (uint32_t)(b->addr >> 32));
	}
}

uint32_t sriov_pick_page_size(uint32_t supported)
{
	unsigned n;

	/* Bit 0 is 4 KiB, the smallest size there is. */
	for (n = 0; n < 32; n++)
		if (supported & (1u << n))
			return 1u << n;
	return 0;
}

int sriov_vf_rid(uint16_t pf_rid, uint16_t offset, uint16_t stride, unsigned i, uint16_t *rid)
{
	uint64_t v = (uint64_t)pf_rid + offset + (uint64_t)i * stride;

	if (v > 0xffff)
		return -ERR_RANGE;
	*rid = (uint16_t)v;
	return 0;
}

uint64_t sriov_vf_bar_addr(const struct sriov_info *s, unsigned bar, unsigned vf)
{
	return s->vf_bar[bar].addr + (uint64_t)vf * s->vf_bar[bar].size;
}

/* "16 KiB" style sizes for messages. */
static void size_str(char *buf, size_t size, uint64_t bytes)
{
	static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && bytes >= 1024 && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	fmt_snprintf(buf, size, "%llu %s", (unsigned long long)bytes, unit[u]);
}

int sriov_check_bars(const struct sriov_info *s, uint16_t seg, uint16_t pf_rid, unsigned nvfs,
		     char *msg, size_t msgsize)
{
	unsigned i;

	for (i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &s->vf_bar[i];
		uint64_t limit = b->is_64 ? ~0ull : 0xffffffffull, total;
		char sz[24];

		if (!b->size)
			continue;
		size_str(sz, sizeof(sz), b->size);
		if (!b->addr) {
			say(msg, msgsize, seg, pf_rid,
			    "VF BAR%u (%s, %s per VF) is unassigned: firmware left it empty", i,
			    b->is_64 ? "64-bit" : "32-bit", sz);
			return -ERR_NOTSUP;
		}
		if (b->addr & (b->size - 1)) {
			say(msg, msgsize, seg, pf_rid,
			    "VF BAR%u at 0x%llx is not aligned to its per-VF size %s", i,
			    (unsigned long long)b->addr, sz);
			return -ERR_RANGE;
		}
		if (nvfs && (__builtin_mul_overflow((uint64_t)nvfs, b->size, &total) ||
			     b->addr > limit || total - 1 > limit - b->addr)) {
			say(msg, msgsize, seg, pf_rid,
			    "VF BAR%u at 0x%llx cannot hold %u VFs of %s each", i,
			    (unsigned long long)b->addr, nvfs, sz);
			return -ERR_RANGE;
		}
	}
	return 0;
}

bool sriov_port_ari_forwarding(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t port_rid,
			       uint8_t cap_pcie)
{
	uint32_t v;

	if (!cap_pcie)
		return false;
	v = rd(cfg, seg, port_rid, (uint16_t)(cap_pcie + PCIE_DEVCTL2), 2);
	return v != 0xffff && (v & PCIE_DEVCTL2_ARI_FWD);
}

static void wait_us(const struct sriov_enable_req *req, uint64_t us)
{
	if (req->delay_us)
		req->delay_us(req->delay_ctx, us);
}

static uint16_t ctrl_reg(const struct sriov_enable_req *req)
{
	return (uint16_t)(req->pos + SRIOV_CTRL);
}

void sriov_disable(const struct pci_cfg_ops *cfg, const struct sriov_enable_req *req)
{
	uint16_t ctrl = (uint16_t)rd(cfg, req->seg, req->rid, ctrl_reg(req), 2);

	if (ctrl & (SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE)) {
		wr(cfg, req->seg, req->rid, ctrl_reg(req), 2,
		   ctrl & ~(SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE));
		if (ctrl & SRIOV_CTRL_VFE)
			wait_us(req, SRIOV_DISABLE_WAIT_US);
	}
	wr(cfg, req->seg, req->rid, (uint16_t)(req->pos + SRIOV_NUM_VFS), 2, 0);
}

/* Checks that every VF's requester id exists and sits on a bus that
 * reaches the PF's VFs. */
static int check_rids(const struct sriov_enable_req *req, const struct sriov_info *s, char *msg,
		      size_t msgsize)
{
	uint16_t last;

	if (!s->offset || (s->num_vfs > 1 && !s->stride)) {
		say(msg, msgsize, req->seg, req->rid,
		    "First VF Offset %u / VF Stride %u are invalid for %u VFs", s->offset,
		    s->stride, s->num_vfs);
		return -ERR_IO;
	}
	if (sriov_vf_rid(req->rid, s->offset, s->stride, s->num_vfs - 1u, &last)) {
		say(msg, msgsize, req->seg, req->rid,
		    "VF %u would lie past bus ff (offset %u, stride %u)", s->num_vfs, s->offset,
		    s->stride);
		return -ERR_RANGE;
	}
	if ((last >> 8) > req->bus_max) {
		say(msg, msgsize, req->seg, req->rid,
		    "VF %u would be %02x:%02x.%x, on a bus past %02x that the upstream bridge "
		    "forwards",
		    s->num_vfs, last >> 8, (last >> 3) & 0x1f, last & 7, req->bus_max);
		return -ERR_RANGE;
	}
	return 0;
}

/* The VF BARs firmware left empty get their place from req->place, are
 * written, and must read back as written. */
static int place_bars(const struct pci_cfg_ops *cfg, const struct sriov_enable_req *req,
		      struct sriov_info *s, char *msg, size_t msgsize)
{
	uint64_t want[PCI_NUM_BARS];
	bool empty = false;
	int rc;

	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		empty |= s->vf_bar[i].size && !s->vf_bar[i].addr;
	if (!empty || !req->place)
		return 0;
	rc = req->place(req->place_ctx, s, req->num_vfs, msg, msgsize);
	if (rc)
		return rc;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		want[i] = s->vf_bar[i].addr;
	sriov_restore_bars(cfg, req->seg, req->rid, s);
	rc = sriov_size_bars(cfg, req->seg, req->rid, s);
	for (unsigned i = 0; !rc && i < PCI_NUM_BARS; i++)
		if (s->vf_bar[i].size && s->vf_bar[i].addr != want[i]) {
			say(msg, msgsize, req->seg, req->rid,
			    "VF BAR%u reads 0x%llx after argon wrote 0x%llx", i,
			    (unsigned long long)s->vf_bar[i].addr, (unsigned long long)want[i]);
			return -ERR_IO;
		}
	return rc;
}

int sriov_enable(const struct pci_cfg_ops *cfg, const struct sriov_enable_req *req,
		 struct sriov_info *out, char *msg, size_t msgsize)
{
	uint16_t seg = req->seg, rid = req->rid, ctrl;
	uint32_t pgsz;
	int rc;

	if (msg && msgsize)
		msg[0] = '\0';
	rc = sriov_read(cfg, seg, rid, req->pos, out);
	if (rc) {
		say(msg, msgsize, seg, rid, "no SR-IOV capability at 0x%x", req->pos);
		return rc;
	}
	if (!req->num_vfs || req->num_vfs > out->total_vfs) {
		say(msg, msgsize, seg, rid, "asks %u VFs, the function offers %u (TotalVFs)",
		    req->num_vfs, out->total_vfs);
		return -ERR_RANGE;
	}
	/* NumVFs, page size and the VF BARs only change with VF Enable off. */
	sriov_disable(cfg, req);

	ctrl = (uint16_t)rd(cfg, seg, rid, ctrl_reg(req), 2);
	ctrl = (uint16_t)(req->ari_forwarding ? ctrl | SRIOV_CTRL_ARI : ctrl & ~SRIOV_CTRL_ARI);
	wr(cfg, seg, rid, ctrl_reg(req), 2, ctrl);

	pgsz = sriov_pick_page_size(out->sup_pgsz);
	if (!pgsz) {
		say(msg, msgsize, seg, rid, "supports no system page size (0x%x)", out->sup_pgsz);
		return -ERR_NOTSUP;
	}
	wr(cfg, seg, rid, (uint16_t)(req->pos + SRIOV_SYS_PGSZ), 4, pgsz);
	out->sys_pgsz = rd(cfg, seg, rid, (uint16_t)(req->pos + SRIOV_SYS_PGSZ), 4);
	if (out->sys_pgsz != pgsz) {
		say(msg, msgsize, seg, rid, "System Page Size reads 0x%x after writing 0x%x",
		    out->sys_pgsz, pgsz);
		return -ERR_IO;
	}

	rc = sriov_size_bars(cfg, seg, rid, out);
	if (rc) {
		say(msg, msgsize, seg, rid, "VF Memory Space Enable stays on");
		return rc;
	}
	rc = place_bars(cfg, req, out, msg, msgsize);
	if (rc)
		return rc;
	rc = sriov_check_bars(out, seg, rid, req->num_vfs, msg, msgsize);
	if (rc)
		return rc;

	wr(cfg, seg, rid, (uint16_t)(req->pos + SRIOV_NUM_VFS), 2, req->num_vfs);
	out->num_vfs = (uint16_t)rd(cfg, seg, rid, (uint16_t)(req->pos + SRIOV_NUM_VFS), 2);
	if (out->num_vfs != req->num_vfs) {
		say(msg, msgsize, seg, rid, "NumVFs reads %u after writing %u", out->num_vfs,
		    req->num_vfs);
		sriov_disable(cfg, req);
		return -ERR_IO;
	}
	/* Offset and stride depend on NumVFs (and ARI): read them now. */
	out->offset = (uint16_t)rd(cfg, seg, rid, (uint16_t)(req->pos + SRIOV_VF_OFFSET), 2);
	out->stride = (uint16_t)rd(cfg, seg, rid, (uint16_t)(req->pos + SRIOV_VF_STRIDE), 2);
	rc = check_rids(req, out, msg, msgsize);
	if (rc) {
		sriov_disable(cfg, req);
		return rc;
	}

	wr(cfg, seg, rid, ctrl_reg(req), 2, ctrl | SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE);
	out->ctrl = (uint16_t)rd(cfg, seg, rid, ctrl_reg(req), 2);
	if ((out->ctrl & (SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE)) !=
	    (SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE)) {
		say(msg, msgsize, seg, rid, "VF Enable / VF MSE do not stay set (control 0x%x)",
		    out->ctrl);
		sriov_disable(cfg, req);
		return -ERR_IO;
	}
	wait_us(req, SRIOV_ENABLE_WAIT_US);
	return 0;
}
