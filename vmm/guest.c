/* Creating and stopping guests. */
#include "vmm/guest.h"

#include "iommu/iommu.h"
#include "vmm/exit_stats.h"
#include "vmm/guest_linux.h"
#include "vmm/guest_boot.h"

#include "vmm/console.h"

#include <stdarg.h>

#include "lib/bits.h"
#include "lib/elf64.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu.h"
#include "vmm/guest_layout.h"
#include "vmm/cpuid_policy.h"
#include "vmm/host/lapic_reset.h"
#include "vmm/dev/vlapic.h"
#include "vmm/log.h"
#include "vmm/msr_policy.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

void *guest_ram_ptr(struct guest *g, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < g->mem_count; i++) {
		const struct gmem_range *r = &g->mem[i];

		if (r->type == GMEM_RAM && gpa >= r->gpa && len <= r->size &&
		    gpa - r->gpa <= r->size - len)
			return phys_to_virt(r->hpa + (gpa - r->gpa));
	}
	return NULL;
}

static void free_ram(struct guest *g)
{
	for (unsigned i = 0; i < g->mem_count; i++)
		if (g->mem[i].type == GMEM_RAM)
			ram_free(g->mem[i].hpa, g->mem[i].size);
	g->mem_count = 0;
}

static void zero_ram(struct guest *g)
{
	for (unsigned i = 0; i < g->mem_count; i++)
		if (g->mem[i].type == GMEM_RAM)
			mem_zero(phys_to_virt(g->mem[i].hpa), g->mem[i].size);
}

/* Each piece of guest RAM is one host block, 1 GiB-aligned when it is at
 * least 1 GiB (so the nested tables map it with 1 GiB pages; both pieces
 * of a split guest start at 1 GiB-aligned guest addresses), else 2 MiB.
 * A Linux guest's RAM is split around the 32-bit hole; an ELF guest's is
 * one run from 0 (vmm/guest_abi.h). */
static int alloc_ram(struct guest *g, uint64_t size, bool split)
{
	struct guest_ram_piece p[GUEST_RAM_PIECES_MAX];
	unsigned n = split ? guest_ram_split(size, ARGON_GUEST_LOW_RAM_END, p) : 1;

	if (!split)
		p[0] = (struct guest_ram_piece){0, size};
	g->mem_count = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t hpa;
		int err = -ERR_NOMEM;

		if (p[i].size >= GiB)
			err = ram_alloc(p[i].size, GiB, &hpa);
		if (err)
			err = ram_alloc(p[i].size, 2 * MiB, &hpa);
		if (err) {
			free_ram(g);
			return err;
		}
		mem_zero(phys_to_virt(hpa), p[i].size);
		g->mem[g->mem_count++] = (struct gmem_range){p[i].gpa, hpa, p[i].size, GMEM_RAM};
	}
	g->ram_hpa = g->mem[0].hpa;
	g->ram_size = size;
	return 0;
}

/* Nested tables the engine unlinks while the guest may run (when a BAR
 * moves) are kept until the guest stops for good: a vCPU may still walk
 * them through its cached translations. GUEST_NPT_KEPT_MAX bounds them;
 * vmm/dev/vpci_guest.c refuses a move that could go past it. */
static void npt_free_table(void *ctx, uint64_t pa)
{
	struct guest *g = ctx;

	if (g->vcpus_running && g->npt_kept_count < GUEST_NPT_KEPT_MAX) {
		g->npt_kept[g->npt_kept_count++] = pa;
		return;
	}
	if (g->vcpus_running) {
		pr_warn("guest '%s': a nested table page is kept for good\n", g->name);
		return;
	}
	page_table_mem.free_table(page_table_mem.ctx, pa);
}

static void *npt_alloc_table(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return page_table_mem.alloc_table(page_table_mem.ctx, pa);
}

static void *npt_pa_to_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	return page_table_mem.pa_to_va(page_table_mem.ctx, pa);
}

