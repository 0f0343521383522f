/* SR-IOV capability handling against the configuration space of QEMU's
 * NVMe PF (tests/unit/fixtures/qemu-sriov-lspci.txt, 00:03.0, captured
 * after Linux had enabled 2 VFs) and against a synthetic PF whose VFs
 * cross a bus boundary. The fake models what the tests rely on: NumVFs
 * is read-only while VF Enable is set, First VF Offset and VF Stride are
 * computed from NumVFs when read, VF BARs keep only the bits above their
 * per-VF size, System Page Size takes only a supported size, and the rest
 * of the capability is read-only. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/err.h"
#include "sriov/sriov.h"
#include "tests/unit/check.h"

struct fake_fn {
	uint16_t rid;
	uint8_t cfg[4096];
	uint16_t pos;			 /* SR-IOV capability */
	uint64_t bar_size[PCI_NUM_BARS]; /* per VF; 0: not implemented */
	/* First VF Offset = off_base + off_per_vf x NumVFs. */
	uint16_t off_base, off_per_vf, stride;
};

struct fake {
	struct fake_fn *fn[4];
	unsigned nfn;
	uint64_t delays[8];
	unsigned ndelays;
	unsigned num_vfs_writes_ignored;
};

static struct fake_fn *lookup(struct fake *f, uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; i < f->nfn; i++)
		if (!seg && f->fn[i]->rid == rid)
			return f->fn[i];
	return NULL;
}

