/* argonctl check argon.conf: argon's own parser (lib/config.c) and argon's
 * own checks against the machine (vmm/config_check.c), on this machine or
 * on captured data; then what argon asks of each NVMe PF it drives, through
 * argon's own planner (nvme/nvme_plan.c) where nvme-cli can read the
 * controller. Errors print as argon prints them at boot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/argonctl/argonctl.h"
#include "lib/err.h"
#include "sriov/pci_check.h"
#include "sriov/pci_regs.h"
#include "sriov/sriov.h"
#include "tools/argonctl/check.h"
#include "tools/argonctl/nvme_cli.h"
#include "vmm/config_check.h"
#include "vmm/guest.h"

static char conf_dir[4096];

static const char *file_problem(void *ctx, const char *name)
{
	char path[8192];
	struct stat st;
	FILE *f;

	(void)ctx;
	snprintf(path, sizeof(path), "%s%s", conf_dir, name);
	errno = 0;
	if (!stat(path, &st) && S_ISREG(st.st_mode) && (f = fopen(path, "rb"))) {
		fclose(f);
		return NULL;
	}
	/* In the words of argon's loader (lib/err.c). */
	return err_str(errno == ENOENT || errno == ENOTDIR || !errno ? -ERR_NOENT : -ERR_IO);
}

/* [nvme.NAME] against what the controller reports, as argon plans it at
 * boot. Reported at the pf key. Returns how many it reported. */
static unsigned check_nvme(const struct argon_config *cfg, const char *sysfs, bool no_cli,
			   struct config_diags *diags)
{
	static struct nvme_survey nv;
	static struct nvme_plan plan;
	unsigned found = 0;

	for (unsigned i = 0; i < cfg->nnvme; i++) {
		const struct argon_nvme_config *n = &cfg->nvme[i];
		const struct pci_func *f = pci_bus_find(&mach.bus, n->pf.seg, n->pf.rid);
		char name[CONFIG_PCI_ADDR_LEN], msg[200];
		struct sriov_info sr;

		if (!f || f->class_code != PCI_CLASS_NVME || machine_sriov(f, &sr))
			continue; /* reported by the machine check */
		config_format_pci_addr(name, sizeof(name), n->pf);
		/* argon's SR-IOV enable refuses VF BARs firmware left empty or
		 * too small (sizes known only from Linux, not from a dump). */
		if (mach.bar_sizes &&
		    sriov_check_bars(&sr, f->seg, f->rid, n->vfs, msg, sizeof(msg))) {
			config_diag_add(diags, n->pf_at, "%s", msg);
			found++;
			continue;
		}
		if (!mach.live || no_cli) {
			fprintf(stderr,
				"argonctl: [nvme.%s]: %s's NVMe resources not checked (%s)\n",
				n->name, name, mach.live ? "--no-nvme-cli" : "offline");
			continue;
		}
		if (nvme_cli_survey(f, sysfs, &nv)) {
			fprintf(stderr,
				"argonctl: [nvme.%s]: %s's NVMe resources not checked: %s\n",
				n->name, name, nv.why);
			continue;
		}
		if (nvme_plan_make(&(struct nvme_plan_ctrl){.id = &nv.id,
							    .caps = &nv.caps,
							    .sec = nv.sec,
							    .nsec = nv.nsec,
							    .ns = nv.ns,
							    .nns = nv.nns,
							    .total_vfs = sr.total_vfs},
				   &(struct nvme_plan_ask){.pf = name,
							   .vfs = n->vfs,
							   .queues_per_vf = n->queues_per_vf,
							   .vectors_per_vf = n->vectors_per_vf,
							   .nsids = n->namespaces,
							   .nnsids = n->nnamespaces},
				   &plan, msg, sizeof(msg))) {
			config_diag_add(diags, n->pf_at, "%s", msg);
			found++;
		}
	}
	return found;
}

int check_config(const struct source_opts *o, const char *conf, bool machine_too, bool quiet)
{
	static struct argon_config cfg;
	static struct config_diags diags;
	const char *slash = strrchr(conf, '/');
	char *text;
	size_t len;
	int err;

	memset(&diags, 0, sizeof(diags));
	text = read_file(conf, &len);
	if (!text) {
		fprintf(stderr, "argonctl: cannot read %s: %s\n", conf, strerror(errno));
		return 2;
	}
	snprintf(conf_dir, sizeof(conf_dir), "%.*s", slash ? (int)(slash - conf + 1) : 0, conf);
	err = config_parse(text, len, &cfg, &diags);
	free(text);
	if (machine_too) {
		struct config_machine m = {
			.ncpus = mach.ncpus,
			.cores = mach.cores,
			.max_guest_cpus = GUEST_MAX_VCPUS,
			.free_bytes = machine_free_bytes(),
			.dir = conf_dir,
			.file_problem = file_problem,
			.pci = mach.have_pci ? &mach.bus : NULL,
			.covers = mach.have_dmar || mach.live ? machine_covers : NULL,
		};

		unsigned count = mach.bus.count;

		/* argon checks its config before it creates any VF. */
		mach.bus.count = mach.nphys;
		config_check_machine(&cfg, &m, &diags);
		mach.bus.count = count;
		check_nvme(&cfg, o->sysfs ? o->sysfs : "/sys", o->no_nvme_cli, &diags);
	} else {
		for (unsigned i = 0; i < cfg.nguests; i++) {
			const struct argon_guest_config *g = &cfg.guests[i];
			const char *why;

			if (g->kernel[0] && (why = file_problem(NULL, g->kernel)))
				config_diag_add(&diags, g->kernel_at,
						"cannot read kernel '%s%s': %s", conf_dir,
						g->kernel, why);
			if (g->initrd[0] && (why = file_problem(NULL, g->initrd)))
				config_diag_add(&diags, g->initrd_at,
						"cannot read initrd '%s%s': %s", conf_dir,
						g->initrd, why);
		}
	}
	for (unsigned i = 0; i < diags.count; i++) {
		char buf[CONFIG_MSG_MAX + 4200];

		config_diag_format(buf, sizeof(buf), conf, &diags.d[i]);
		printf("%s\n", buf);
	}
	if (diags.dropped)
		printf("%s: %u more errors not shown\n", conf, diags.dropped);
	if (err || diags.count) {
		if (!quiet)
			fprintf(stderr, "argonctl: %s has errors; argon would start no guest\n",
				conf);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "argonctl: %s: argon would start every guest (%u)\n", conf,
			cfg.nguests);
	return 0;
}

int cmd_check(const struct source_opts *o, const char *conf)
{
	if (machine_load(o))
		return 2;
	if (!mach.have_pci)
		fprintf(stderr, "argonctl: no PCI functions found%s\n",
			o->pci_dump ? " in the dump" : " (run as root?)");
	if (!mach.have_dmar)
		fprintf(stderr, "argonctl: IOMMU: %s\n", mach.iommu_why);
	return check_config(o, conf, true, false);
}

/* The parsed config, for install: the files it names. */
int check_parse_only(const char *conf, struct argon_config *cfg)
{
	char *text;
	size_t len;
	int err;

	text = read_file(conf, &len);
	if (!text)
		return -1;
	err = config_parse(text, len, cfg, NULL);
	free(text);
	return err;
}
