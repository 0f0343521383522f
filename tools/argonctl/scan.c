/* argonctl scan: every PCI function, what argon would make of it, and a
 * verdict. The verdict is argon's own boot check (sriov/pci_check.c) run
 * on a config that gives this one function to a guest, plus what argon
 * refuses when it creates the guest (an MSI-X table outside its BAR, a
 * function firmware keeps DMA to, an NVMe PF it cannot drive). */
#include <stdlib.h>
#include <string.h>

#include "tools/argonctl/argonctl.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "sriov/pci_check.h"
#include "sriov/pci_regs.h"
#include "sriov/pci_report.h"
#include "sriov/sriov.h"
#include "tools/argonctl/nvme_cli.h"
#include "vmm/dev/vmsix.h"

#define MAX_WHY 8

struct verdict {
	bool assignable;
	unsigned nwhy, nnotes;
	char why[MAX_WHY][CONFIG_MSG_MAX + 32];
	char notes[MAX_WHY][CONFIG_MSG_MAX + 32];
};

static void add(char (*list)[CONFIG_MSG_MAX + 32], unsigned *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(char (*list)[CONFIG_MSG_MAX + 32], unsigned *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= MAX_WHY)
		return;
	va_start(ap, fmt);
	vsnprintf(list[*n], sizeof(list[*n]), fmt, ap);
	va_end(ap);
	(*n)++;
}

static void add_diags(struct verdict *v, const struct config_diags *d)
{
	for (unsigned i = 0; i < d->count; i++)
		add(v->why, &v->nwhy, "%s", d->d[i].msg);
}

/* covers for argon's checks: NULL when the IOMMU cannot be judged. */
static bool (*covers_fn(void))(uint16_t, uint16_t)
{
	return mach.have_dmar || mach.live ? machine_covers : NULL;
}

static char pf_name[CONFIG_PCI_ADDR_LEN];

/* The [nvme.NAME] check argon makes of a VF's PF. */
static void check_vf_pf(const struct pci_func *pf, struct verdict *v)
{
	static struct argon_config cfg;
	static struct config_diags d;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	cfg.nnvme = 1;
	cfg.nvme[0].pf = (struct config_pci_addr){pf->seg, pf->rid};
	cfg.nvme[0].pf_at = (struct config_pos){1, 1};
	pci_check_nvme_pfs(&cfg, &mach.bus, &d);
	add_diags(v, &d);
}

static bool in_rmrr(const struct pci_func *f, uint64_t *base, uint64_t *limit)
{
	const struct dmar_info *dm = &mach.dmar;

	for (unsigned i = 0; mach.have_dmar && i < dm->nrmrrs; i++) {
		const struct dmar_rmrr *r = &dm->rmrrs[i];

		for (unsigned k = 0; k < r->nscopes; k++) {
			const struct dmar_scope *sc = &dm->scopes[r->scope_first + k];

			if (r->segment == f->seg && sc->type == DMAR_SCOPE_ENDPOINT &&
			    machine_scope_covers(sc, f->seg, f->rid)) {
				*base = r->base;
				*limit = r->limit;
				return true;
			}
		}
	}
	return false;
}

