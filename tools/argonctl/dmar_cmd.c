/* argonctl dmar [FILE]: the DMAR table decoded by argon's own parser
 * (iommu/vtd/dmar.c): remapping units with their device scopes, reserved
 * memory regions, ATS root ports, and each unit's capabilities where Linux
 * shows its registers. */
#include <string.h>

#include "iommu/vtd/vtd_hw.h"
#include "tools/argonctl/argonctl.h"

static void print_scopes(const struct dmar_info *d, uint16_t seg, unsigned first, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		const struct dmar_scope *s = &d->scopes[first + k];
		uint16_t rid;

		printf("      %-11s", dmar_scope_type_name(s->type));
		if (s->type == DMAR_SCOPE_IOAPIC || s->type == DMAR_SCOPE_HPET ||
		    s->type == DMAR_SCOPE_ACPI)
			printf(" id %u,", s->id);
		printf(" bus %02x path", s->bus);
		for (unsigned h = 0; h < s->depth; h++)
			printf(" %02x.%u", s->path[h] >> 3, s->path[h] & 7);
		/* Through the bridges, where the machine's functions are known. */
		if ((s->type == DMAR_SCOPE_ENDPOINT || s->type == DMAR_SCOPE_BRIDGE) &&
		    !machine_scope_rid(s, seg, &rid))
			printf(" = %04x:%02x:%02x.%u", seg, rid >> 8, (rid >> 3) & 31, rid & 7);
		printf("\n");
	}
}

static void print_caps(unsigned u)
{
	uint64_t cap = mach.unit_cap[u], ecap = mach.unit_ecap[u];
	char why[160];

	printf("    cap 0x%016llx ecap 0x%016llx: SAGAW 0x%x, MGAW %u, %u domains, %u fault "
	       "records, queued invalidation %s, interrupt remapping %s, x2APIC ids %s, "
	       "coherent walks %s\n",
	       (unsigned long long)cap, (unsigned long long)ecap, (unsigned)VTD_CAP_SAGAW(cap),
	       (unsigned)VTD_CAP_MGAW(cap), 1u << (4 + 2 * (unsigned)VTD_CAP_ND(cap)),
	       (unsigned)VTD_CAP_NFR(cap), ecap & VTD_ECAP_QI ? "yes" : "NO",
	       ecap & VTD_ECAP_IR ? "yes" : "NO", ecap & VTD_ECAP_EIM ? "yes" : "NO",
	       ecap & VTD_ECAP_C ? "yes" : "no");
	if (vtd_unit_check(cap, ecap, why, sizeof(why)))
		printf("    argon cannot use it: %s\n", why);
	else
		printf("    argon can use it\n");
}

int cmd_dmar(const struct source_opts *o, const char *file)
{
	struct source_opts so = *o;
	const struct dmar_info *d = &mach.dmar;

	if (file)
		so.dmar = file;
	if (machine_load(&so))
		return 2;
	if (!mach.have_dmar) {
		fprintf(stderr, "argonctl: %s\n", mach.iommu_why);
		return 1;
	}
	printf("DMAR %s: host address width %u bits, flags 0x%x (interrupt remapping %s, "
	       "x2APIC opt-out %s, DMA control opt-in %s)\n",
	       mach.dmar_from, d->haw, d->flags, d->flags & DMAR_F_INTR_REMAP ? "yes" : "no",
	       d->flags & DMAR_F_X2APIC_OPT_OUT ? "yes" : "no",
	       d->flags & DMAR_F_DMA_CTRL_OPT_IN ? "yes" : "no");
	for (unsigned u = 0; u < d->nunits; u++) {
		const struct dmar_unit *x = &d->units[u];

		printf("  unit %u at 0x%llx, segment %04x, %u page(s) of registers%s", u,
		       (unsigned long long)x->base, x->segment, 1u << x->size_log2,
		       x->include_all ? ", every function not listed elsewhere (INCLUDE_PCI_ALL)"
				      : "");
		if (x->has_node)
			printf(", proximity domain %u", x->node);
		printf("\n");
		print_scopes(d, x->segment, x->scope_first, x->nscopes);
		if (mach.unit_regs[u])
			print_caps(u);
		else
			printf("    capabilities: not readable here (Linux shows them in "
			       "/sys/class/iommu/dmar*/intel-iommu when its VT-d driver runs)\n");
	}
	for (unsigned i = 0; i < d->nrmrrs; i++) {
		const struct dmar_rmrr *r = &d->rmrrs[i];

		printf("  reserved region (RMRR) 0x%llx-0x%llx, segment %04x: firmware keeps DMA "
		       "there; argon keeps these functions from guests\n",
		       (unsigned long long)r->base, (unsigned long long)r->limit, r->segment);
		if (mach.dmar_live && mach.have_memmap &&
		    dmar_rmrr_in_ram(mach.memmap, r->base, r->limit))
			printf("    it lies in RAM: argon blocks the device's DMA there\n");
		print_scopes(d, r->segment, r->scope_first, r->nscopes);
	}
	for (unsigned i = 0; i < d->natsrs; i++) {
		const struct dmar_atsr *a = &d->atsrs[i];

		printf("  ATS root ports (ATSR), segment %04x%s\n", a->segment,
		       a->all_ports ? ", all ports" : "");
		print_scopes(d, a->segment, a->scope_first, a->nscopes);
	}
	if (mach.iommu_why[0])
		printf("argon would not use the IOMMU: %s\n", mach.iommu_why);
	return 0;
}
