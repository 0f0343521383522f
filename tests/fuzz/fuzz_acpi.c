/* libFuzzer target: the host ACPI readers (vmm/host/acpi_parse.c) over a fake
 * physical memory built from the input: an RSDP and up to FUZZ_ACPI_TABLES
 * tables, each in an allocation of exactly its bytes so that a read past
 * what the parser mapped is caught. It looks up the tables argon uses
 * through the RSDP, reads the MADT, MCFG, FADT and the DSDT's \_S5, and
 * also calls each reader on every table directly. Nothing may crash, and
 * what is accepted must hold: a found table has its signature, a length in
 * bounds and a zero checksum; CPUs are enabled or online-capable, listed
 * once, and their count is what a smaller array is refused for; ECAM
 * ranges are ordered with a base; a sleep description has a PM1a control
 * register unless the platform is hardware-reduced.
 *
 * Input: a flags byte (FUZZ_ACPI_*), then pieces, each a 16-bit
 * little-endian length and that many bytes: the RSDP (at RSDP_PA), then
 * tables at TABLE_PA(1), TABLE_PA(2), ... With FUZZ_ACPI_LINK, the harness
 * writes the pointers (RSDP to the first XSDT and RSDT, their entries to
 * every other table, the FADT's to the first DSDT); with FUZZ_ACPI_SUM it
 * then sets every checksum, so that mutations reach past those checks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "vmm/host/acpi_parse.h"

#define FUZZ_ACPI_SUM 0x1u
#define FUZZ_ACPI_LINK 0x2u
#define FUZZ_ACPI_TABLES 12
#define RSDP_PA 0xE0000ULL
#define TABLE_PA(i) (0x100000ULL * (uint64_t)(i))
#define MAX_CPUS 64
#define MAX_ECAM 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct piece {
	uint64_t pa;
	uint8_t *buf;
	size_t len;
};

static struct piece pieces[FUZZ_ACPI_TABLES + 1];
static size_t npieces;

static const void *fake_map(void *ctx, uint64_t pa, size_t len)
{
	for (size_t i = 0; i < npieces; i++) {
		const struct piece *p = &pieces[i];

		if (pa >= p->pa && pa - p->pa <= p->len && len <= p->len - (pa - p->pa))
			return p->buf + (pa - p->pa);
	}
	return NULL;
}

static const struct acpi_mem mem = {.map = fake_map, .ctx = NULL};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const struct piece *table_named(const char *sig)
{
	for (size_t i = 1; i < npieces; i++) {
		if (pieces[i].len >= 4 && !memcmp(pieces[i].buf, sig, 4))
			return &pieces[i];
	}
	return NULL;
}

static bool is_root(const struct piece *p)
{
	return p->len >= 4 && (!memcmp(p->buf, "XSDT", 4) || !memcmp(p->buf, "RSDT", 4));
}

/* The root's entries: every table but the roots, as far as it has room. */
static void fill_root(const struct piece *root, size_t width)
{
	size_t off = sizeof(struct acpi_sdt_hdr);

	for (size_t i = 1; i < npieces && off + width <= root->len; i++) {
		if (is_root(&pieces[i]))
			continue;
		if (width == 8)
			put64(root->buf + off, pieces[i].pa);
		else
			put32(root->buf + off, (uint32_t)pieces[i].pa);
		off += width;
	}
}

static void link_tables(void)
{
	const struct piece *rsdp = &pieces[0], *xsdt = table_named("XSDT"),
			   *rsdt = table_named("RSDT"), *fadt = table_named("FACP"),
			   *dsdt = table_named("DSDT");

	if (rsdt && rsdp->len >= 20)
		put32(rsdp->buf + 16, (uint32_t)rsdt->pa);
	if (xsdt && rsdp->len >= 32)
		put64(rsdp->buf + 24, xsdt->pa);
	if (xsdt)
		fill_root(xsdt, 8);
	if (rsdt)
		fill_root(rsdt, 4);
	if (fadt && dsdt) {
		if (fadt->len >= 44)
			put32(fadt->buf + 40, (uint32_t)dsdt->pa);
		if (fadt->len >= 148 && get64(fadt->buf + 140))
			put64(fadt->buf + 140, dsdt->pa);
	}
}

static void fix_sum(uint8_t *buf, size_t len, size_t at)
{
	if (len <= at)
		return;
	buf[at] = 0;
	buf[at] = (uint8_t)-acpi_sum(buf, len);
}

static void fix_sums(void)
{
	const struct piece *r = &pieces[0];

	fix_sum(r->buf, r->len < 20 ? r->len : 20, 8);
	if (r->len >= 36) {
		uint32_t n = get32(r->buf + 20);

		fix_sum(r->buf, n < r->len ? n : r->len, 32);
	}
	for (size_t i = 1; i < npieces; i++) {
		const struct piece *p = &pieces[i];
		uint32_t n = p->len >= 8 ? get32(p->buf + 4) : 0;

		fix_sum(p->buf, n < p->len ? n : p->len, 9);
	}
}