static uint32_t get(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void put(uint8_t *p, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t fake_read(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size)
{
	struct fake_fn *fn = lookup(ctx, seg, rid);

	CHECK(off % size == 0 && off + size <= 4096);
	if (!fn)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (fn->pos && (off == fn->pos + SRIOV_VF_OFFSET || off == fn->pos + SRIOV_VF_STRIDE)) {
		uint16_t n = (uint16_t)get(&fn->cfg[fn->pos + SRIOV_NUM_VFS], 2);

		put(&fn->cfg[fn->pos + SRIOV_VF_OFFSET], 2,
		    (uint16_t)(fn->off_base + fn->off_per_vf * n));
		put(&fn->cfg[fn->pos + SRIOV_VF_STRIDE], 2, fn->stride);
	}
	return get(&fn->cfg[off], size);
}

static void sriov_write(struct fake *f, struct fake_fn *fn, unsigned reg, unsigned size, uint32_t v)
{
	uint8_t *cap = &fn->cfg[fn->pos];
	uint16_t ctrl = (uint16_t)get(cap + SRIOV_CTRL, 2);

	if (reg == SRIOV_CTRL && size == 2) {
		uint16_t keep = SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE | SRIOV_CTRL_ARI;

		put(cap + SRIOV_CTRL, 2, v & keep);
	} else if (reg == SRIOV_NUM_VFS && size == 2) {
		if (ctrl & SRIOV_CTRL_VFE)
			f->num_vfs_writes_ignored++;
		else if (v <= get(cap + SRIOV_TOTAL_VFS, 2))
			put(cap + SRIOV_NUM_VFS, 2, v);
	} else if (reg == SRIOV_SYS_PGSZ && size == 4) {
		if (v && !(v & (v - 1)) && (v & get(cap + SRIOV_SUP_PGSZ, 4)))
			put(cap + SRIOV_SYS_PGSZ, 4, v);
	} else if (reg >= SRIOV_VF_BAR0 && reg < SRIOV_VF_BAR0 + 24 && size == 4) {
		unsigned i = (reg - SRIOV_VF_BAR0) / 4;
		uint32_t old = get(cap + reg, 4);
		uint64_t mask;

		if (i > 0 && fn->bar_size[i - 1] && (get(cap + reg - 4, 4) & 0x6) == 0x4) {
			/* Upper half of a 64-bit BAR. */
			mask = ~(fn->bar_size[i - 1] - 1) >> 32;
			put(cap + reg, 4, v & (uint32_t)mask);
			return;
		}
		if (!fn->bar_size[i])
			return;
		mask = ~(fn->bar_size[i] - 1) & 0xfffffff0u;
		put(cap + reg, 4, (v & (uint32_t)mask) | (old & 0xf));
	}
	/* Everything else in the capability is read-only. */
}

static void fake_write(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size,
		       uint32_t val)
{
	struct fake *f = ctx;
	struct fake_fn *fn = lookup(f, seg, rid);

	CHECK(off % size == 0 && off + size <= 4096);
	if (!fn)
		return;
	if (fn->pos && off >= fn->pos && off < fn->pos + SRIOV_CAP_LEN) {
		sriov_write(f, fn, off - fn->pos, size, val);
		return;
	}
	put(&fn->cfg[off], size, val);
}

static void fake_delay(void *ctx, uint64_t us)
{
	struct fake *f = ctx;

	if (f->ndelays < sizeof(f->delays) / sizeof(f->delays[0]))
		f->delays[f->ndelays++] = us;
}

/* Loads one function's 4 KiB from `lspci -xxxx` text: its header line
 * starts with bdf, then "OFF: hh hh ..." lines. */
static int load_lspci(const char *bdf, uint8_t *cfg)
{
	char path[512], line[256];
	bool in = false;
	unsigned got = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/qemu-sriov-lspci.txt", ARGON_FIXTURES);
	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *p, *colon;
		unsigned long off;

		if (!in) {
			in = strncmp(line, bdf, strlen(bdf)) == 0 && line[strlen(bdf)] == ' ';
			continue;
		}
		colon = strchr(line, ':');
		if (!colon || colon - line > 3)
			break; /* next function */
		off = strtoul(line, NULL, 16);
		p = colon + 1;
		for (unsigned i = 0; i < 16 && off + i < 4096; i++) {
			cfg[off + i] = (uint8_t)strtoul(p, &p, 16);
			got++;
		}
	}
	fclose(fp);
	return got == 4096 ? 0 : -1;
}

static struct fake_fn qemu_pf;

static void setup_qemu(struct fake *f, struct pci_cfg_ops *ops)
{
	memset(f, 0, sizeof(*f));
	memset(&qemu_pf, 0, sizeof(qemu_pf));
	qemu_pf.rid = pci_rid(0, 3, 0);
	CHECK(load_lspci("00:03.0", qemu_pf.cfg) == 0);
	qemu_pf.pos = 0x120;
	/* QEMU's NVMe VFs: First VF Offset 1 and VF Stride 1 for any NumVFs.
	 * A per-VF BAR0 of 16 KiB is the model's choice. */
	qemu_pf.off_base = 1;
	qemu_pf.stride = 1;
	qemu_pf.bar_size[0] = 16 * 1024;
	f->fn[f->nfn++] = &qemu_pf;
	*ops = (struct pci_cfg_ops){fake_read, fake_write, f};
}

static void test_read_qemu_pf(void)
{
	struct pci_cfg_ops ops;
	struct sriov_info s;
	struct fake f;

	setup_qemu(&f, &ops);
	CHECK_EQ(sriov_read(&ops, 0, qemu_pf.rid, 0x120, &s), 0);
	CHECK_EQ(s.total_vfs, 2);
	CHECK_EQ(s.initial_vfs, 2);
	CHECK_EQ(s.num_vfs, 2);
	CHECK_EQ(s.offset, 1);
	CHECK_EQ(s.stride, 1);
	CHECK_EQ(s.vf_device, 0x0010);
	CHECK_EQ(s.sup_pgsz, 0x553);
	CHECK_EQ(s.sys_pgsz, 1);
	CHECK_EQ(s.ctrl & (SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE), SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE);
	CHECK(s.vf_bar[0].is_64);
	CHECK(!s.vf_bar[0].prefetch);
	CHECK_EQ(s.vf_bar[0].addr, 0x100000000ull);
	CHECK_EQ(s.vf_bar[1].addr, 0);
	CHECK_EQ(s.vf_bar[0].size, 0); /* not sized by a read */
	/* The ARI capability at 0x100 is not SR-IOV. */
	CHECK_EQ(sriov_read(&ops, 0, qemu_pf.rid, 0x100, &s), -ERR_NODEV);
	CHECK_EQ(sriov_read(&ops, 0, qemu_pf.rid, 0x40, &s), -ERR_INVAL);
	/* Sizing refuses while VF MSE is on. */
	CHECK_EQ(sriov_read(&ops, 0, qemu_pf.rid, 0x120, &s), 0);
	CHECK_EQ(sriov_size_bars(&ops, 0, qemu_pf.rid, &s), -ERR_BUSY);
}

static void test_enable_qemu_pf(void)
{
	struct sriov_enable_req req;
	struct pci_cfg_ops ops;
	struct sriov_info s;
	char msg[200];
	uint16_t rid;
	struct fake f;

	setup_qemu(&f, &ops);
	req = (struct sriov_enable_req){.seg = 0,
					.rid = qemu_pf.rid,
					.pos = 0x120,
					.num_vfs = 1,
					.ari_forwarding = false,
					.bus_max = 0xff,
					.delay_us = fake_delay,
					.delay_ctx = &f};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "");
	/* VF Enable was on: cleared and waited 1 s, so NumVFs took the new
	 * value; then the 100 ms before any VF is touched. */
	CHECK_EQ(f.num_vfs_writes_ignored, 0);
	CHECK_EQ(f.ndelays, 2);
	CHECK_EQ(f.delays[0], 1000000);
	CHECK_EQ(f.delays[1], 100000);
	CHECK_EQ(s.num_vfs, 1);
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_NUM_VFS, 2), 1);
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_CTRL, 2),
		 SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE);
	CHECK_EQ(s.sys_pgsz, 1);
	CHECK_EQ(s.vf_bar[0].size, 16 * 1024);
	CHECK_EQ(s.vf_bar[0].addr, 0x100000000ull); /* restored after sizing */
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_VF_BAR0, 4), 0x4);
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_VF_BAR0 + 4, 4), 1);
	CHECK_EQ(sriov_vf_rid(qemu_pf.rid, s.offset, s.stride, 0, &rid), 0);
	CHECK_EQ(rid, pci_rid(0, 3, 1));

	/* Two VFs, starting from VF Enable off: no 1 s wait. */
	f.ndelays = 0;
	req.num_vfs = 2;
	sriov_disable(&ops, &req);
	CHECK_EQ(f.ndelays, 1);
	f.ndelays = 0;
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_EQ(f.ndelays, 1);
	CHECK_EQ(f.delays[0], 100000);
	CHECK_EQ(sriov_vf_bar_addr(&s, 0, 1), 0x100004000ull);
	CHECK_EQ(sriov_vf_rid(qemu_pf.rid, s.offset, s.stride, 1, &rid), 0);
	CHECK_EQ(rid, pci_rid(0, 3, 2));

	/* More than TotalVFs. */
	req.num_vfs = 3;
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), -ERR_RANGE);
	CHECK_STR(msg, "0000:00:03.0: asks 3 VFs, the function offers 2 (TotalVFs)");
}

