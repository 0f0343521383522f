#include "vmm/cpu.h"

#include "lib/err.h"
#include "vmm/host_acpi.h"
#include "vmm/log.h"
#include "vmm/x86.h"

struct pcpu pcpus[MAX_CPUS];
unsigned pcpu_count;
static unsigned boot_cpu;

static uint32_t current_apic_id(void)
{
	/* CPUID.1:EBX[31:24] holds the initial APIC id; leaf 0xB has all 32
	 * bits where x2APIC ids exceed 255. */
	if (cpuid(0, 0).eax >= 0xB && cpuid(0xB, 0).ebx)
		return cpuid(0xB, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}

/* The boot CPU's entry: only its own start-up code (vmm/main.c) asks;
 * other CPUs are handed their struct pcpu when they start (vmm/smp.c). */
struct pcpu *this_cpu(void)
{
	return &pcpus[boot_cpu];
}

int host_cpus_discover(const struct boot_info *bi)
{
	struct acpi_cpu cpus[MAX_CPUS];
	uint32_t me = current_apic_id();
	uint64_t madt;
	int n, err;

	err = bi->rsdp_pa ? acpi_find_table(&host_acpi_mem, bi->rsdp_pa, "APIC", &madt)
			  : -ERR_NOENT;
	n = err ? err : acpi_madt_cpus(&host_acpi_mem, madt, cpus, MAX_CPUS);
	if (n <= 0) {
		pr_warn("no usable MADT (%s); running on the boot CPU alone\n", err_str(n));
		cpus[0] = (struct acpi_cpu){.apic_id = me, .enabled = true};
		n = 1;
	}
	pcpu_count = 0;
	for (int i = 0; i < n; i++) {
		struct pcpu *c;

		if (!cpus[i].enabled)
			continue;
		c = &pcpus[pcpu_count];
		c->index = pcpu_count;
		c->apic_id = cpus[i].apic_id;
		c->present = true;
		if (c->apic_id == me)
			boot_cpu = pcpu_count;
		pcpu_count++;
	}
	return (int)pcpu_count;
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