static void judge(const struct pci_func *f, struct verdict *v)
{
	static struct argon_config cfg;
	static struct config_diags d;
	struct pci_msix_info mi;
	uint64_t base, limit;
	unsigned count = mach.bus.count;
	struct sriov_info sr;
	char msg[200];

	memset(v, 0, sizeof(*v));
	memset(&d, 0, sizeof(d));
	if (f->is_vf) {
		/* A VF goes to a guest as "PF/vfN" of a PF argon drives. */
		const struct pci_func *pf = &mach.bus.f[f->pf];

		check_vf_pf(pf, v);
		if (pci_reset_method(mach.bus.cfg, f) == PCI_RESET_NONE)
			add(v->why, &v->nwhy, "VF cannot be reset (no FLR)");
		if (covers_fn() && !machine_covers(f->seg, f->rid))
			add(v->why, &v->nwhy, "no IOMMU covers it");
	} else {
		memset(&cfg, 0, sizeof(cfg));
		cfg.nguests = 1;
		str_copy(cfg.guests[0].name, "scan", sizeof(cfg.guests[0].name));
		cfg.guests[0].ndevices = 1;
		cfg.guests[0].devices[0] = (struct config_pci_addr){f->seg, f->rid};
		cfg.guests[0].devices_at[0] = (struct config_pos){1, 1};
		/* argon checks its config before it creates any VF. */
		mach.bus.count = mach.nphys;
		pci_check_assignments(&cfg, &mach.bus, covers_fn(), &d);
		mach.bus.count = count;
		add_diags(v, &d);
	}
	if (in_rmrr(f, &base, &limit))
		add(v->why, &v->nwhy,
		    "firmware keeps DMA to 0x%llx-0x%llx for it (RMRR): argon keeps it from "
		    "guests",
		    (unsigned long long)base, (unsigned long long)limit);
	if (pci_msix_read(mach.bus.cfg, f, &mi)) {
		const struct pci_bar *b =
			mi.table_bar < PCI_NUM_BARS ? &f->bar[mi.table_bar] : NULL;

		/* The same rule as argon's when it sets the guest up
		 * (vmm/dev/vpci_guest.c); BAR sizes are not in a dump. */
		if (mi.entries > VMSIX_MAX_ENTRIES || !b ||
		    (mach.bar_sizes && !pci_msix_in_bar(b->size, &mi)))
			add(v->why, &v->nwhy,
			    "its MSI-X table (BAR %u, offset 0x%x, %u entries) is not inside a "
			    "memory "
			    "BAR",
			    mi.table_bar, mi.table_off, mi.entries);
		else if (!pci_msix_alone(mach.bar_sizes ? b->size : ~0ULL, mi.table_bar,
					 mi.table_off, mi.entries, mi.pba_bar, mi.pba_off))
			add(v->notes, &v->nnotes,
			    "its MSI-X table shares a page with other registers: argon traps those "
			    "too");
	}
	if (!f->is_vf && mach.bar_sizes && !machine_sriov(f, &sr) &&
	    sriov_check_bars(&sr, f->seg, f->rid, sr.total_vfs, msg, sizeof(msg)))
		add(v->notes, &v->nnotes, "argon cannot create its VFs: %s", msg);
	if (!covers_fn())
		add(v->notes, &v->nnotes, "IOMMU coverage not checked: %s", mach.iommu_why);
	else if (mach.iommu_why[0])
		add(v->notes, &v->nnotes, "argon would not use the IOMMU: %s", mach.iommu_why);
	v->assignable = v->nwhy == 0;
}

/* ---- output ---- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void addr(char *buf, size_t size, uint16_t seg, uint16_t rid)
{
	config_format_pci_addr(buf, size, (struct config_pci_addr){seg, rid});
}

/* The port above f without ACS isolation once argon turned it on. */
/* What both outputs show of a function. */
struct facts {
	bool msix, sriov;
	struct pci_msix_info mi;
	struct sriov_info sr;
	const struct pci_func *gap; /* the port above without ACS, once argon turned it on */
	int unit;		    /* the IOMMU unit, -1: none */
	uint16_t dma_rid;
};

static void gather(const struct pci_func *f, struct facts *x)
{
	x->msix = pci_msix_read(mach.bus.cfg, f, &x->mi);
	x->sriov = !f->is_vf && !machine_sriov(f, &x->sr);
	x->gap = pci_port_without_acs(&mach.bus, f);
	x->dma_rid = pci_dma_rid(&mach.bus, f);
	x->unit = machine_unit_for(f->seg, x->dma_rid);
}