static void test_unassigned_bar(void)
{
	struct sriov_enable_req req;
	struct pci_cfg_ops ops;
	struct sriov_info s;
	char msg[200];
	struct fake f;

	setup_qemu(&f, &ops);
	/* Firmware that left the VF BAR empty. */
	memset(&qemu_pf.cfg[0x120 + SRIOV_VF_BAR0], 0, 8);
	qemu_pf.cfg[0x120 + SRIOV_VF_BAR0] = 0x4;
	req = (struct sriov_enable_req){.rid = qemu_pf.rid,
					.pos = 0x120,
					.num_vfs = 2,
					.bus_max = 0xff,
					.delay_us = fake_delay,
					.delay_ctx = &f};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), -ERR_NOTSUP);
	CHECK_STR(msg, "0000:00:03.0: VF BAR0 (64-bit, 16 KiB per VF) is unassigned: firmware "
		       "left it empty");
	/* Nothing was switched on. */
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_CTRL, 2) & SRIOV_CTRL_VFE, 0);
}

/* A place hook that puts each empty VF BAR at a fixed address (or fails),
 * recording what it was asked. */
struct placer {
	uint64_t at;
	int rc;
	unsigned calls, nvfs;
	uint64_t size;
};

static int place_at(void *ctx, struct sriov_info *s, unsigned nvfs, char *msg, size_t msgsize)
{
	struct placer *p = ctx;

	p->calls++;
	p->nvfs = nvfs;
	if (p->rc) {
		snprintf(msg, msgsize, "no room");
		return p->rc;
	}
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (s->vf_bar[i].size && !s->vf_bar[i].addr) {
			p->size = s->vf_bar[i].size;
			s->vf_bar[i].addr = p->at;
		}
	return 0;
}

