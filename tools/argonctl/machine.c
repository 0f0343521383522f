/* The machine as argon would find it at boot, read through libpci (this
 * machine's sysfs, or an `lspci -xxxx` dump through libpci's dump access
 * method), the ACPI DMAR, and sysfs for CPUs and memory.
 *
 * argon's own enumeration (sriov/pci.c) runs on it unchanged. It sizes BARs
 * by writing all ones, and turns ACS on in the ports that offer it; here
 * nothing is ever written to a device: writes land in a shadow copy of the
 * function's configuration space, and a BAR holding all ones in the shadow
 * reads back the size mask of the size Linux found (sysfs). So argon's
 * checks see the ports as argon leaves them, on a machine argonctl only
 * reads. */
#include <cpuid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/argonctl/argonctl.h"
#include "tools/argonctl/libpci_glue.h"
#include "iommu/vtd/vtd_hw.h"
#include "lib/err.h"
#include "sriov/pci_regs.h"
#include "sriov/sriov.h"
#include "vmm/boot_info.h"
#include "vmm/host/cpu_topo.h"

struct machine mach;

#define CFG_SIZE LP_CFG_SIZE

/* One function as libpci shows it, with the shadow of argon's writes. */
struct hfn {
	uint16_t seg, rid;
	unsigned len; /* configuration bytes readable: 256 or 4096 (0: none) */
	uint8_t cfg[CFG_SIZE];
	uint8_t shadow[CFG_SIZE];
	uint8_t written[CFG_SIZE / 8];
	uint64_t size[PCI_NUM_BARS];	 /* as Linux sized them, 0: unknown */
	uint64_t iov_size[PCI_NUM_BARS]; /* per VF */
};

static struct hfn *fns;
static unsigned nfns;
static const char *sysfs = "/sys";

static struct hfn *hfn_find(uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; i < nfns; i++)
		if (fns[i].seg == seg && fns[i].rid == rid)
			return &fns[i];
	return NULL;
}

static uint8_t byte_at(const struct hfn *h, unsigned off)
{
	if (h->written[off / 8] & (1u << (off % 8)))
		return h->shadow[off];
	return off < h->len ? h->cfg[off] : 0xff;
}

static uint32_t orig32(const struct hfn *h, unsigned off)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)(off + i < h->len ? h->cfg[off + i] : 0xff) << (8 * i);
	return v;
}

/* The mask a BAR register at off reads after all ones were written to it,
 * from the sizes known; the flag bits of the original value stay. */
static uint32_t size_mask(const struct hfn *h, unsigned first, const uint64_t *sizes,
			  unsigned nbars, unsigned off)
{
	unsigned idx = (off - first) / 4;
	uint32_t lo;

	/* Which BAR the register belongs to: a 64-bit BAR takes two. */
	for (unsigned i = 0; i < nbars; i++) {
		lo = orig32(h, first + 4 * i);
		bool is64 = !(lo & PCI_BAR_IO) && ((lo >> 1) & 3) == 2;

		if (i == idx) {
			uint64_t mask = sizes[i] ? ~(sizes[i] - 1) : 0;

			if (lo & PCI_BAR_IO)
				return ((uint32_t)mask & PCI_BAR_IO_ADDR_MASK) | (lo & 3);
			return ((uint32_t)mask & PCI_BAR_MEM_ADDR_MASK) | (lo & 0xf);
		}
		if (is64 && i + 1 == idx)
			return sizes[i] ? (uint32_t)(~(sizes[i] - 1) >> 32) : 0;
		if (is64)
			i++;
	}
	return 0;
}

static uint32_t hread(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size)
{
	const struct hfn *h = hfn_find(seg, rid);
	uint8_t hdr;
	uint32_t v = 0;

	(void)ctx;
	if (!h || off + size > CFG_SIZE)
		return 0xffffffffu;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)byte_at(h, off + i) << (8 * i);
	if (size != 4 || v != 0xffffffffu || !(h->written[off / 8] & (1u << (off % 8))))
		return v;
	/* A BAR being sized. */
	hdr = h->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * (hdr == PCI_HEADER_NORMAL ? 6 : 2))
		return size_mask(h, PCI_BAR0, h->size, hdr == PCI_HEADER_NORMAL ? 6 : 2, off);
	for (unsigned pos = PCI_ECAP_FIRST, n = 0; pos && n < 64; n++) {
		uint32_t ehdr = orig32(h, pos);

		if (pos + 4 > h->len || ehdr == 0 || ehdr == 0xffffffffu)
			break;
		if (PCI_ECAP_ID(ehdr) == PCI_ECAP_ID_SRIOV && off >= pos + SRIOV_VF_BAR0 &&
		    off < pos + SRIOV_VF_BAR0 + 24)
			return size_mask(h, pos + SRIOV_VF_BAR0, h->iov_size, 6, off);
		pos = (uint16_t)PCI_ECAP_NEXT(ehdr);
		if (pos < PCI_ECAP_FIRST)
			break;
	}
	return v;
}

