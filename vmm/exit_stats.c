/* Exit counters: kept per vCPU by the exit path, summed per guest. */
#include "lib/fmt.h"
#include "vmm/guest.h"
#include "vmm/exit_stats.h"
#include "vmm/log.h"
#include "vmm/host/tsc.h"
#include "vmm/x86.h"

const char *exit_kind_name(enum argon_exit_kind kind)
{
	return argon_exit_kind_name(kind);
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
