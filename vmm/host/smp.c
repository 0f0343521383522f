#include "vmm/host/smp.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "vmm/host/apic.h"
#include "vmm/console.h"
#include "vmm/host/cpu_tables.h"
#include "vmm/guest.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/host/tsc.h"
#include "vmm/vcpu.h"
#include "vmm/x86.h"

#define AP_STACK_PAGES 4
/* A parked CPU only loads its tables and halts; the extra page is for the
 * exception report should a fault reach it. */
#define PARK_STACK_PAGES 2
#define AP_START_TIMEOUT_US 200000

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];
extern uint8_t ap_tr_gdt_ptr[], ap_tr_pm32_jump[], ap_tr_cr3[], ap_tr_cr3_64[], ap_tr_cr0[],
	ap_tr_cr4[], ap_tr_efer[], ap_tr_stack[], ap_tr_entry[], ap_tr_arg[];

static volatile int released;

void udelay(uint64_t us)
{
	uint64_t start = rdtsc(), cycles = tsc_khz ? us * tsc_khz / 1000 : us * 3000;

	while (rdtsc() - start < cycles)
		cpu_relax();
}

static void patch32(uint8_t *page, const uint8_t *slot, uint64_t val)
{
	uint32_t v = (uint32_t)val;

	memcpy(page + (slot - ap_trampoline_start), &v, sizeof(v));
}

static uint32_t orig32(const uint8_t *slot)
{
	uint32_t v;

	memcpy(&v, slot, sizeof(v));
	return v;
}

static void patch64(uint8_t *page, const uint8_t *slot, uint64_t val)
{
	memcpy(page + (slot - ap_trampoline_start), &val, sizeof(val));
}

static void ap_main(struct pcpu *cpu) __attribute__((noreturn));

static void ap_main(struct pcpu *cpu)
{
	int err;

	cpu_tables_load(cpu->tables);
	if (cpu->parked) {
		/* cli; hlt, in argon's memory: nothing a guest writes runs here. */
		__atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
		halt_forever();
	}
	cpu_features_init();
	wrmsr(MSR_PAT, PT_HOST_PAT);
	x2apic_enable();
	interrupts_quiesce(false);
	err = vcpu_ops->cpu_enable(cpu);
	if (err)
		pr_err("CPU %u: cannot enable %s: %s\n", cpu->index, vcpu_ops->name, err_str(err));
	__atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		cpu_relax();
	if (cpu->vcpu)
		guest_vcpu_main(cpu->vcpu);
	if (cpu->console) {
		if (vcpu_ops->host_intr_window)
			vcpu_ops->host_intr_window(true);
		console_serve(NULL);
	}
	/* Nothing (more) to run here: this core stays halted. */
	halt_forever();
}

/* INIT, 10 ms, SIPI, 200 us, SIPI (SDM 8.4.4.1); init_sent when the caller
 * sent the INIT and waited already. */
static bool start_one(uint8_t *page, uint64_t page_pa, struct pcpu *cpu, size_t stack_pages,
		      bool init_sent)
{
	void *stack = pages_alloc(stack_pages);
	uint32_t sipi = ICR_MODE_SIPI << ICR_MODE_OFF | (uint32_t)(page_pa >> 12);

	if (!cpu->tables)
		cpu->tables = cpu_tables_alloc();
	if (!stack || !cpu->tables) {
		pages_free(stack, stack_pages);
		return false;
	}
	patch64(page, ap_tr_stack, virt_to_phys(stack) + stack_pages * PAGE_SIZE);
	patch64(page, ap_tr_entry, (uint64_t)(uintptr_t)ap_main);
	patch64(page, ap_tr_arg, (uint64_t)(uintptr_t)cpu);
	if (!init_sent) {
		x2apic_send(cpu->apic_id, ICR_MODE_INIT << ICR_MODE_OFF | ICR_LEVEL_ASSERT);
		udelay(10000);
	}
	x2apic_send(cpu->apic_id, sipi);
	udelay(200);
	if (!__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE))
		x2apic_send(cpu->apic_id, sipi);
	for (unsigned t = 0; t < AP_START_TIMEOUT_US / 100; t++) {
		if (__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE))
			return true;
		udelay(100);
	}
	pages_free(stack, stack_pages);
	return false;
}