static void hwrite(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size, uint32_t val)
{
	struct hfn *h = hfn_find(seg, rid);

	(void)ctx;
	if (!h || off + size > CFG_SIZE)
		return;
	for (unsigned i = 0; i < size; i++) {
		h->shadow[off + i] = (uint8_t)(val >> (8 * i));
		h->written[(off + i) / 8] |= (uint8_t)(1u << ((off + i) % 8));
	}
}

static const struct pci_cfg_ops host_cfg = {.read = hread, .write = hwrite};

/* Per-VF sizes of a PF's VF BARs: sysfs lists them as resources 7-12
 * (the whole window of TotalVFs). */
static void read_iov_sizes(struct hfn *h)
{
	char path[512], line[256];
	uint16_t pos = pci_find_ecap(&host_cfg, h->seg, h->rid, PCI_ECAP_ID_SRIOV);
	unsigned total, i = 0;
	FILE *f;

	if (!pos)
		return;
	total = (unsigned)hread(NULL, h->seg, h->rid, (uint16_t)(pos + SRIOV_TOTAL_VFS), 2);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%04x:%02x:%02x.%x/resource", sysfs, h->seg,
		 h->rid >> 8, (h->rid >> 3) & 31, h->rid & 7);
	f = fopen(path, "r");
	if (!f || !total)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, flags;

		if (i >= 7 && i < 7 + PCI_NUM_BARS &&
		    sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3 && end > start)
			h->iov_size[i - 7] = (end - start + 1) / total;
		i++;
	}
out:
	if (f)
		fclose(f);
}

static unsigned cap_fns;

static void add_fn(void *ctx, const struct lp_func *lf)
{
	struct hfn *h;

	(void)ctx;
	if (nfns == cap_fns) {
		struct hfn *n = realloc(fns, (cap_fns + 64) * sizeof(*fns));

		if (!n)
			return;
		fns = n;
		cap_fns += 64;
	}
	h = &fns[nfns++];
	memset(h, 0, sizeof(*h));
	h->seg = lf->seg;
	h->rid = pci_rid(lf->bus, lf->dev, lf->fn);
	h->len = lf->len;
	memcpy(h->cfg, lf->cfg, sizeof(h->cfg));
	memcpy(h->size, lf->size, sizeof(h->size));
}

static int load_functions(const struct source_opts *o)
{
	if (lp_scan(o->pci_dump, add_fn, NULL))
		return -1;
	for (unsigned i = 0; i < nfns && !o->pci_dump; i++)
		read_iov_sizes(&fns[i]);
	return 0;
}

int machine_sriov(const struct pci_func *pf, struct sriov_info *sr)
{
	const struct hfn *h = hfn_find(pf->seg, pf->rid);

	if (!pf->ecap_sriov || sriov_read(&host_cfg, pf->seg, pf->rid, pf->ecap_sriov, sr))
		return -1;
	for (unsigned b = 0; h && b < PCI_NUM_BARS; b++)
		sr->vf_bar[b].size = h->iov_size[b];
	return 0;
}

/* VFs the PFs have enabled, appended to the table as argon does for the
 * VFs it creates (pci_vf_fill). */
static void add_vfs(void)
{
	unsigned n = mach.bus.count;

	for (unsigned i = 0; i < n; i++) {
		const struct pci_func *pf = &mach.bus.f[i];
		struct sriov_info sr;

		if (machine_sriov(pf, &sr) || !(sr.ctrl & SRIOV_CTRL_VFE))
			continue;
		for (unsigned v = 0; v < sr.num_vfs && mach.bus.count < PCI_MAX_FUNCS; v++) {
			uint16_t rid;

			if (sriov_vf_rid(pf->rid, sr.offset, sr.stride, v, &rid))
				break;
			if (!pci_vf_fill(&host_cfg, pf, (int)i, rid, v + 1, sr.vf_device, sr.vf_bar,
					 &mach.bus.f[mach.bus.count]))
				mach.bus.count++;
		}
	}
}

static int dmar_read8(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	uint16_t rid = (uint16_t)(bus << 8 | devfn);

	(void)ctx;
	if (!hfn_find(seg, rid))
		return -1;
	return (int)hread(NULL, seg, rid, off, 1);
}

static const struct dmar_cfg dmar_cfg = {.read8 = dmar_read8};

int machine_scope_rid(const struct dmar_scope *s, uint16_t seg, uint16_t *rid)
{
	return dmar_scope_rid(s, seg, mach.have_pci ? &dmar_cfg : NULL, rid);
}

