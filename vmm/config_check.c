#include "vmm/config_check.h"

#include "sriov/pci_check.h"

#define MiB (1ULL << 20)

/* The kernel or initrd named at at: reported when it cannot be read. */
static unsigned check_file(const struct config_machine *m, const char *what, const char *name,
			   struct config_pos at, struct config_diags *diags)
{
	const char *why;

	if (!name[0])
		return 0;
	why = m->file_problem(m->ctx, name);
	if (!why)
		return 0;
	config_diag_add(diags, at, "cannot read %s '%s%s': %s", what, m->dir, name, why);
	return 1;
}

unsigned config_check_machine(const struct argon_config *cfg, const struct config_machine *m,
			      struct config_diags *diags)
{
	uint64_t need = 0;
	unsigned found;

	/* Hyperthreads of one core share its caches and predictors: two
	 * guests there could read each other through them. */
	found = config_check_smt(cfg, m->cores, m->ncpus, diags);
	for (unsigned i = 0; i < cfg->nguests; i++) {
		const struct argon_guest_config *g = &cfg->guests[i];

		for (unsigned c = 0; c < g->ncpus; c++) {
			if (g->cpus[c] >= m->ncpus) {
				config_diag_add(
					diags, g->cpus_at[c],
					"CPU %u does not exist (this machine has CPUs 0-%u)",
					g->cpus[c], m->ncpus - 1);
				found++;
			} else if (c >= m->max_guest_cpus) {
				config_diag_add(diags, g->cpus_at[c], "a guest has at most %u CPUs",
						m->max_guest_cpus);
				found++;
			}
		}
		found += check_file(m, "kernel", g->kernel, g->kernel_at, diags);
		found += check_file(m, "initrd", g->initrd, g->initrd_at, diags);
		/* Reported once, at the guest that no longer fits. */
		if (g->memory && need <= m->free_bytes && need + g->memory > m->free_bytes) {
			config_diag_add(
				diags, g->memory_at,
				"guests up to '%s' need %llu MiB of RAM, but %llu MiB are free",
				g->name, (unsigned long long)((need + g->memory) / MiB),
				(unsigned long long)(m->free_bytes / MiB));
			found++;
		}
		need += g->memory;
	}
	/* The functions named in devices: exist, endpoints, resettable,
	 * their DMA told apart from other guests' and confined by an IOMMU;
	 * then the PFs that [nvme.NAME] and [sriov.NAME] tables drive. */
	found += pci_check_assignments(cfg, m->pci, m->covers, diags);
	found += pci_check_nvme_pfs(cfg, m->pci, diags);
	found += pci_check_sriov_pfs(cfg, m->pci, config_console_cpu_left(cfg, m->ncpus), diags);
	return found;
}

bool config_console_cpu_left(const struct argon_config *cfg, unsigned ncpus)
{
	for (unsigned i = 0; i < ncpus; i++) {
		bool used = false;

		for (unsigned g = 0; g < cfg->nguests && !used; g++)
			for (unsigned c = 0; c < cfg->guests[g].ncpus && !used; c++)
				used = cfg->guests[g].cpus[c] == i;
		if (!used)
			return true;
	}
	return false;
}
