/* Creating and stopping guests. */
#include "vmm/guest.h"

#include <stdarg.h>

#include "lib/bits.h"
#include "lib/elf64.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/apic.h"
#include "vmm/cpu.h"
#include "vmm/log.h"
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

/* RAM is one host block; 1 GiB alignment lets the nested tables use
 * 1 GiB pages for it, else 2 MiB. */
static int alloc_ram(struct guest *g, uint64_t size)
{
	int err = -ERR_NOMEM;

	if (size >= GiB)
		err = ram_alloc(size, GiB, &g->ram_hpa);
	if (err)
		err = ram_alloc(size, 2 * MiB, &g->ram_hpa);
	if (err)
		return err;
	g->ram_size = size;
	memset(phys_to_virt(g->ram_hpa), 0, size);
	g->mem[0] = (struct gmem_range){0, g->ram_hpa, size, GMEM_RAM};
	g->mem_count = 1;
	return 0;
}

static int build_npt(struct guest *g)
{
	int err = pt_init(&g->npt, vcpu_ops->nested_format, &page_table_mem, vcpu_ops->nested_1g());

	for (unsigned i = 0; !err && i < g->mem_count; i++)
		err = pt_map(&g->npt, g->mem[i].gpa, g->mem[i].hpa, g->mem[i].size, PT_RWX,
			     PT_MT_WB);
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
	return guest_boot_long_mode(g, info.entry_paddr, st);
}

static bool is_elf(const struct boot_file *f)
{
	return f->size >= 4 && !memcmp(f->data,
				       "\x7f"
				       "ELF",
				       4);
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
	vuart_init(&g->uart, g->name);

	err = alloc_ram(g, cfg->memory);
	if (err) {
		pr_err("guest '%s': cannot allocate %llu MiB of RAM (%s)\n", g->name,
		       (unsigned long long)(cfg->memory / MiB), err_str(err));
		return err;
	}
	err = build_npt(g);
	if (err) {
		pr_err("guest '%s': cannot build nested page tables (%s)\n", g->name, err_str(err));
		return err;
	}
	if (!kernel || !kernel->data)
		return -ERR_NOENT; /* reported by the config check */
	if (!is_elf(kernel)) {
		pr_err("guest '%s': %s: only ELF64 guest images are supported so far\n", g->name,
		       kernel->name);
		return -ERR_NOTSUP;
	}
	err = load_elf(g, kernel, &g->boot_state);
	if (err)
		return err;

	/* The vCPUs are created by the CPUs they are pinned to. */
	g->vcpu_count = cfg->ncpus;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];

		v->guest = g;
		v->index = i;
		v->pcpu = &pcpus[cfg->cpus[i]];
		v->sipi_vector = -1;
		v->pcpu->vcpu = v;
	}
	g->vcpus_running = g->vcpu_count;
	pr_info("guest '%s': %llu MiB at host 0x%llx, %u vCPU(s), entry 0x%llx\n", g->name,
		(unsigned long long)(g->ram_size / MiB), (unsigned long long)g->ram_hpa,
		g->vcpu_count, (unsigned long long)g->boot_state.regs.rip);
	return 0;
}

/* The other vCPUs sit waiting for INIT and SIPI from their guest. */
static bool wait_for_sipi(struct vcpu *v)
{
	while (!v->stop && __atomic_load_n(&v->sipi_vector, __ATOMIC_ACQUIRE) < 0)
		cpu_relax();
	return !v->stop;
}

void guest_vcpu_main(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct vcpu_init_state st;
	int err = vcpu_ops->vcpu_create(v);

	if (err) {
		guest_stop(g, "cannot create vCPU %u on CPU %u (%s)", v->index, v->pcpu->index,
			   err_str(err));
	} else if (v->index == 0) {
		vcpu_ops->vcpu_set_state(v, &g->boot_state);
		g->start_tsc = rdtsc();
		vcpu_run_loop(v);
	} else if (wait_for_sipi(v)) {
		guest_sipi_state((unsigned)v->sipi_vector, &st);
		vcpu_ops->vcpu_set_state(v, &st);
		vcpu_run_loop(v);
	}
	if (__atomic_sub_fetch(&g->vcpus_running, 1, __ATOMIC_ACQ_REL) == 0)
		guest_print_stats(g);
}

void guest_stop(struct guest *g, const char *fmt, ...)
{
	va_list ap;

	if (g->stopped)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(g->stop_reason, sizeof(g->stop_reason), fmt, ap);
	va_end(ap);
	g->stopped = true;
	/* vCPUs on other cores are kicked out of their guest (vcpu_ops->kick);
	 * their run loops then see stop. */
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];

		v->stop = true;
		if (v->pcpu->online && v->pcpu->apic_id != x2apic_id())
			vcpu_ops->kick(v->pcpu);
	}
	vuart_flush(&g->uart);
	pr_info("guest '%s' stopped: %s\n", g->name, g->stop_reason);
}
