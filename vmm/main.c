/* The core: from the boot entry's hand-over to running guests. */
#include "iommu/iommu.h"
#include "lib/bits.h"
#include "lib/cmdline.h"
#include "lib/config.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "nvme/nvme_pf.h"
#include "sriov/pf_driver.h"
#include "sriov/pci.h"
#include "vmm/config_check.h"
#include "vmm/boot_info.h"
#include "vmm/console.h"
#include "vmm/host/cpu.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu_tables.h"
#include "vmm/cpuid_policy.h"
#include "vmm/guest.h"
#include "vmm/host/host_acpi.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/panic.h"
#include "vmm/host/smp.h"
#include "vmm/host/tsc.h"
#include "vmm/vcpu.h"
#include "vmm/dev/vrtc.h"
#include "vmm/vmx/vmx.h"
#include "vmm/x86.h"

static struct argon_config config;
static struct config_diags diags;
static struct guest guests[ARGON_MAX_GUESTS];
static bool have_pci; /* the machine's functions were enumerated */

static const char *file_problem(void *ctx, const char *name)
{
	const struct boot_file *f = boot_find_file(ctx, name);

	if (!f)
		return "not loaded";
	return f->data ? NULL : err_str(f->err);
}

/* What the file alone cannot tell: do the CPUs, the files, the memory and
 * the PCI functions exist on this machine? Runs on whatever parsed, so
 * that a file with syntax errors still gets these reported too. */
static void check_against_machine(const struct boot_info *bi)
{
	static struct config_cpu_core cores[MAX_CPUS];
	struct config_machine m = {
		.ncpus = pcpu_count,
		.cores = cores,
		.max_guest_cpus = GUEST_MAX_VCPUS,
		.free_bytes = mem_free_bytes(),
		.dir = bi->config_dir,
		.file_problem = file_problem,
		.ctx = (void *)bi,
		.pci = have_pci ? pci_host() : NULL,
		.covers = iommu_covers,
	};

	for (unsigned i = 0; i < pcpu_count; i++)
		cores[i] = (struct config_cpu_core){pcpus[i].socket, pcpus[i].core};
	config_check_machine(&config, &m, &diags);
}

static void print_diags(const struct boot_info *bi)
{
	char buf[CONFIG_MSG_MAX + 64];
	const char *file = BOOT_CONFIG_NAME;

	for (unsigned i = 0; i < diags.count; i++) {
		config_diag_format(buf, sizeof(buf), file, &diags.d[i]);
		log_raw("%s\n", buf);
	}
	if (diags.dropped)
		log_raw("%s: %u more errors not shown\n", file, diags.dropped);
}

/* Only CPUs that a guest (or, below, the console) uses are started for
 * work: the others are parked (smp_park_unused). Returns how many besides
 * the boot CPU. */
static unsigned mark_wanted_cpus(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < config.nguests; i++) {
		for (unsigned c = 0; c < config.guests[i].ncpus; c++) {
			struct pcpu *cpu = &pcpus[config.guests[i].cpus[c]];

			if (!cpu->wanted && cpu->index != boot_cpu_index())
				n++;
			cpu->wanted = true;
		}
	}
	return n;
}

/* The console CPU: the boot CPU if no guest has it, else the first CPU
 * that no guest has; none when guests have them all. */
static struct pcpu *pick_console_cpu(void)
{
	if (!pcpus[boot_cpu_index()].wanted)
		return &pcpus[boot_cpu_index()];
	for (unsigned i = 0; i < pcpu_count; i++)
		if (!pcpus[i].wanted)
			return &pcpus[i];
	return NULL;
}