bool machine_scope_covers(const struct dmar_scope *s, uint16_t seg, uint16_t rid)
{
	return dmar_scope_covers(s, seg, rid, mach.have_pci ? &dmar_cfg : NULL);
}

int machine_unit_for(uint16_t seg, uint16_t rid)
{
	int u;

	if (!mach.have_dmar || mach.iommu_why[0])
		return -1;
	u = dmar_unit_for(&mach.dmar, seg, rid, &dmar_cfg);
	return u < 0 ? -1 : u;
}

bool machine_covers(uint16_t seg, uint16_t rid)
{
	return machine_unit_for(seg, rid) >= 0;
}

/* cap and ecap of each unit, from Linux's intel-iommu sysfs files. */
static void read_unit_regs(void)
{
	char path[512], buf[64];
	DIR *dir;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/class/iommu", sysfs);
	dir = opendir(path);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		unsigned long long addr = 0, cap = 0, ecap = 0;
		FILE *f;
		bool ok = true;
		const char *names[3] = {"address", "cap", "ecap"};
		unsigned long long *vals[3] = {&addr, &cap, &ecap};

		if (strncmp(e->d_name, "dmar", 4) != 0)
			continue;
		for (unsigned k = 0; k < 3 && ok; k++) {
			snprintf(path, sizeof(path), "%s/class/iommu/%s/intel-iommu/%s", sysfs,
				 e->d_name, names[k]);
			f = fopen(path, "r");
			ok = f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%llx", vals[k]) == 1;
			if (f)
				fclose(f);
		}
		for (unsigned u = 0; ok && u < mach.dmar.nunits; u++) {
			if (mach.dmar.units[u].base != addr)
				continue;
			mach.unit_regs[u] = true;
			mach.unit_cap[u] = cap;
			mach.unit_ecap[u] = ecap;
		}
	}
	closedir(dir);
}

static void load_dmar(const struct source_opts *o)
{
	char path[512];
	const char *file = o->dmar;
	uint8_t *t;
	size_t len;
	int err;

	if (!file && o->pci_dump) {
		snprintf(mach.iommu_why, sizeof(mach.iommu_why),
			 "no DMAR given with --pci-dump (--dmar FILE)");
		return;
	}
	if (!file) {
		snprintf(path, sizeof(path), "%s/firmware/acpi/tables/DMAR", sysfs);
		file = path;
	}
	snprintf(mach.dmar_from, sizeof(mach.dmar_from), "%s", file);
	t = read_table(file, &len);
	if (!t) {
		snprintf(mach.iommu_why, sizeof(mach.iommu_why), "no DMAR table (%s: %s)", file,
			 strerror(errno));
		return;
	}
	err = dmar_parse(t, len, &mach.dmar);
	free(t);
	if (err) {
		snprintf(mach.iommu_why, sizeof(mach.iommu_why), "DMAR unusable: %s",
			 mach.dmar.why);
		return;
	}
	mach.have_dmar = true;
	mach.dmar_live = !o->dmar;
	if (mach.dmar_live)
		read_unit_regs();
	/* argon brings every unit up or none (iommu_init). */
	for (unsigned u = 0; u < mach.dmar.nunits; u++) {
		char why[160];

		if (mach.unit_regs[u] &&
		    vtd_unit_check(mach.unit_cap[u], mach.unit_ecap[u], why, sizeof(why))) {
			snprintf(mach.iommu_why, sizeof(mach.iommu_why),
				 "VT-d unit %u at 0x%llx %s", u,
				 (unsigned long long)mach.dmar.units[u].base, why);
			return;
		}
	}
}

static void host_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	(void)ctx;
	__cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
}

/* CPU i's socket and core as argon computes them at boot: its APIC id
 * (Linux's /proc/cpuinfo) split by the CPUID topology leaves
 * (vmm/host/cpu_topo.c). Linux numbers CPUs in the MADT's order, as argon
 * does. */
static void load_cpus(const struct source_opts *o)
{
	char path[512], line[256];
	struct cpu_topo topo;
	FILE *f;
	int cpu = -1;

	if (o->cpus > 0) {
		unsigned t = o->threads > 0 ? (unsigned)o->threads : 1;

		mach.ncpus = (unsigned)o->cpus;
		for (unsigned i = 0; i < mach.ncpus && i < 1024; i++)
			mach.cores[i] = (struct config_cpu_core){0, i / t};
		return;
	}
	cpu_topo_detect(host_cpuid, NULL, &topo);
	snprintf(path, sizeof(path), "%s/../proc/cpuinfo", sysfs);
	f = fopen(strcmp(sysfs, "/sys") ? path : "/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned v;

		if (sscanf(line, "processor : %u", &v) == 1)
			cpu = v < 1024 ? (int)v : -1;
		else if (cpu >= 0 && sscanf(line, "apicid : %u", &v) == 1) {
			struct cpu_place p = cpu_topo_place(&topo, v);

			mach.cores[cpu] = (struct config_cpu_core){p.socket, p.core};
			if ((unsigned)cpu + 1 > mach.ncpus)
				mach.ncpus = (unsigned)cpu + 1;
		}
	}
	if (f)
		fclose(f);
}