/* Copies the trampoline and the top-level table to the start-up pages;
 * returns their address, or 0 when there are none. */
static uint64_t trampoline_prepare(void)
{
	/* The trampoline's page, then the copy of the top-level table. */
	uint64_t page_pa = mem_ap_start_pages(), cr3 = read_cr3();
	uint8_t *page = phys_to_virt(page_pa);
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);

	if (!page_pa)
		return 0;
	_Static_assert(AP_START_PAGES >= 2, "trampoline and top-level table");
	memcpy(page, ap_trampoline_start, len);
	memcpy(page + PAGE_SIZE, phys_to_virt(cr3 & PT_ADDR_MASK), PAGE_SIZE);
	/* The trampoline holds offsets where it needs linear addresses. */
	patch32(page, ap_tr_gdt_ptr + 2, page_pa + orig32(ap_tr_gdt_ptr + 2));
	patch32(page, ap_tr_pm32_jump, page_pa + orig32(ap_tr_pm32_jump));
	patch32(page, ap_tr_cr3, page_pa + PAGE_SIZE);
	patch64(page, ap_tr_cr3_64, cr3);
	patch32(page, ap_tr_cr4, read_cr4() & ~CR4_VMXE); /* VMXE comes with cpu_enable */
	patch32(page, ap_tr_cr0, read_cr0());
	patch32(page, ap_tr_efer, rdmsr(MSR_EFER) & ~EFER_SVME);
	return page_pa;
}

unsigned smp_start_aps(void)
{
	uint64_t page_pa;
	unsigned up = 0;

	if (pcpu_count < 2)
		return 0;
	page_pa = trampoline_prepare();
	if (!page_pa) {
		pr_warn("no start-up pages below 1 MiB: other CPUs stay off\n");
		return 0;
	}
	for (unsigned i = 0; i < pcpu_count; i++) {
		struct pcpu *cpu = &pcpus[i];

		if (cpu->index == boot_cpu_index() || !cpu->wanted)
			continue;
		if (start_one(phys_to_virt(page_pa), page_pa, cpu, AP_STACK_PAGES, false))
			up++;
		else
			pr_warn("CPU %u (APIC id %u) did not come up\n", cpu->index, cpu->apic_id);
	}
	return up;
}

unsigned smp_park_unused(void)
{
	uint64_t page_pa;
	unsigned parked = 0, todo = 0;

	for (unsigned i = 0; i < pcpu_count; i++) {
		struct pcpu *cpu = &pcpus[i];

		cpu->parked = cpu->index != boot_cpu_index() && !cpu->wanted;
		todo += cpu->parked;
	}
	if (!todo)
		return 0;
	page_pa = trampoline_prepare();
	if (!page_pa) {
		pr_warn("no start-up pages below 1 MiB: %u unused CPU(s) stay where the "
			"firmware left them\n",
			todo);
		return 0;
	}
	/* One INIT to each, then one wait for all: a large machine does not
	 * pay 10 ms per CPU it does not use. */
	for (unsigned i = 0; i < pcpu_count; i++)
		if (pcpus[i].parked)
			x2apic_send(pcpus[i].apic_id,
				    ICR_MODE_INIT << ICR_MODE_OFF | ICR_LEVEL_ASSERT);
	udelay(10000);
	for (unsigned i = 0; i < pcpu_count; i++) {
		struct pcpu *cpu = &pcpus[i];

		if (!cpu->parked)
			continue;
		if (start_one(phys_to_virt(page_pa), page_pa, cpu, PARK_STACK_PAGES, true))
			parked++;
		else
			pr_warn("unused CPU %u (APIC id %u) did not come up: INIT holds it in "
				"wait-for-SIPI\n",
				cpu->index, cpu->apic_id);
	}
	return parked;
}

void smp_release(void)
{
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
}