static void test_unassigned_bar_placed(void)
{
	struct placer pl = {.at = 0xc0100000};
	struct sriov_enable_req req;
	struct pci_cfg_ops ops;
	struct sriov_info s;
	char msg[200];
	struct fake f;

	setup_qemu(&f, &ops);
	memset(&qemu_pf.cfg[0x120 + SRIOV_VF_BAR0], 0, 8);
	qemu_pf.cfg[0x120 + SRIOV_VF_BAR0] = 0x4;
	req = (struct sriov_enable_req){.rid = qemu_pf.rid,
					.pos = 0x120,
					.num_vfs = 2,
					.bus_max = 0xff,
					.delay_us = fake_delay,
					.delay_ctx = &f,
					.place = place_at,
					.place_ctx = &pl};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_EQ(pl.calls, 1);
	CHECK_EQ(pl.nvfs, 2);
	CHECK_EQ(pl.size, 16 * 1024);
	/* Written to the capability, read back, used for the VFs. */
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_VF_BAR0, 4), 0xc0100004u);
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_VF_BAR0 + 4, 4), 0);
	CHECK_EQ(s.vf_bar[0].addr, 0xc0100000u);
	CHECK_EQ(sriov_vf_bar_addr(&s, 0, 1), 0xc0104000u);
	CHECK(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_CTRL, 2) & SRIOV_CTRL_VFE);

	/* A hook that finds no room: its reason, nothing enabled. */
	setup_qemu(&f, &ops);
	memset(&qemu_pf.cfg[0x120 + SRIOV_VF_BAR0], 0, 8);
	qemu_pf.cfg[0x120 + SRIOV_VF_BAR0] = 0x4;
	pl = (struct placer){.rc = -ERR_NOSPC};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), -ERR_NOSPC);
	CHECK_STR(msg, "no room");
	CHECK_EQ(fake_read(&f, 0, qemu_pf.rid, 0x120 + SRIOV_CTRL, 2) & SRIOV_CTRL_VFE, 0);

	/* A BAR firmware assigned is not handed to the hook. */
	setup_qemu(&f, &ops);
	pl = (struct placer){.at = 0xc0100000};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_EQ(pl.calls, 0);
}

/* A PF at 02:00.0 with 8 VFs at most whose First VF Offset grows with
 * NumVFs (0xf0 + 2 x NumVFs) and stride 4: with 4 VFs they are 02:1f.0,
 * 02:1f.4, 03:00.0 and 03:00.4. A 32-bit VF BAR0 of 8 KiB, a 64-bit
 * prefetchable VF BAR2 of 1 MiB, and only 8 KiB and 64 KiB pages. */
static struct fake_fn synth_pf;

static void setup_synth(struct fake *f, struct pci_cfg_ops *ops)
{
	uint8_t *cap;

	memset(f, 0, sizeof(*f));
	memset(&synth_pf, 0, sizeof(synth_pf));
	synth_pf.rid = pci_rid(2, 0, 0);
	synth_pf.pos = 0x160;
	synth_pf.off_base = 0xf0;
	synth_pf.off_per_vf = 2;
	synth_pf.stride = 4;
	synth_pf.bar_size[0] = 8 * 1024;
	synth_pf.bar_size[2] = 1024 * 1024;
	put(&synth_pf.cfg[0], 4, 0xabcd8086);
	cap = &synth_pf.cfg[0x160];
	put(cap, 4, PCI_ECAP_ID_SRIOV | 1u << 16);
	put(cap + SRIOV_INITIAL_VFS, 2, 8);
	put(cap + SRIOV_TOTAL_VFS, 2, 8);
	put(cap + SRIOV_VF_DEVICE, 2, 0xabce);
	put(cap + SRIOV_SUP_PGSZ, 4, 0x12);
	put(cap + SRIOV_SYS_PGSZ, 4, 0x2);
	put(cap + SRIOV_VF_BAR0, 4, 0xc0000000u);
	put(cap + SRIOV_VF_BAR0 + 8, 4, 0x0000000cu); /* 64-bit prefetchable */
	put(cap + SRIOV_VF_BAR0 + 12, 4, 0x00000040u);
	f->fn[f->nfn++] = &synth_pf;
	*ops = (struct pci_cfg_ops){fake_read, fake_write, f};
}