static void npt_free_kept(struct guest *g)
{
	for (unsigned i = 0; i < g->npt_kept_count; i++)
		page_table_mem.free_table(page_table_mem.ctx, g->npt_kept[i]);
	g->npt_kept_count = 0;
}

/* The nested tables, from the guest's memory map alone. Device registers
 * are uncached and never executable. */
int guest_build_npt(struct guest *g)
{
	int err = 0;

	if (!g->npt.root_pa) {
		g->npt_mem = (struct pt_mem_ops){.alloc_table = npt_alloc_table,
						 .free_table = npt_free_table,
						 .pa_to_va = npt_pa_to_va,
						 .ctx = g};
		err = pt_init(&g->npt, vcpu_ops->nested_format, &g->npt_mem, vcpu_ops->nested_1g());
	}
	for (unsigned i = 0; !err && i < g->mem_count; i++) {
		const struct gmem_range *r = &g->mem[i];

		if (r->type == GMEM_RAM)
			err = pt_map(&g->npt, r->gpa, r->hpa, r->size, PT_RWX, PT_MT_WB);
		else
			err = pt_map(&g->npt, r->gpa, r->hpa, r->size, PT_RW, PT_MT_UC);
	}
	return err;
}

static int load_elf(struct guest *g, const struct boot_file *f, struct vcpu_init_state *st)
{
	struct elf64_info info;
	int err = elf64_parse(f->data, f->size, &info);

	if (err) {
		pr_err("guest '%s': %s is not a usable ELF64 x86-64 executable (%s)\n", g->name,
		       f->name, err_str(err));
		return err;
	}
	err = elf64_check_fits(&info, ARGON_GUEST_LOAD_MIN, g->ram_size);
	if (err) {
		pr_err("guest '%s': %s does not fit in guest RAM at 0x%x-0x%llx\n", g->name,
		       f->name, ARGON_GUEST_LOAD_MIN, (unsigned long long)g->ram_size);
		return err;
	}
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf64_seg *s = &info.segs[i];
		uint8_t *dst = guest_ram_ptr(g, s->paddr, s->memsz);

		memcpy(dst, (const uint8_t *)f->data + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	err = guest_boot_long_mode(g, info.entry_paddr, ARGON_GUEST_CS, ARGON_GUEST_DS, st);
	if (err)
		return err;
	/* The ELF hand-over (vmm/guest_abi.h): command line and RAM size. */
	fmt_snprintf(guest_ram_ptr(g, ARGON_GUEST_CMDLINE, ARGON_GUEST_CMDLINE_MAX),
		     ARGON_GUEST_CMDLINE_MAX, "%s%sargon.boot=%u", g->cfg->cmdline,
		     g->cfg->cmdline[0] ? " " : "", g->boots);
	st->regs.rdi = ARGON_GUEST_CMDLINE;
	st->regs.rsi = g->ram_size;
	g->hlt_exits = true;
	return 0;
}

static bool is_elf(const struct boot_file *f)
{
	return f->size >= 4 && !memcmp(f->data,
				       "\x7f"
				       "ELF",
				       4);
}

/* Undoes guest_create: its CPUs get no vCPU, its memory goes back. */
static void guest_release(struct guest *g)
{
	for (unsigned i = 0; i < g->vcpu_count; i++)
		g->vcpus[i].pcpu->vcpu = NULL;
	g->vcpu_count = 0;
	g->vcpus_running = 0;
	guest_pci_release(g);
	/* A guest that failed to start gives its IOMMU domain back. */
	if (g->iommu && !iommu_domain_destroy(g->iommu))
		g->iommu = NULL;
	pt_destroy(&g->npt);
	npt_free_kept(g);
	free_ram(g);
}

/* Everything that goes into guest RAM: on creation and on every restart. */
static int load_images(struct guest *g)
{
	const struct argon_guest_config *cfg = g->cfg;
	const struct boot_file *kernel = boot_find_file(g->bi, cfg->kernel);

	if (!kernel || !kernel->data)
		return -ERR_NOENT; /* reported by the config check */
	if (is_elf(kernel))
		return load_elf(g, kernel, &g->boot_state);
	return guest_load_linux(g, kernel,
				cfg->initrd[0] ? boot_find_file(g->bi, cfg->initrd) : NULL,
				&g->boot_state);
}

/* The UART's interrupt line is the IOAPIC's ISA IRQ 4 (vmm/dev/vacpi.c). */
static void uart_irq(void *ctx)
{
	vioapic_assert_edge(ctx, ARGON_GUEST_UART_GSI);
}

/* What is typed on the console for the guest, into its UART. */
static size_t console_input(void *ctx, const char *data, size_t len)
{
	struct guest *g = ctx;
	size_t took;

	spin_lock(&g->io_lock);
	took = vuart_receive(&g->uart, data, len);
	spin_unlock(&g->io_lock);
	return took;
}

/* "guest 'web': 6144 MiB at host 0x140000000 (2816 MiB), 0x300000000
 * (3328 MiB from GPA 0x100000000), 2 vCPU(s) on CPU 4 5, entry ..." */
static void print_created(const struct guest *g)
{
	char where[160], cpus[8 * GUEST_MAX_VCPUS];
	size_t n = 0, c = 0;
	unsigned pieces = 0;

	where[0] = cpus[0] = 0;
	for (unsigned i = 0; i < g->mem_count; i++)
		if (g->mem[i].type == GMEM_RAM)
			pieces++;
	for (unsigned i = 0; i < g->mem_count && pieces > 1 && n < sizeof(where); i++) {
		const struct gmem_range *r = &g->mem[i];

		if (r->type != GMEM_RAM)
			continue;
		if (i == 0)
			n += (size_t)fmt_snprintf(where, sizeof(where), " (%llu MiB)",
						  (unsigned long long)(r->size / MiB));
		else
			n += (size_t)fmt_snprintf(
				where + n, sizeof(where) - n, ", 0x%llx (%llu MiB from GPA 0x%llx)",
				(unsigned long long)r->hpa, (unsigned long long)(r->size / MiB),
				(unsigned long long)r->gpa);
	}
	for (unsigned i = 0; i < g->vcpu_count && c < sizeof(cpus); i++)
		c += (size_t)fmt_snprintf(cpus + c, sizeof(cpus) - c, " %u",
					  g->vcpus[i].pcpu->index);
	pr_info("guest '%s': %llu MiB at host 0x%llx%s, %u vCPU(s) on CPU%s, entry 0x%llx\n",
		g->name, (unsigned long long)(g->ram_size / MiB), (unsigned long long)g->ram_hpa,
		where, g->vcpu_count, cpus, (unsigned long long)g->boot_state.regs.rip);
}

int guest_create(struct guest *g, unsigned id, const struct argon_guest_config *cfg,
		 const struct boot_info *bi)
{
	const struct boot_file *kernel = boot_find_file(bi, cfg->kernel);
	int err;

	memset(g, 0, sizeof(*g));
	str_copy(g->name, cfg->name, sizeof(g->name));
	g->id = id;
	g->cfg = cfg;
	g->bi = bi;
	g->boots = 1;
	vuart_init(&g->uart);
	g->uart.irq = uart_irq;
	g->uart.irq_ctx = g;
	g->console = -1;
	vrtc_init(&g->rtc);
	vpit_init(&g->pit);

	err = alloc_ram(g, cfg->memory, kernel && kernel->data && !is_elf(kernel));
	if (err) {
		pr_err("guest '%s': cannot allocate %llu MiB of RAM (%s)\n", g->name,
		       (unsigned long long)(cfg->memory / MiB), err_str(err));
		return err;
	}
	/* The PCI bus: its ECAM trapped, assigned functions reset, attached
	 * and in the memory map (an ELF guest's RAM, one run from 0, may cover
	 * the ECAM instead: it then has no PCI bus). */
	err = guest_pci_create(g);
	if (err) {
		guest_release(g);
		return err;
	}
	err = guest_build_npt(g);
	if (err) {
		pr_err("guest '%s': cannot build nested page tables (%s)\n", g->name, err_str(err));
		guest_release(g);
		return err;
	}
	/* Only an ELF guest's RAM can reach the IOAPIC's page; it then has
	 * RAM there and no IOAPIC. */
	vioapic_guest_init(g);
	/* The vCPUs are created by the CPUs they are pinned to. */
	g->vcpu_count = cfg->ncpus;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];

		v->guest = g;
		v->index = i;
		v->pcpu = &pcpus[cfg->cpus[i]];
		v->sipi_vector = -1;
		v->mtrr_def_type = MTRR_DEF_TYPE_RESET;
		v->pcpu->vcpu = v;
	}
	err = load_images(g);
	if (err) {
		guest_release(g);
		return err;
	}

	g->vcpus_running = g->vcpu_count;
	g->console = console_add_source(&g->uart.out, g->name, console_input, g);
	print_created(g);
	return 0;
}