/* The firmware's memory map as Linux received it (/sys/firmware/memmap):
 * what argon takes as RAM. */
static void load_memory(const struct source_opts *o)
{
	static struct boot_info bi;
	char path[512], type[64];

	mach.memmap = &bi;
	if (o->memory) {
		mach.ram_bytes = o->memory;
		return;
	}
	for (unsigned i = 0; i < 4096; i++) {
		unsigned long long start, end;
		FILE *f;
		bool ok;

		snprintf(path, sizeof(path), "%s/firmware/memmap/%u/type", sysfs, i);
		f = fopen(path, "r");
		if (!f)
			break;
		ok = fgets(type, sizeof(type), f) != NULL;
		fclose(f);
		snprintf(path, sizeof(path), "%s/firmware/memmap/%u/start", sysfs, i);
		f = fopen(path, "r");
		ok = ok && f && fscanf(f, "%llx", &start) == 1;
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "%s/firmware/memmap/%u/end", sysfs, i);
		f = fopen(path, "r");
		ok = ok && f && fscanf(f, "%llx", &end) == 1;
		if (f)
			fclose(f);
		if (!ok || strncmp(type, "System RAM", 10) != 0 || end < start)
			continue;
		mach.ram_bytes += end - start + 1;
		mach.have_memmap = true;
		if (bi.mem_count < BOOT_MAX_MEM_RANGES)
			bi.mem[bi.mem_count++] = (struct boot_mem_range){
				.base = start, .size = end - start + 1, .type = BOOT_MEM_USABLE};
	}
}

/* What argon keeps of the RAM for itself before it checks the config: its
 * image, page tables, per-CPU stacks and the IOMMU's tables. Measured on
 * the rig (docs/argonctl.md); on a real server the margin is the same
 * order. */
#define ARGON_RESERVE (40ULL << 20)

uint64_t machine_free_bytes(void)
{
	return mach.ram_bytes > ARGON_RESERVE ? mach.ram_bytes - ARGON_RESERVE : 0;
}

int machine_load(const struct source_opts *o)
{
	struct pci_segment segs[16];
	unsigned nsegs = 0;

	if (o->sysfs)
		sysfs = o->sysfs;
	mach.live = !o->pci_dump;
	mach.bar_sizes = !o->pci_dump;
	if (load_functions(o))
		return -1;
	for (unsigned i = 0; i < nfns; i++) {
		bool seen = false;

		for (unsigned s = 0; s < nsegs; s++)
			seen = seen || segs[s].seg == fns[i].seg;
		if (!seen && nsegs < 16)
			segs[nsegs++] = (struct pci_segment){fns[i].seg, 0, 255};
	}
	if (nfns && !pci_enumerate(&host_cfg, segs, nsegs, &mach.bus)) {
		mach.have_pci = true;
		/* As argon does at boot before it checks the config. */
		pci_enable_acs(&mach.bus);
		mach.nphys = mach.bus.count;
		add_vfs();
	}
	load_dmar(o);
	load_cpus(o);
	load_memory(o);
	return 0;
}

const char *machine_names(const struct pci_func *f, char *buf, size_t size)
{
	return lp_names(f->vendor, f->device, buf, size);
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (!got)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* An `xxd` line: "00000000: 444d 4152 ...  DMAR..." */
static size_t xxd_line(const char *line, uint8_t *out)
{
	const char *p = strchr(line, ':');
	size_t n = 0;

	if (!p)
		return 0;
	p++;
	/* Hex groups end at two spaces (the ASCII column follows). */
	while (*p && !(p[0] == ' ' && p[1] == ' ')) {
		if (isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
			char hex[3] = {p[0], p[1], 0};

			out[n++] = (uint8_t)strtoul(hex, NULL, 16);
			p += 2;
		} else {
			p++;
		}
	}
	return n;
}

uint8_t *read_table(const char *path, size_t *len)
{
	size_t n;
	char *text = read_file(path, &n);
	uint8_t *out;
	size_t olen = 0;

	if (!text)
		return NULL;
	/* Binary tables start with their signature; xxd dumps with offsets. */
	if (n < 10 || strncmp(text, "00000000:", 9) != 0) {
		*len = n;
		return (uint8_t *)text;
	}
	out = malloc(n);
	if (!out) {
		free(text);
		return NULL;
	}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		olen += xxd_line(line, out + olen);
	free(text);
	*len = olen;
	return out;
}