/* A table the parser handed out must really be one. */
static void check_table(uint64_t pa, const char *sig)
{
	const struct acpi_sdt_hdr *h = fake_map(NULL, pa, sizeof(*h));
	const void *t;

	if (!h || memcmp(h->signature, sig, 4) != 0 || h->length < sizeof(*h) ||
	    h->length > ACPI_TABLE_MAX_LEN)
		abort();
	t = fake_map(NULL, pa, h->length);
	if (!t || acpi_sum(t, h->length))
		abort();
}

static void check_madt(uint64_t pa)
{
	static struct acpi_cpu cpus[MAX_CPUS];
	struct acpi_cpu *again;
	int n = acpi_madt_cpus(&mem, pa, cpus, MAX_CPUS);

	if (n < 0)
		return;
	if (n > MAX_CPUS)
		abort();
	for (int i = 0; i < n; i++) {
		if (cpus[i].enabled == cpus[i].online_capable)
			abort();
		if (!cpus[i].x2apic_entry && cpus[i].apic_id >= 0xFF)
			abort();
		for (int j = 0; j < i; j++) {
			if (cpus[i].apic_id == cpus[j].apic_id)
				abort();
		}
	}
	/* The same list into an array of exactly its size, and one slot
	 * fewer is refused. */
	again = malloc((size_t)(n ? n : 1) * sizeof(*again));
	if (!again || acpi_madt_cpus(&mem, pa, again, (size_t)n) != n)
		abort();
	for (int i = 0; i < n; i++) {
		if (again[i].apic_id != cpus[i].apic_id || again[i].uid != cpus[i].uid ||
		    again[i].enabled != cpus[i].enabled ||
		    again[i].online_capable != cpus[i].online_capable ||
		    again[i].x2apic_entry != cpus[i].x2apic_entry)
			abort();
	}
	if (n && acpi_madt_cpus(&mem, pa, again, (size_t)n - 1) != -ERR_NOSPC)
		abort();
	free(again);
}

static void check_mcfg(uint64_t pa)
{
	struct acpi_ecam e[MAX_ECAM];
	int n = acpi_mcfg_segments(&mem, pa, e, MAX_ECAM);

	if (n < 0)
		return;
	if (n > MAX_ECAM)
		abort();
	for (int i = 0; i < n; i++) {
		if (!e[i].base || e[i].bus_end < e[i].bus_start)
			abort();
	}
}

static void check_sleep(uint64_t pa)
{
	struct acpi_sleep_info s;

	if (acpi_get_sleep_info(&mem, pa, &s))
		return;
	if (!s.pm1a_cnt.address && !s.hw_reduced)
		abort();
	if (s.reset_supported && !s.reset_reg.address)
		abort();
}

static void check_s5(const uint8_t *t, size_t len)
{
	uint8_t a, b;

	if (acpi_aml_find_s5(t, len, &a, &b))
		return;
	for (size_t i = 0; i + 4 <= len; i++) {
		if (!memcmp(t + i, "_S5_", 4))
			return;
	}
	abort();
}

static void run(void)
{
	static const char *const sigs[] = {ACPI_SIG_FADT, ACPI_SIG_MADT, ACPI_SIG_MCFG,
					   ACPI_SIG_DSDT, ACPI_SIG_DMAR};
	uint64_t pa;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int err = acpi_find_table(&mem, RSDP_PA, sigs[i], &pa);

		if (err)
			continue;
		check_table(pa, sigs[i]);
		if (i == 0)
			check_sleep(pa);
		else if (i == 1)
			check_madt(pa);
		else if (i == 2)
			check_mcfg(pa);
	}
	for (size_t i = 1; i < npieces; i++) {
		check_madt(pieces[i].pa);
		check_mcfg(pieces[i].pa);
		check_sleep(pieces[i].pa);
		check_s5(pieces[i].buf, pieces[i].len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	size_t at = 1;

	if (size < 1)
		return 0;
	flags = data[0];
	npieces = 0;
	while (npieces <= FUZZ_ACPI_TABLES && size - at >= 2) {
		size_t n = (size_t)(data[at] | data[at + 1] << 8);
		struct piece *p = &pieces[npieces];

		at += 2;
		if (n > size - at)
			n = size - at;
		p->pa = npieces ? TABLE_PA(npieces) : RSDP_PA;
		p->len = n;
		p->buf = malloc(n ? n : 1);
		if (!p->buf)
			abort();
		memcpy(p->buf, data + at, n);
		at += n;
		npieces++;
	}
	if (npieces) {
		if (flags & FUZZ_ACPI_LINK)
			link_tables();
		if (flags & FUZZ_ACPI_SUM)
			fix_sums();
		run();
	}
	for (size_t i = 0; i < npieces; i++)
		free(pieces[i].buf);
	return 0;
}