static bool all_guests_finished(void)
{
	for (unsigned i = 0; i < config.nguests; i++)
		if (guests[i].vcpu_count && !__atomic_load_n(&guests[i].finished, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* Every guest has stopped and the console CPU has finished what they left
 * it (their VFs' controllers offline): the machine may go down. */
static bool machine_done(void)
{
	return all_guests_finished() && !sriov_pf_busy();
}

static bool guest_cpus_online(const struct argon_guest_config *g)
{
	for (unsigned c = 0; c < g->ncpus; c++) {
		if (!pcpus[g->cpus[c]].online) {
			pr_err("guest '%s': CPU %u did not come up\n", g->name, g->cpus[c]);
			return false;
		}
	}
	return true;
}

static void idle(const struct boot_info *bi) __attribute__((noreturn));

static void idle(const struct boot_info *bi)
{
	nvme_pf_shutdown();
	if (config.on_idle == ARGON_IDLE_HALT) {
		pr_info("no guest running; halting (on_idle = \"halt\")\n");
		console_drain();
		halt_forever();
	}
	console_drain();
	machine_power_off(bi);
}

static int load_config(const struct boot_info *bi)
{
	const struct boot_file *f = &bi->files[0];
	int err;

	if (!bi->file_count || !f->data) {
		pr_err("cannot read %s%s: %s\n", bi->config_dir, BOOT_CONFIG_NAME,
		       err_str(bi->file_count ? f->err : -ERR_NOENT));
		return -ERR_NOENT;
	}
	err = config_parse(f->data, f->size, &config, &diags);
	check_against_machine(bi);
	if (err || diags.count) {
		print_diags(bi);
		pr_err("%s has errors; no guest started\n", BOOT_CONFIG_NAME);
		return -ERR_INVAL;
	}
	log_set_level((enum log_level)config.log);
	return 0;
}

/* The PFs that argon drives create their VFs before any guest starts. A
 * PF that fails is reported and left alone; the others carry on. */
static void sriov_pfs_setup(void)
{
	static struct nvme_pf_result results[ARGON_MAX_NVME];

	for (unsigned i = 0; i < config.nnvme; i++) {
		const struct argon_nvme_config *n = &config.nvme[i];
		char table[CONFIG_NAME_MAX + 8];

		fmt_snprintf(table, sizeof(table), "[nvme.%s]", n->name);
		if (nvme_pf_setup(n, &results[i]) ||
		    sriov_pf_register(pci_find(n->pf.seg, n->pf.rid), &nvme_pf_driver, table,
				      n->vfs))
			pr_err("%s: no VF set up\n", table);
	}
	for (unsigned i = 0; i < config.nsriov; i++)
		if (sriov_pf_setup(&config.sriov[i]))
			pr_err("[sriov.%s]: no VF set up\n", config.sriov[i].name);
}

void core_main(struct boot_info *bi)
{
	struct pcpu *console = NULL;
	unsigned started = 0, others;
	bool have_x2apic;
	int err;

	console_init();
	if (bi->magic != BOOT_INFO_MAGIC)
		panic("bad boot_info magic\n");
	cpu_tables_load(cpu_tables_boot());
	cpu_features_init();
	log_raw("\n");
	pr_info("core starting (loader %s)\n", bi->loader);
	/* Where argon itself is: tests aim a device's DMA at it. */
	pr_info("image at 0x%llx, %llu KiB\n", (unsigned long long)bi->image_base,
		(unsigned long long)(bi->image_size >> 10));
	mem_init(bi);
	err = host_paging_init(bi);
	if (err)
		panic("cannot build host page tables: %s\n", err_str(err));
	mem_reclaim_boot(bi);
	tsc_calibrate_khz();
	host_rtc_init();
	err = host_cpus_discover(bi);
	if (err < 0) {
		pr_err("cannot take this machine's CPUs as the MADT lists them (%s); no guest "
		       "started\n",
		       err_str(err));
		idle(bi);
	}
	this_cpu()->tables = cpu_tables_boot();
	pr_info("%u CPU(s), boot CPU %u, %llu MiB free, TSC %llu kHz\n", pcpu_count,
		boot_cpu_index(), (unsigned long long)(mem_free_bytes() / MiB),
		(unsigned long long)tsc_khz);
	host_cpus_print();
	/* Before the config is checked: it names functions by address. */
	have_pci = pci_init(bi) == 0;
	/* Before any guest exists and before the configuration is checked
	 * against the machine (which functions an IOMMU covers). From here on
	 * only attached functions reach memory. */
	iommu_init(bi);

	if (load_config(bi))
		idle(bi);
	sriov_pfs_setup();
	cmdline_get(bi->cmdline, "vmx.break_entry", vmx_break_entry, sizeof(vmx_break_entry));
	err = vcpu_backend_select();
	cpu_policy_init();
	if (err) {
		pr_err("this CPU has neither SVM with nested paging nor VMX with EPT; no guest "
		       "started\n");
		idle(bi);
	}
	have_x2apic = x2apic_enable();
	if (!have_x2apic)
		pr_warn("no x2APIC: guests run on the boot CPU only\n");
	else
		interrupts_quiesce(true);
	err = vcpu_ops->cpu_enable(this_cpu());
	if (err) {
		pr_err("cannot enable %s on CPU %u: %s\n", vcpu_ops->name, this_cpu()->index,
		       err_str(err));
		idle(bi);
	}
	this_cpu()->online = true;
	pr_info("backend %s enabled on CPU %u\n", vcpu_ops->name, this_cpu()->index);
	others = mark_wanted_cpus();
	console = pick_console_cpu();
	if (console) {
		console->console = true;
		sriov_pf_set_worker(true);
		console_set_work(sriov_pf_work);
		pr_info("console on CPU %u\n", console->index);
		if (console->index != boot_cpu_index()) {
			console->wanted = true;
			others++;
		}
	} else {
		pr_info("every CPU runs a guest: no console CPU, so no console input, and guest "
			"output moves only when a guest uses its UART\n");
	}
	if (others) {
		unsigned up = smp_start_aps();

		pr_info("%u of %u other CPU(s) up\n", up, others);
	}
	if (have_x2apic) {
		unsigned parked = smp_park_unused();

		if (parked)
			pr_info("%u unused CPU(s) parked in argon's halt loop\n", parked);
	}

	for (unsigned i = 0; i < config.nguests; i++) {
		if (!guest_cpus_online(&config.guests[i]) ||
		    guest_create(&guests[i], i, &config.guests[i], bi)) {
			pr_err("guest '%s' not started\n", config.guests[i].name);
			continue;
		}
		pr_info("starting guest '%s'\n", guests[i].name);
		started++;
	}
	smp_release();
	if (this_cpu()->vcpu)
		guest_vcpu_main(this_cpu()->vcpu);
	if (this_cpu()->console) {
		if (vcpu_ops->host_intr_window)
			vcpu_ops->host_intr_window(true);
		console_serve(machine_done);
	}
	while (!machine_done())
		cpu_relax();
	pr_info("all guests stopped (%u started)\n", started);
	idle(bi);
}