static void print_json(const struct pci_func *f, const struct verdict *v,
		       const struct nvme_survey *nv, bool nvme_tried)
{
	char a[CONFIG_PCI_ADDR_LEN], names[256];
	struct facts x;
	bool first = true;

	gather(f, &x);
	addr(a, sizeof(a), f->seg, f->rid);
	printf("{\"argonctl\":\"function\",\"host\":\"%s\",", a);
	if (f->is_vf) {
		addr(pf_name, sizeof(pf_name), f->seg, mach.bus.f[f->pf].rid);
		printf("\"pf\":\"%s\",\"vf\":%u,", pf_name, f->vf_num);
	} else {
		printf("\"pf\":null,\"vf\":null,");
	}
	printf("\"vendor\":\"%04x\",\"device\":\"%04x\",\"class\":\"%06x\",\"kind\":\"%s\","
	       "\"name\":",
	       f->vendor, f->device, f->class_code, pci_class_name(f->class_code));
	json_str(machine_names(f, names, sizeof(names)));
	printf(",\"bars\":[");
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (!f->bar[i].size || f->bar[i].is_io)
			continue;
		printf("%s{\"bar\":%u,\"host\":\"0x%llx\",\"size\":%llu,\"64bit\":%s,"
		       "\"prefetch\":%s}",
		       first ? "" : ",", i, (unsigned long long)f->bar[i].addr,
		       (unsigned long long)f->bar[i].size, f->bar[i].is_64 ? "true" : "false",
		       f->bar[i].prefetch ? "true" : "false");
		first = false;
	}
	printf("],");
	if (x.msix)
		printf("\"msix\":{\"entries\":%u,\"bar\":%u,\"offset\":%u,\"pba_bar\":%u,"
		       "\"pba_offset\":%u,\"alone_on_page\":%s},",
		       x.mi.entries, x.mi.table_bar, x.mi.table_off, x.mi.pba_bar, x.mi.pba_off,
		       pci_msix_alone(mach.bar_sizes && x.mi.table_bar < PCI_NUM_BARS
					      ? f->bar[x.mi.table_bar].size
					      : ~0ULL,
				      x.mi.table_bar, x.mi.table_off, x.mi.entries, x.mi.pba_bar,
				      x.mi.pba_off)
			       ? "true"
			       : "false");
	else
		printf("\"msix\":null,");
	printf("\"flr\":%s,\"reset\":\"%s\",", f->flr ? "true" : "false",
	       pci_reset_method_name(pci_reset_method(mach.bus.cfg, f)));
	if (x.sriov)
		printf("\"sriov\":{\"total_vfs\":%u,\"num_vfs\":%u,\"enabled\":%s,\"vf_device\":"
		       "\"%04x\",\"offset\":%u,\"stride\":%u},",
		       x.sr.total_vfs, x.sr.num_vfs, x.sr.ctrl & SRIOV_CTRL_VFE ? "true" : "false",
		       x.sr.vf_device, x.sr.offset, x.sr.stride);
	else
		printf("\"sriov\":null,");
	addr(a, sizeof(a), f->seg, x.dma_rid);
	printf("\"dma_rid\":\"%s\",", a);
	if (x.gap) {
		addr(a, sizeof(a), x.gap->seg, x.gap->rid);
		printf("\"acs_gap\":\"%s\",", a);
	} else {
		printf("\"acs_gap\":null,");
	}
	if (x.unit >= 0)
		printf("\"iommu\":{\"unit\":%d,\"base\":\"0x%llx\"},", x.unit,
		       (unsigned long long)mach.dmar.units[x.unit].base);
	else
		printf("\"iommu\":null,");
	if (nv && nv->ok)
		printf("\"nvme\":{\"dev\":\"%s\",\"cntlid\":%u,\"oacs\":%u,\"virt_mgmt\":%s,"
		       "\"ns_mgmt\":%s,\"vqfrt\":%u,\"vqfrsm\":%u,\"vifrt\":%u,\"vifrsm\":%u,"
		       "\"secondaries\":%u,\"namespaces\":%u},",
		       nv->dev, nv->id.cntlid, nv->id.oacs,
		       nv->id.oacs & NVME_OACS_VIRT_MGMT ? "true" : "false",
		       nv->id.oacs & NVME_OACS_NS_MGMT ? "true" : "false", nv->caps.vqfrt,
		       nv->caps.vqfrsm, nv->caps.vifrt, nv->caps.vifrsm, nv->nsec, nv->nns);
	else if (nvme_tried)
		printf("\"nvme\":{\"unknown\":\"%s\"},", nv->why);
	else
		printf("\"nvme\":null,");
	printf("\"assignable\":%s,\"why\":[", v->assignable ? "true" : "false");
	for (unsigned i = 0; i < v->nwhy; i++) {
		printf(i ? "," : "");
		json_str(v->why[i]);
	}
	printf("],\"notes\":[");
	for (unsigned i = 0; i < v->nnotes; i++) {
		printf(i ? "," : "");
		json_str(v->notes[i]);
	}
	printf("]}\n");
}