static void test_synth_bus_crossing(void)
{
	static const uint16_t want[] = {0x02f8, 0x02fc, 0x0300, 0x0304};
	struct sriov_enable_req req;
	struct pci_cfg_ops ops;
	struct sriov_info s;
	char msg[200];
	struct fake f;

	setup_synth(&f, &ops);
	CHECK_EQ(sriov_read(&ops, 0, synth_pf.rid, 0x160, &s), 0);
	CHECK_EQ(s.offset, 0xf0); /* with NumVFs 0: not what 4 VFs get */
	req = (struct sriov_enable_req){.rid = synth_pf.rid,
					.pos = 0x160,
					.num_vfs = 4,
					.ari_forwarding = true,
					.bus_max = 3,
					.delay_us = fake_delay,
					.delay_ctx = &f};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "");
	CHECK_EQ(s.offset, 0xf8);
	CHECK_EQ(s.stride, 4);
	for (unsigned i = 0; i < 4; i++) {
		uint16_t rid = 0;

		CHECK_EQ(sriov_vf_rid(synth_pf.rid, s.offset, s.stride, i, &rid), 0);
		CHECK_EQ(rid, want[i]);
	}
	/* ARI Capable Hierarchy set under a port that forwards ARI. */
	CHECK_EQ(fake_read(&f, 0, synth_pf.rid, 0x160 + SRIOV_CTRL, 2),
		 SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE | SRIOV_CTRL_ARI);
	CHECK_EQ(s.sys_pgsz, 0x2); /* 8 KiB: 4 KiB is not supported */
	CHECK(!s.vf_bar[0].is_64);
	CHECK_EQ(s.vf_bar[0].size, 8 * 1024);
	CHECK_EQ(s.vf_bar[0].addr, 0xc0000000u);
	CHECK(s.vf_bar[2].is_64 && s.vf_bar[2].prefetch);
	CHECK_EQ(s.vf_bar[2].size, 1024 * 1024);
	CHECK_EQ(s.vf_bar[2].addr, 0x4000000000ull);
	CHECK_EQ(s.vf_bar[3].size, 0);
	CHECK_EQ(sriov_vf_bar_addr(&s, 2, 3), 0x4000300000ull);
	CHECK_EQ(sriov_vf_bar_addr(&s, 0, 3), 0xc0006000u);

	/* The same VFs behind a bridge that forwards bus 2 only. */
	req.bus_max = 2;
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), -ERR_RANGE);
	CHECK_STR(msg, "0000:02:00.0: VF 4 would be 03:00.4, on a bus past 02 that the upstream "
		       "bridge forwards");
	CHECK_EQ(fake_read(&f, 0, synth_pf.rid, 0x160 + SRIOV_CTRL, 2) & SRIOV_CTRL_VFE, 0);
	CHECK_EQ(fake_read(&f, 0, synth_pf.rid, 0x160 + SRIOV_NUM_VFS, 2), 0);

	/* Without ARI forwarding the ARI bit is cleared again. */
	req.bus_max = 3;
	req.ari_forwarding = false;
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_EQ(fake_read(&f, 0, synth_pf.rid, 0x160 + SRIOV_CTRL, 2) & SRIOV_CTRL_ARI, 0);
}

