#include "vmm/host/cpu.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "vmm/host/cpu_topo.h"
#include "vmm/host/host_acpi.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

static struct pcpu boot_pcpu;
struct pcpu *pcpus = &boot_pcpu;
unsigned pcpu_count = 1;
static unsigned boot_cpu;
static struct cpu_topo topo;

static uint32_t current_apic_id(void)
{
	/* CPUID.1:EBX[31:24] holds the initial APIC id; leaf 0xB has all 32
	 * bits where x2APIC ids exceed 255. */
	if (cpuid(0, 0).eax >= 0xB && cpuid(0xB, 0).ebx)
		return cpuid(0xB, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}

/* The boot CPU's entry: only its own start-up code (vmm/main.c) asks;
 * other CPUs are handed their struct pcpu when they start (vmm/host/smp.c). */
struct pcpu *this_cpu(void)
{
	return &pcpus[boot_cpu];
}

static void host_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	struct cpuid_regs c = cpuid(leaf, subleaf);

	(void)ctx;
	r[0] = c.eax;
	r[1] = c.ebx;
	r[2] = c.ecx;
	r[3] = c.edx;
}

#define PAGES_FOR(bytes) (ALIGN_UP((bytes), PAGE_SIZE) / PAGE_SIZE)
#define MADT_BUF_PAGES PAGES_FOR(MAX_CPUS * sizeof(struct acpi_cpu))

/* The MADT's processors into cpus[]: the count, or a negative code with
 * the reason logged. *found says whether there is a MADT. */
static int read_madt(const struct boot_info *bi, struct acpi_cpu *cpus, bool *found)
{
	uint64_t madt;
	int n, err;

	*found = false;
	err = bi->rsdp_pa ? acpi_find_table(&host_acpi_mem, bi->rsdp_pa, "APIC", &madt)
			  : -ERR_NOENT;
	if (err == -ERR_NOENT) {
		pr_warn("no MADT: this machine lists no other CPUs; running on the boot CPU "
			"alone\n");
		return 0;
	}
	if (err) {
		pr_err("cannot read the MADT: %s\n", err_str(err));
		return err;
	}
	*found = true;
	n = acpi_madt_cpus(&host_acpi_mem, madt, cpus, MAX_CPUS);
	if (n == -ERR_NOSPC)
		pr_err("the MADT lists more than %u CPUs, more than argon supports\n", MAX_CPUS);
	else if (n < 0)
		pr_err("cannot read the MADT at 0x%llx: %s\n", (unsigned long long)madt,
		       err_str(n));
	return n;
}

/* Only enabled CPUs get an index (and a struct pcpu). */
static unsigned count_enabled(const struct acpi_cpu *cpus, int n)
{
	unsigned k = 0;

	for (int i = 0; i < n; i++)
		k += cpus[i].enabled;
	return k;
}

int host_cpus_discover(const struct boot_info *bi)
{
	struct acpi_cpu *cpus = pages_alloc(MADT_BUF_PAGES);
	uint32_t me = current_apic_id();
	struct pcpu *table;
	unsigned count;
	bool have_madt;
	int n;

	cpu_topo_detect(host_cpuid, NULL, &topo);
	/* Until the MADT says otherwise, the boot CPU is all there is. */
	boot_pcpu = (struct pcpu){.index = 0, .apic_id = me, .present = true};
	if (!cpus)
		return trace_err(-ERR_NOMEM);
	n = read_madt(bi, cpus, &have_madt);
	count = n > 0 ? count_enabled(cpus, n) : 0;
	table = count ? pages_alloc(PAGES_FOR(count * sizeof(*table))) : NULL;
	if (count && !table)
		n = trace_err(-ERR_NOMEM);
	for (unsigned i = 0, k = 0; table && i < (unsigned)n; i++) {
		if (!cpus[i].enabled)
			continue;
		table[k] = (struct pcpu){.index = k, .apic_id = cpus[i].apic_id, .present = true};
		if (table[k].apic_id == me)
			boot_cpu = k;
		k++;
	}
	pages_free(cpus, MADT_BUF_PAGES);
	if (have_madt && n >= 0 && (!table || table[boot_cpu].apic_id != me)) {
		pr_err("the MADT does not list the boot CPU (APIC id %u)\n", me);
		pages_free(table, PAGES_FOR(count * sizeof(*table)));
		table = NULL;
		n = -ERR_INVAL;
	}
	if (table) {
		pcpus = table;
		pcpu_count = count;
	}
	for (unsigned i = 0; i < pcpu_count; i++) {
		struct cpu_place p = cpu_topo_place(&topo, pcpus[i].apic_id);

		pcpus[i].socket = p.socket;
		pcpus[i].core = p.core;
		pcpus[i].thread = p.thread;
	}
	return n < 0 ? n : (int)pcpu_count;
}

#define TABLE_PER_LINE 8

/* One line per TABLE_PER_LINE CPUs, "INDEX=APICID/SOCKET.CORE.THREAD"
 * each (docs/cpus.md): 128 lines for 1024 CPUs. */
void host_cpus_print(void)
{
	char line[448];

	pr_info("CPU topology from %s: APIC id = socket << %u | core << %u | thread\n", topo.source,
		topo.pkg_shift, topo.smt_bits);
	pr_info("CPU table, INDEX=APICID/SOCKET.CORE.THREAD:\n");
	for (unsigned first = 0; first < pcpu_count; first += TABLE_PER_LINE) {
		unsigned last = first + TABLE_PER_LINE < pcpu_count ? first + TABLE_PER_LINE - 1
								    : pcpu_count - 1;
		size_t n = (size_t)fmt_snprintf(line, sizeof(line), "cpus %u-%u:", first, last);

		for (unsigned i = first; i <= last && n < sizeof(line); i++) {
			const struct pcpu *c = &pcpus[i];

			n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " %u=%u/%u.%u.%u", i,
						  c->apic_id, c->socket, c->core, c->thread);
		}
		pr_info("%s\n", line);
	}
}

unsigned boot_cpu_index(void)
{
	return boot_cpu;
}

#define CPUID_1_ECX_XSAVE (1u << 26)

void cpu_features_init(void)
{
	/* XSETBV, which argon executes for a guest on VMX, needs OSXSAVE in
	 * argon's own CR4. */
	if (cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
}
