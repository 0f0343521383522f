/* libFuzzer target: the ACPI tables argon builds for a guest
 * (vmm/dev/vacpi.c), from a configuration taken from the input, into a buffer
 * of a size taken from the input and of exactly that allocation. A
 * configuration the builder refuses must be refused with -ERR_INVAL,
 * -ERR_RANGE or -ERR_NOSPC; one it accepts must give tables that argon's
 * own ACPI readers (vmm/host/acpi_parse.c) find from the RSDP and read back as
 * configured: every CPU, in order, enabled, with UID = its index; the ECAM
 * range; a hardware-reduced FADT with a DSDT holding \_S5. Nothing may be
 * written past the bytes the builder says it used.
 *
 * Input (little-endian, missing bytes read as 0): base_gpa (4 bytes),
 * size (2), ncpus (1), ecam_base in MiB (4), bus_start, bus_end (1 each),
 * mmio32 base and size (4 each), mmio64 base and size in MiB (4 each),
 * ioapic_addr (4), ioapic_id (1), ioapic_gsi_base (1), com1_irq (1), an
 * OEM id of 0 to 7 characters (1 length byte, 7 bytes), then ncpus APIC
 * ids (4 each). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "vmm/host/acpi_parse.h"
#include "vmm/dev/vacpi.h"

#define CANARY 0xA5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct cursor *c, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (c->left) {
			v |= (uint64_t)c->p[0] << (8 * i);
			c->p++;
			c->left--;
		}
	}
	return v;
}

static struct {
	uint64_t gpa;
	uint8_t *buf;
	size_t len;
} area;

static const void *area_map(void *ctx, uint64_t pa, size_t len)
{
	if (pa < area.gpa || pa - area.gpa > area.len || len > area.len - (pa - area.gpa))
		return NULL;
	return area.buf + (pa - area.gpa);
}

static const struct acpi_mem mem = {.map = area_map, .ctx = NULL};

/* The table with signature sig is found and lies in the bytes used. */
static uint64_t found(uint64_t rsdp, const char *sig, size_t used)
{
	const struct acpi_sdt_hdr *h;
	uint64_t pa;

	if (acpi_find_table(&mem, rsdp, sig, &pa))
		abort();
	h = area_map(NULL, pa, sizeof(*h));
	if (!h || pa - area.gpa + h->length > used)
		abort();
	return pa;
}

static void read_back(const struct vacpi_config *cfg, uint64_t rsdp, size_t used)
{
	static struct acpi_cpu cpus[256];
	struct acpi_sleep_info sl;
	struct acpi_ecam ecam[2];
	const void *dsdt;
	uint32_t dlen;
	uint8_t a, b;
	int n;

	if (rsdp % 16 || rsdp < area.gpa || rsdp - area.gpa + 36 > used)
		abort();
	n = acpi_madt_cpus(&mem, found(rsdp, "APIC", used), cpus, 256);
	if (n != (int)cfg->ncpus)
		abort();
	for (int i = 0; i < n; i++) {
		if (cpus[i].apic_id != cfg->cpus[i].apic_id || cpus[i].uid != (uint32_t)i ||
		    !cpus[i].enabled)
			abort();
	}
	n = acpi_mcfg_segments(&mem, found(rsdp, "MCFG", used), ecam, 2);
	if (n != 1 || ecam[0].base != cfg->ecam_base || ecam[0].segment ||
	    ecam[0].bus_start != cfg->bus_start || ecam[0].bus_end != cfg->bus_end)
		abort();
	if (acpi_get_sleep_info(&mem, found(rsdp, "FACP", used), &sl) || !sl.hw_reduced ||
	    !sl.sleep_ctl.address || !sl.reset_supported)
		abort();
	if (acpi_table_map(&mem, found(rsdp, "DSDT", used), "DSDT", &dsdt, &dlen) ||
	    acpi_aml_find_s5(dsdt, dlen, &a, &b))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = {data, size};
	struct vacpi_config cfg;
	struct vacpi_cpu *cpus;
	char oem[8];
	unsigned oem_len;
	uint64_t rsdp;
	int used;

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_gpa = take(&c, 4);
	cfg.size = (size_t)take(&c, 2);
	cfg.ncpus = (unsigned)take(&c, 1);
	cfg.ecam_base = take(&c, 4) << 20;
	cfg.bus_start = (uint8_t)take(&c, 1);
	cfg.bus_end = (uint8_t)take(&c, 1);
	cfg.mmio32_base = take(&c, 4);
	cfg.mmio32_size = take(&c, 4);
	cfg.mmio64_base = take(&c, 4) << 20;
	cfg.mmio64_size = take(&c, 4) << 20;
	cfg.ioapic_addr = (uint32_t)take(&c, 4);
	cfg.ioapic_id = (uint8_t)take(&c, 1);
	cfg.ioapic_gsi_base = (uint32_t)take(&c, 1);
	cfg.com1_irq = (uint8_t)take(&c, 1);
	oem_len = (unsigned)take(&c, 1) % 9;
	memset(oem, 0, sizeof(oem));
	for (unsigned i = 0; i < 7; i++)
		oem[i] = (char)take(&c, 1);
	if (oem_len < 8)
		oem[oem_len < 7 ? oem_len : 7] = 0;
	cfg.oem_id = oem_len == 8 ? NULL : oem;
	cpus = calloc(cfg.ncpus ? cfg.ncpus : 1, sizeof(*cpus));
	if (!cpus)
		return 0;
	for (unsigned i = 0; i < cfg.ncpus; i++)
		cpus[i].apic_id = (uint32_t)take(&c, 4);
	cfg.cpus = cpus;

	area.gpa = cfg.base_gpa;
	area.len = cfg.size;
	area.buf = malloc(cfg.size ? cfg.size : 1);
	if (!area.buf) {
		free(cpus);
		return 0;
	}
	memset(area.buf, CANARY, cfg.size);
	cfg.base = area.buf;

	used = vacpi_build(&cfg, &rsdp);
	if (used < 0) {
		if (used != -ERR_INVAL && used != -ERR_RANGE && used != -ERR_NOSPC)
			abort();
	} else {
		if ((size_t)used > cfg.size)
			abort();
		for (size_t i = (size_t)used; i < cfg.size; i++) {
			if (area.buf[i] != CANARY)
				abort();
		}
		if (rsdp)
			read_back(&cfg, rsdp, (size_t)used);
	}
	free(area.buf);
	free(cpus);
	return 0;
}