/* The other vCPUs sit waiting for INIT and SIPI from their guest. */
static bool wait_for_sipi(struct vcpu *v)
{
	while (!v->stop && __atomic_load_n(&v->sipi_vector, __ATOMIC_ACQUIRE) < 0)
		cpu_relax();
	return !v->stop;
}

#define CPUID_EXT_EDX_RDTSCP BIT(27)
#define XSAVE_LEGACY_MXCSR 24
#define MXCSR_RESET 0x1F80u
#define DR6_RESET 0xFFFF0FF0ULL
#define DR7_RESET 0x400ULL

/* An XSAVE area (legacy region and header) whose header marks every
 * component as in its initial state; MXCSR holds its reset value. */
static const struct {
	uint8_t bytes[576];
} __attribute__((aligned(64))) xstate_init = {
	.bytes = {[XSAVE_LEGACY_MXCSR] = MXCSR_RESET & 0xFF,
		  [XSAVE_LEGACY_MXCSR + 1] = MXCSR_RESET >> 8},
};

/* x87, SSE, AVX and every other extended state component live on the
 * core (argon never switches them): XRSTOR of the area above puts all of
 * them in their initial state, then XCR0 goes back to x87 only. */
static void reset_extended_state(void)
{
	struct cpuid_regs d;
	uint64_t all;

	if (!(read_cr4() & CR4_OSXSAVE)) {
		__asm__ volatile("fninit");
		return;
	}
	d = cpuid(0xD, 0);
	all = ((uint64_t)d.edx << 32) | d.eax;
	xsetbv(0, all);
	__asm__ volatile("xrstor %0"
			 :
			 : "m"(xstate_init), "a"((uint32_t)all), "d"((uint32_t)(all >> 32))
			 : "memory");
	xsetbv(0, XCR0_X87);
}