static void print_human(const struct pci_func *f, const struct verdict *v,
			const struct nvme_survey *nv, bool nvme_tried)
{
	char a[CONFIG_PCI_ADDR_LEN], names[256];
	struct facts x;

	gather(f, &x);
	addr(a, sizeof(a), f->seg, f->rid);
	printf("%s  %04x:%04x  %06x %-12s %s\n", a, f->vendor, f->device, f->class_code,
	       pci_class_name(f->class_code), machine_names(f, names, sizeof(names)));
	printf("    ");
	if (f->is_vf) {
		addr(pf_name, sizeof(pf_name), f->seg, mach.bus.f[f->pf].rid);
		printf("VF %u of %s, ", f->vf_num, pf_name);
	}
	printf("reset %s", pci_reset_method_name(pci_reset_method(mach.bus.cfg, f)));
	if (x.msix)
		printf(", MSI-X %u in BAR%u at 0x%x (PBA BAR%u at 0x%x)", x.mi.entries,
		       x.mi.table_bar, x.mi.table_off, x.mi.pba_bar, x.mi.pba_off);
	if (x.unit >= 0)
		printf(", IOMMU unit %d at 0x%llx", x.unit,
		       (unsigned long long)mach.dmar.units[x.unit].base);
	else
		printf(", no IOMMU unit");
	if (x.gap) {
		addr(a, sizeof(a), x.gap->seg, x.gap->rid);
		printf(", port %s without ACS above it", a);
	}
	if (x.dma_rid != f->rid) {
		addr(a, sizeof(a), f->seg, x.dma_rid);
		printf(", DMA as %s", a);
	}
	printf("\n");
	if (x.sriov) {
		printf("    SR-IOV: %u of %u VFs%s, VF device %04x, offset %u, stride %u, VF BARs",
		       x.sr.num_vfs, x.sr.total_vfs, x.sr.ctrl & SRIOV_CTRL_VFE ? " enabled" : "",
		       x.sr.vf_device, x.sr.offset, x.sr.stride);
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			if (x.sr.vf_bar[i].addr || x.sr.vf_bar[i].is_64)
				printf(" %u:0x%llx", i, (unsigned long long)x.sr.vf_bar[i].addr);
		printf("\n");
	}
	if (nv && nv->ok)
		printf("    NVMe %s: controller %u, virtualization management %s, namespace "
		       "management %s; queues %u (at most %u per VF), vectors %u (at most %u), "
		       "%u secondary controllers, %u namespaces\n",
		       nv->dev, nv->id.cntlid, nv->id.oacs & NVME_OACS_VIRT_MGMT ? "yes" : "NO",
		       nv->id.oacs & NVME_OACS_NS_MGMT ? "yes" : "NO", nv->caps.vqfrt,
		       nv->caps.vqfrsm, nv->caps.vifrt, nv->caps.vifrsm, nv->nsec, nv->nns);
	else if (nvme_tried)
		printf("    NVMe virtualization management unknown: %s\n", nv->why);
	if (v->assignable)
		printf("    assignable%s\n", f->is_vf ? " (as PF/vfN of an [nvme.NAME] PF)" : "");
	for (unsigned i = 0; i < v->nwhy; i++)
		printf("    NOT assignable: %s\n", v->why[i]);
	for (unsigned i = 0; i < v->nnotes; i++)
		printf("    note: %s\n", v->notes[i]);
}

int cmd_scan(const struct source_opts *o, bool json)
{
	static struct verdict v;
	static struct nvme_survey nv;
	unsigned assignable = 0;

	if (machine_load(o))
		return 2;
	if (!mach.have_pci) {
		fprintf(stderr, "argonctl: no PCI functions found%s\n",
			o->pci_dump ? " in the dump" : " (run as root?)");
		return 2;
	}
	for (unsigned i = 0; i < mach.bus.count; i++) {
		const struct pci_func *f = &mach.bus.f[i];
		bool tried = f->class_code == PCI_CLASS_NVME && !f->is_vf && mach.live &&
			     !o->no_nvme_cli;

		judge(f, &v);
		if (tried)
			nvme_cli_survey(f, o->sysfs ? o->sysfs : "/sys", &nv);
		if (json)
			print_json(f, &v, tried ? &nv : NULL, tried);
		else
			print_human(f, &v, tried ? &nv : NULL, tried);
		assignable += v.assignable;
	}
	if (!json)
		printf("%u function(s), %u assignable by argon; IOMMU: %s\n", mach.bus.count,
		       assignable,
		       mach.iommu_why[0] ? mach.iommu_why
		       : mach.have_dmar	 ? "VT-d, from the DMAR"
					 : "none");
	return 0;
}
