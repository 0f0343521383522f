/* libFuzzer target: the DMAR parser (iommu/vtd/dmar.c). The input is a
 * flags byte, then the table; with FUZZ_DMAR_FIX the harness writes the
 * table's length and checksum so that mutations reach past those checks.
 * The table sits in an allocation of exactly its size, so a read past it
 * is caught. What is accepted must hold together: units have page-aligned
 * non-zero bases, every structure's scopes lie inside the scope array,
 * paths have 1..DMAR_MAX_PATH hops with devices < 32 and functions < 8,
 * RMRRs are whole pages in order. Every scope is then resolved against a
 * config space made of input bytes, and the unit lookup run over it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/vtd/dmar.h"
#include "lib/err.h"
#include "vmm/host/acpi_parse.h"

#define FUZZ_DMAR_FIX 0x1u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dmar_info info;
static const uint8_t *cfg_bytes;
static size_t cfg_len;

/* Config space: a byte from the input picked by the address, or absent. */
static int fuzz_read8(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	size_t i;

	(void)ctx;
	if (!cfg_len)
		return -1;
	i = ((size_t)seg * 31 + bus * 7u + devfn * 3u + off) % cfg_len;
	return cfg_bytes[i] == 0xff ? -1 : cfg_bytes[i];
}

static void check_scopes(unsigned first, unsigned n)
{
	if (first > info.nscopes || n > info.nscopes - first)
		abort();
	for (unsigned i = first; i < first + n; i++) {
		const struct dmar_scope *s = &info.scopes[i];

		if (!s->depth || s->depth > DMAR_MAX_PATH)
			abort();
		if (s->type < DMAR_SCOPE_ENDPOINT || s->type > DMAR_SCOPE_ACPI)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dmar_cfg cfg = {fuzz_read8, NULL};
	uint8_t *t;
	size_t len;
	int err;

	if (size < 1)
		return 0;
	len = size - 1;
	t = malloc(len ? len : 1);
	if (!t)
		return 0;
	memcpy(t, data + 1, len);
	if ((data[0] & FUZZ_DMAR_FIX) && len >= DMAR_HEADER_LEN) {
		uint32_t l = (uint32_t)len;

		memcpy(t + 4, &l, 4);
		t[9] = 0;
		t[9] = (uint8_t)-acpi_sum(t, len);
	}
	cfg_bytes = data;
	cfg_len = size;
	err = dmar_parse(t, len, &info);
	if (err) {
		if (err != -ERR_INVAL && err != -ERR_NOSPC)
			abort();
		if (!info.why[0])
			abort();
		free(t);
		return 0;
	}
	if (!info.nunits || info.nunits > DMAR_MAX_UNITS || info.haw < 32 || info.haw > 64)
		abort();
	for (unsigned i = 0; i < info.nunits; i++) {
		const struct dmar_unit *u = &info.units[i];

		if (!u->base || (u->base & 0xfff))
			abort();
		check_scopes(u->scope_first, u->nscopes);
	}
	for (unsigned i = 0; i < info.nrmrrs; i++) {
		const struct dmar_rmrr *r = &info.rmrrs[i];

		if ((r->base & 0xfff) || r->limit < r->base || ((r->limit + 1) & 0xfff))
			abort();
		check_scopes(r->scope_first, r->nscopes);
	}
	for (unsigned i = 0; i < info.natsrs; i++)
		check_scopes(info.atsrs[i].scope_first, info.atsrs[i].nscopes);
	for (unsigned i = 0; i < info.nscopes; i++) {
		uint8_t first, last;
		uint16_t rid;
		int u;

		if (!dmar_scope_rid(&info.scopes[i], 0, &cfg, &rid)) {
			u = dmar_unit_for(&info, 0, rid, &cfg);
			if (u != -ERR_NOENT && (u < 0 || (unsigned)u >= info.nunits))
				abort();
		}
		if (!dmar_scope_buses(&info.scopes[i], 0, &cfg, &first, &last) && first > last)
			abort();
	}
	free(t);
	return 0;
}