/* DR0-DR3 (and under VMX DR6 and DR7) are the core's, not switched. */
static void reset_debug_registers(void)
{
	__asm__ volatile("mov %0, %%db0\n\t"
			 "mov %0, %%db1\n\t"
			 "mov %0, %%db2\n\t"
			 "mov %0, %%db3\n\t"
			 "mov %1, %%db6\n\t"
			 "mov %2, %%db7"
			 :
			 : "r"(0ULL), "r"(DR6_RESET), "r"(DR7_RESET));
}

/* Before every boot, on the vCPU's own core: what the guest keeps in the
 * core rather than in the VMCB/VMCS goes back to its power-on state (the
 * backends reset the rest in vcpu_set_state). */
static void reset_core(struct vcpu *v)
{
	unsigned dropped = lapic_guest_reset(vcpu_ops->host_intr_window);

	if (dropped)
		pr_info("guest '%s': CPU %u: %u interrupt(s) left pending by its last boot "
			"dropped\n",
			v->guest->name, v->pcpu->index, dropped);
	if (cpuid(0x80000001u, 0).edx & CPUID_EXT_EDX_RDTSCP)
		wrmsr(MSR_TSC_AUX, 0);
	reset_extended_state();
	reset_debug_registers();
}

static void run_once(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct vcpu_init_state st;

	msr_policy_vcpu_start(v);
	reset_core(v);

	if (v->index == 0) {
		vcpu_ops->vcpu_set_state(v, &g->boot_state);
		g->start_tsc = rdtsc();
		vcpu_run_loop(v);
	} else if (wait_for_sipi(v)) {
		guest_sipi_state((unsigned)v->sipi_vector, cpuid_policy(v, 1, 0).eax, &st);
		vcpu_ops->vcpu_set_state(v, &st);
		vcpu_run_loop(v);
	}
}