static void test_synth_bar_checks(void)
{
	struct pci_cfg_ops ops;
	struct sriov_info s;
	char msg[200];
	struct fake f;

	setup_synth(&f, &ops);
	CHECK_EQ(sriov_read(&ops, 0, synth_pf.rid, 0x160, &s), 0);
	CHECK_EQ(sriov_size_bars(&ops, 0, synth_pf.rid, &s), 0);
	CHECK_EQ(sriov_check_bars(&s, 0, synth_pf.rid, 8, msg, sizeof(msg)), 0);
	/* A 32-bit window that would run past 4 GiB. */
	s.vf_bar[0].addr = 0xfffff000u - 0x2000u * 3;
	s.vf_bar[0].addr &= ~0x1fffull;
	CHECK_EQ(sriov_check_bars(&s, 0, synth_pf.rid, 8, msg, sizeof(msg)), -ERR_RANGE);
	CHECK_STR(msg, "0000:02:00.0: VF BAR0 at 0xffff8000 cannot hold 8 VFs of 8 KiB each");
	CHECK_EQ(sriov_check_bars(&s, 0, synth_pf.rid, 4, msg, sizeof(msg)), 0);
	/* Misaligned. */
	s.vf_bar[0].addr = 0xc0001000u;
	CHECK_EQ(sriov_check_bars(&s, 0, synth_pf.rid, 1, msg, sizeof(msg)), -ERR_RANGE);
	CHECK_STR(msg, "0000:02:00.0: VF BAR0 at 0xc0001000 is not aligned to its per-VF size "
		       "8 KiB");
}

/* A PF reset clears the VF BARs; they are written back as read before. */
static void test_restore_after_reset(void)
{
	struct sriov_enable_req req;
	struct pci_cfg_ops ops;
	struct sriov_info before, s;
	char msg[200];
	struct fake f;

	setup_synth(&f, &ops);
	CHECK_EQ(sriov_read(&ops, 0, synth_pf.rid, 0x160, &before), 0);
	memset(&synth_pf.cfg[0x160 + SRIOV_VF_BAR0], 0, 24);
	synth_pf.cfg[0x160 + SRIOV_VF_BAR0 + 8] = 0xc; /* type bits are read-only */
	req = (struct sriov_enable_req){.rid = synth_pf.rid,
					.pos = 0x160,
					.num_vfs = 2,
					.bus_max = 0xff,
					.delay_us = fake_delay,
					.delay_ctx = &f};
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), -ERR_NOTSUP);
	sriov_restore_bars(&ops, 0, synth_pf.rid, &before);
	CHECK_EQ(sriov_enable(&ops, &req, &s, msg, sizeof(msg)), 0);
	CHECK_EQ(s.vf_bar[0].addr, 0xc0000000u);
	CHECK_EQ(s.vf_bar[2].addr, 0x4000000000ull);
	CHECK(s.vf_bar[2].is_64 && s.vf_bar[2].prefetch);
}

static void test_rid_math(void)
{
	uint16_t rid = 0;

	CHECK_EQ(sriov_vf_rid(0x00ff, 1, 1, 0, &rid), 0);
	CHECK_EQ(rid, 0x0100);
	CHECK_EQ(sriov_vf_rid(0xff00, 0x80, 2, 63, &rid), 0);
	CHECK_EQ(rid, 0xfffe);
	CHECK_EQ(sriov_vf_rid(0xff00, 0x80, 2, 64, &rid), -ERR_RANGE);
	CHECK_EQ(sriov_pick_page_size(0x553), 1);
	CHECK_EQ(sriov_pick_page_size(0x10), 0x10);
	CHECK_EQ(sriov_pick_page_size(0), 0);
}

static void test_ari_forwarding(void)
{
	static struct fake_fn port;
	struct pci_cfg_ops ops;
	struct fake f;

	memset(&f, 0, sizeof(f));
	memset(&port, 0, sizeof(port));
	port.rid = pci_rid(0, 1, 0);
	put(&port.cfg[0x40 + PCIE_DEVCTL2], 2, 0x0020);
	f.fn[f.nfn++] = &port;
	ops = (struct pci_cfg_ops){fake_read, fake_write, &f};
	CHECK(sriov_port_ari_forwarding(&ops, 0, port.rid, 0x40));
	CHECK(!sriov_port_ari_forwarding(&ops, 0, port.rid, 0));
	put(&port.cfg[0x40 + PCIE_DEVCTL2], 2, 0x0000);
	CHECK(!sriov_port_ari_forwarding(&ops, 0, port.rid, 0x40));
	/* A missing port reads all ones. */
	CHECK(!sriov_port_ari_forwarding(&ops, 0, pci_rid(0, 2, 0), 0x40));
}

CHECK_MAIN(test_read_qemu_pf, test_enable_qemu_pf, test_unassigned_bar, test_unassigned_bar_placed,
	   test_synth_bus_crossing, test_synth_bar_checks, test_restore_after_reset, test_rid_math,
	   test_ari_forwarding)
