/* Exit counters: kept per vCPU by the exit path, summed per guest. */
#include "lib/fmt.h"
#include "vmm/guest.h"
#include "vmm/exit_stats.h"
#include "vmm/log.h"
#include "vmm/host/tsc.h"
#include "vmm/x86.h"

static const char *const kind_names[ARGON_EXIT_KIND_COUNT] = {
	[ARGON_EXIT_CPUID] = "cpuid",
	[ARGON_EXIT_MSR_READ] = "msr-read",
	[ARGON_EXIT_MSR_WRITE] = "msr-write",
	[ARGON_EXIT_IO] = "io",
	[ARGON_EXIT_NPF] = "npf",
	[ARGON_EXIT_HLT] = "hlt",
	[ARGON_EXIT_HYPERCALL] = "hypercall",
	[ARGON_EXIT_SHUTDOWN] = "shutdown",
	[ARGON_EXIT_XSETBV] = "xsetbv",
	[ARGON_EXIT_INTR] = "intr",
	[ARGON_EXIT_NMI] = "nmi",
	[ARGON_EXIT_EXCEPTION] = "exception",
	[ARGON_EXIT_VIRT_INSN] = "virt-insn",
	[ARGON_EXIT_ENTRY_FAIL] = "entry-fail",
	[ARGON_EXIT_UNKNOWN] = "unknown",
	[ARGON_EXIT_INIT] = "init",
	[ARGON_EXIT_CR] = "cr",
	[ARGON_EXIT_MISSING_INSN] = "missing-insn",
	[ARGON_EXIT_RDPMC] = "rdpmc",
	[ARGON_EXIT_INVD] = "invd",
	[ARGON_EXIT_IPI] = "ipi",
};

const char *exit_kind_name(enum argon_exit_kind kind)
{
	return kind < ARGON_EXIT_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

uint64_t guest_exit_count(const struct guest *g, enum argon_exit_kind kind)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < g->vcpu_count; i++)
		n += g->stats[i].exits[kind];
	return n;
}

/* One machine-readable line: "exits guest=NAME total=N us=T kind=N ...",
 * every kind listed, so that tools can parse it without knowing which
 * kinds occurred. */
void guest_print_stats(const struct guest *g)
{
	char buf[480];
	uint64_t total = 0, us = tsc_to_us(rdtsc() - g->start_tsc);
	int n;

	for (unsigned k = 0; k < ARGON_EXIT_KIND_COUNT; k++)
		total += guest_exit_count(g, (enum argon_exit_kind)k);
	n = fmt_snprintf(buf, sizeof(buf), "exits guest=%s total=%llu us=%llu per_s=%llu", g->name,
			 (unsigned long long)total, (unsigned long long)us,
			 (unsigned long long)(us ? total * 1000000 / us : 0));
	for (unsigned k = 0; k < ARGON_EXIT_KIND_COUNT && n < (int)sizeof(buf); k++)
		n += fmt_snprintf(buf + n, sizeof(buf) - (size_t)n, " %s=%llu",
				  exit_kind_name((enum argon_exit_kind)k),
				  (unsigned long long)guest_exit_count(g, (enum argon_exit_kind)k));
	pr_info("%s\n", buf);
}