/* Runs on the CPU of the last vCPU out, with every other one waiting:
 * fresh RAM, images loaded again, vCPUs back to their reset state. */
static void restart(struct guest *g)
{
	int err;

	g->boots++;
	pr_info("guest '%s': restarting (boot %u)\n", g->name, g->boots);
	/* Its devices stop reaching RAM and interrupting before RAM is
	 * zeroed: nothing of the last boot lands in the next one. */
	guest_pci_restart(g);
	zero_ram(g);
	vrtc_init(&g->rtc);
	vpit_init(&g->pit);
	vuart_reset(&g->uart);
	vioapic_guest_reset(g);
	vlapic_guest_reset(g);
	err = load_images(g);
	guest_pci_wait_ready(g);
	memset(g->stats, 0, sizeof(g->stats));
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		g->vcpus[i].stop = false;
		g->vcpus[i].init_received = false;
		g->vcpus[i].sipi_vector = -1;
		g->vcpus[i].mtrr_def_type = MTRR_DEF_TYPE_RESET;
	}
	g->restart = false;
	g->stopped = false;
	g->vcpus_running = g->vcpu_count;
	if (err) {
		g->stopped = true;
		guest_pci_release(g);
		g->finished = true;
		console_end_input(g->console);
		pr_err("guest '%s': cannot load it again (%s); stopped\n", g->name, err_str(err));
	}
	__atomic_add_fetch(&g->generation, 1, __ATOMIC_RELEASE);
}

void guest_vcpu_main(struct vcpu *v)
{
	struct guest *g = v->guest;
	int err = vcpu_ops->vcpu_create(v);

	if (err)
		guest_stop(g, GUEST_ERROR, "cannot create vCPU %u on CPU %u (%s)", v->index,
			   v->pcpu->index, err_str(err));
	for (;;) {
		unsigned gen = __atomic_load_n(&g->generation, __ATOMIC_ACQUIRE);

		if (!err)
			run_once(v);
		if (__atomic_sub_fetch(&g->vcpus_running, 1, __ATOMIC_ACQ_REL) == 0) {
			guest_print_stats(g);
			guest_pci_print_stats(g);
			if (g->restart)
				restart(g);
			else {
				guest_pci_release(g);
				console_end_input(g->console);
				__atomic_store_n(&g->finished, true, __ATOMIC_RELEASE);
			}
		}
		while (!__atomic_load_n(&g->finished, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&g->generation, __ATOMIC_ACQUIRE) == gen)
			cpu_relax();
		if (g->finished)
			return;
	}
}

void guest_stop(struct guest *g, enum guest_end how, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&g->stopped, true, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(g->stop_reason, sizeof(g->stop_reason), fmt, ap);
	va_end(ap);
	g->restart =
		g->cfg->on_exit == ARGON_EXIT_RESTART && (how == GUEST_RESET || how == GUEST_CRASH);
	/* vCPUs on other cores are kicked out of their guest (vcpu_ops->kick);
	 * their run loops then see stop. */
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];

		v->stop = true;
		if (v->pcpu->online && v->pcpu->apic_id != x2apic_id())
			vcpu_ops->kick(v->pcpu);
	}
	/* Its last words reach the console before the news of its stop. */
	console_flush_source(g->console);
	pr_info("guest '%s' stopped: %s%s\n", g->name, g->stop_reason,
		g->restart ? "; on_exit = restart" : "");
}
