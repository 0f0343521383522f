/* DMAR parsing against QEMU q35's table, a two-socket Supermicro server's
 * table (tests/unit/fixtures/README.md names both sources), tables built
 * here with paths through bridges, and tables broken one rule at a time. */
#include <stdint.h>
#include <stdlib.h>

#include "iommu/vtd/dmar.h"
#include "lib/err.h"
#include "tests/unit/check.h"
#include "tests/unit/xxd_fixture.h"
#include "vmm/host/acpi_parse.h"

static struct dmar_info info;

#define DEVFN(d, f) ((uint8_t)((d) << 3 | (f)))
#define RID(b, d, f) ((uint16_t)((b) << 8 | DEVFN(d, f)))

static void fix_sum(uint8_t *t, size_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)-acpi_sum(t, len);
}

/* ---- a fake config space: bridges with secondary/subordinate buses ---- */

struct fake_bridge {
	uint16_t seg;
	uint16_t rid;
	uint8_t secondary, subordinate;
};

static const struct fake_bridge *bridges;
static size_t nbridges;

static int fake_read8(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	(void)ctx;
	for (size_t i = 0; i < nbridges; i++) {
		if (bridges[i].seg != seg || bridges[i].rid != (bus << 8 | devfn))
			continue;
		if (off == 0x19)
			return bridges[i].secondary;
		if (off == 0x1A)
			return bridges[i].subordinate;
		return 0;
	}
	return -1;
}

static const struct dmar_cfg cfg = {fake_read8, NULL};

static void test_qemu(void)
{
	static const uint8_t devfns[] = {DEVFN(0, 0),	 DEVFN(1, 0),	 DEVFN(2, 0),
					 DEVFN(3, 0),	 DEVFN(3, 1),	 DEVFN(3, 2),
					 DEVFN(0x1f, 0), DEVFN(0x1f, 2), DEVFN(0x1f, 3)};
	size_t len;
	uint8_t *t = xxd_load("DMAR.xxd", &len);
	const struct dmar_unit *u;
	uint16_t rid;

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_EQ(dmar_parse(t, len, &info), 0);
	CHECK_EQ(info.haw, 48);
	CHECK_EQ(info.flags, DMAR_F_INTR_REMAP);
	CHECK_EQ(info.nunits, 1);
	CHECK_EQ(info.nrmrrs, 0);
	CHECK_EQ(info.natsrs, 0);
	u = &info.units[0];
	CHECK_EQ(u->base, 0xfed90000);
	CHECK_EQ(u->segment, 0);
	CHECK(!u->include_all); /* QEMU 10 lists its bus-0 functions one by one */
	CHECK_EQ(u->nscopes, 10);
	CHECK_EQ(info.scopes[u->scope_first].type, DMAR_SCOPE_IOAPIC);
	CHECK_EQ(info.scopes[u->scope_first].bus, 0xff);
	for (unsigned i = 0; i < ARRAY_SIZE(devfns); i++) {
		const struct dmar_scope *s = &info.scopes[u->scope_first + 1 + i];

		CHECK_EQ(s->type, DMAR_SCOPE_ENDPOINT);
		CHECK_EQ(s->depth, 1);
		/* One-hop paths resolve without config space. */
		CHECK_EQ(dmar_scope_rid(s, 0, NULL, &rid), 0);
		CHECK_EQ(rid, devfns[i]);
		CHECK_EQ(dmar_unit_for(&info, 0, devfns[i], NULL), 0);
	}
	/* Not listed, no INCLUDE_PCI_ALL unit: not covered. */
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0, 4, 0), NULL), -ERR_NOENT);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(1, 0, 0), NULL), -ERR_NOENT);
	CHECK_EQ(dmar_unit_for(&info, 1, RID(0, 3, 0), NULL), -ERR_NOENT);
	free(t);
}

static void test_supermicro(void)
{
	static const struct fake_bridge smci_bridges[] = {
		{0, RID(0x4a, 4, 0), 0x4b, 0x4b}, {0, RID(0x64, 2, 0), 0x65, 0x65},
		{0, RID(0x64, 3, 0), 0x66, 0x67}, {0, RID(0x64, 4, 0), 0x68, 0x68},
		{0, RID(0x64, 5, 0), 0x69, 0x69},
	};
	static const uint64_t bases[] = {0xD0FFC000, 0xDBBFC000, 0xE67FC000, 0xF13FC000,
					 0xFB7FC000, 0xA63FC000, 0xB0FFC000, 0xBBBFC000,
					 0xC5FFC000, 0x9B7FC000};
	static const uint32_t nodes[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
	size_t len;
	uint8_t *t = xxd_load("DMAR-supermicro-2s.xxd", &len);
	const struct dmar_scope *s;
	uint8_t first, last;
	uint16_t rid;

	CHECK(t != NULL);
	if (!t)
		return;
	bridges = smci_bridges;
	nbridges = ARRAY_SIZE(smci_bridges);
	CHECK_EQ(len, 0x280);
	CHECK_EQ(dmar_parse(t, len, &info), 0);
	CHECK_EQ(info.haw, 46);
	CHECK_EQ(info.nunits, 10);
	for (unsigned i = 0; i < info.nunits && i < ARRAY_SIZE(bases); i++) {
		CHECK_EQ(info.units[i].base, bases[i]);
		CHECK(info.units[i].has_node);
		CHECK_EQ(info.units[i].node, nodes[i]);
		CHECK_EQ(info.units[i].include_all, i == 9);
	}
	CHECK_EQ(info.units[0].nscopes, 8);
	CHECK_EQ(info.units[1].nscopes, 0);
	CHECK_EQ(info.units[8].nscopes, 4);
	/* The INCLUDE_PCI_ALL unit lists the IOAPIC and HPET it remaps. */
	CHECK_EQ(info.units[9].nscopes, 2);
	s = &info.scopes[info.units[9].scope_first];
	CHECK_EQ(s[0].type, DMAR_SCOPE_IOAPIC);
	CHECK_EQ(s[0].id, 8);
	CHECK_EQ(s[0].bus, 0xf0);
	CHECK_EQ(s[0].path[0], DEVFN(0x1e, 0));
	CHECK_EQ(s[1].type, DMAR_SCOPE_HPET);
	CHECK_STR(dmar_scope_type_name(s[1].type), "HPET");

	CHECK_EQ(info.nrmrrs, 2);
	CHECK_EQ(info.rmrrs[0].base, 0x6CEC5000);
	CHECK_EQ(info.rmrrs[0].limit, 0x6CEE8FFF);
	CHECK_EQ(info.rmrrs[1].base, 0x6B96A000);
	CHECK_EQ(info.rmrrs[1].limit, 0x6BBB3FFF);
	CHECK_EQ(info.rmrrs[0].nscopes, 1);
	CHECK_EQ(dmar_scope_rid(&info.scopes[info.rmrrs[0].scope_first], 0, NULL, &rid), 0);
	CHECK_EQ(rid, RID(0, 0x14, 0)); /* the xHCI controller */

	CHECK_EQ(info.natsrs, 1);
	CHECK(!info.atsrs[0].all_ports);
	CHECK_EQ(info.atsrs[0].nscopes, 5);

	/* Endpoints listed by unit 0; functions behind unit 7's and 8's root
	 * ports; everything else goes to the INCLUDE_PCI_ALL unit. */
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0x80, 1, 3), &cfg), 0);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0x4a, 4, 0), &cfg), 7);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0x4b, 0, 0), &cfg), 7);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0x65, 0, 1), &cfg), 8);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0x67, 0, 0), &cfg), 8);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0x6a, 0, 0), &cfg), 9);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(0, 0x14, 0), &cfg), 9);
	CHECK_EQ(dmar_unit_for(&info, 1, RID(0, 0x14, 0), &cfg), -ERR_NOENT);
	CHECK_EQ(dmar_scope_buses(&info.scopes[info.units[8].scope_first + 1], 0, &cfg, &first,
				  &last),
		 0);
	CHECK_EQ(first, 0x66);
	CHECK_EQ(last, 0x67);
	/* Without config space a bridge's buses are unknown. */
	CHECK_EQ(dmar_scope_buses(&info.scopes[info.units[8].scope_first], 0, NULL, &first, &last),
		 -ERR_NOTSUP);
	bridges = NULL;
	nbridges = 0;
	free(t);
}

/* ---- tables built here ---- */

static size_t put_header(uint8_t *t)
{
	memset(t, 0, DMAR_HEADER_LEN);
	memcpy(t, "DMAR", 4);
	t[8] = 1;
	t[DMAR_HAW_OFF] = 38; /* 39 bits */
	t[DMAR_FLAGS_OFF] = DMAR_F_INTR_REMAP;
	return DMAR_HEADER_LEN;
}

static void finish(uint8_t *t, size_t len)
{
	memcpy(t + 4, &(uint32_t){(uint32_t)len}, 4);
	fix_sum(t, len);
}

static size_t put_drhd(uint8_t *t, size_t off, uint8_t flags, uint16_t seg, uint64_t base,
		       const uint8_t *scopes, size_t scopes_len)
{
	uint16_t type = DMAR_TYPE_DRHD, len = (uint16_t)(DMAR_DRHD_LEN + scopes_len);

	memcpy(t + off, &type, 2);
	memcpy(t + off + 2, &len, 2);
	t[off + 4] = flags;
	t[off + 5] = 0;
	memcpy(t + off + 6, &seg, 2);
	memcpy(t + off + 8, &base, 8);
	if (scopes_len)
		memcpy(t + off + 16, scopes, scopes_len);
	return off + len;
}

static void test_bridge_path(void)
{
	/* An endpoint two hops down: bus 0 root port 1c.0, then 00.0 behind
	 * it; and a bridge scope whose buses come from config space. */
	static const uint8_t scopes[] = {
		DMAR_SCOPE_ENDPOINT, 10, 0, 0, 0, 0, 0x1c, 0, 0, 0,
		DMAR_SCOPE_BRIDGE,   8,	 0, 0, 0, 0, 0x1d, 0,
	};
	static const struct fake_bridge two_hop[] = {
		{0, RID(0, 0x1c, 0), 3, 3},
		{0, RID(0, 0x1d, 0), 4, 6},
	};
	uint8_t t[256];
	size_t len = put_header(t);
	uint16_t rid;

	len = put_drhd(t, len, 0, 0, 0xfed91000, scopes, sizeof(scopes));
	len = put_drhd(t, len, DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000, NULL, 0);
	finish(t, len);
	CHECK_EQ(dmar_parse(t, len, &info), 0);
	CHECK_EQ(info.haw, 39);
	CHECK_EQ(info.nunits, 2);
	CHECK_EQ(info.scopes[0].depth, 2);
	/* The path needs the root port's secondary bus. */
	CHECK_EQ(dmar_scope_rid(&info.scopes[0], 0, NULL, &rid), -ERR_NOTSUP);
	bridges = two_hop;
	nbridges = ARRAY_SIZE(two_hop);
	CHECK_EQ(dmar_scope_rid(&info.scopes[0], 0, &cfg, &rid), 0);
	CHECK_EQ(rid, RID(3, 0, 0));
	CHECK_EQ(dmar_unit_for(&info, 0, RID(3, 0, 0), &cfg), 0);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(3, 0, 1), &cfg), 1);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(5, 2, 0), &cfg), 0);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(7, 0, 0), &cfg), 1);
	/* A bridge missing from config space: the path does not resolve. */
	nbridges = 0;
	CHECK_EQ(dmar_scope_rid(&info.scopes[0], 0, &cfg, &rid), -ERR_NOENT);
	CHECK_EQ(dmar_unit_for(&info, 0, RID(3, 0, 0), &cfg), 1);
	bridges = NULL;
}

/* ---- malformed tables: each broken in one way, with a reason ---- */

typedef void (*breaker)(uint8_t *t, size_t *len);

static void bad_sum(uint8_t *t, size_t *len)
{
	t[20] ^= 1;
	(void)len;
}

static void short_header(uint8_t *t, size_t *len)
{
	*len = 40;
	memcpy(t + 4, &(uint32_t){40}, 4);
	fix_sum(t, *len);
}

static void length_mismatch(uint8_t *t, size_t *len)
{
	memcpy(t + 4, &(uint32_t){(uint32_t)*len + 8}, 4);
	fix_sum(t, *len);
}

static void bad_signature(uint8_t *t, size_t *len)
{
	t[0] = 'X';
	fix_sum(t, *len);
}

static void struct_too_long(uint8_t *t, size_t *len)
{
	t[0x32] = 0xff; /* DRHD length 0xff: past the table */
	fix_sum(t, *len);
}

static void struct_too_short(uint8_t *t, size_t *len)
{
	t[0x32] = 2;
	t[0x33] = 0;
	fix_sum(t, *len);
}

static void scope_odd_length(uint8_t *t, size_t *len)
{
	t[0x49] = 7; /* second scope */
	fix_sum(t, *len);
}

static void scope_past_structure(uint8_t *t, size_t *len)
{
	t[0x89] = 0x10; /* last scope reaches beyond its DRHD */
	fix_sum(t, *len);
}

static void scope_bad_type(uint8_t *t, size_t *len)
{
	t[0x48] = 9;
	fix_sum(t, *len);
}

static void scope_bad_device(uint8_t *t, size_t *len)
{
	t[0x4e] = 32;
	fix_sum(t, *len);
}

static void base_zero(uint8_t *t, size_t *len)
{
	memset(t + 0x38, 0, 8);
	fix_sum(t, *len);
}

static void base_unaligned(uint8_t *t, size_t *len)
{
	t[0x38] = 0x10;
	fix_sum(t, *len);
}

static void haw_too_small(uint8_t *t, size_t *len)
{
	t[DMAR_HAW_OFF] = 20;
	fix_sum(t, *len);
}

static void no_units(uint8_t *t, size_t *len)
{
	*len = DMAR_HEADER_LEN;
	memcpy(t + 4, &(uint32_t){DMAR_HEADER_LEN}, 4);
	fix_sum(t, *len);
}

/* Appends one structure of raw bytes to the QEMU table. */
static void append(uint8_t *t, size_t *len, const uint8_t *s, size_t n)
{
	memcpy(t + *len, s, n);
	*len += n;
	memcpy(t + 4, &(uint32_t){(uint32_t)*len}, 4);
	fix_sum(t, *len);
}

static void rmrr_backwards(uint8_t *t, size_t *len)
{
	uint8_t r[32] = {DMAR_TYPE_RMRR, 0, 32, 0};

	memcpy(r + 8, &(uint64_t){0x10000}, 8);
	memcpy(r + 16, &(uint64_t){0xffff}, 8);
	r[24] = DMAR_SCOPE_ENDPOINT;
	r[25] = 8;
	r[30] = 0x14;
	append(t, len, r, sizeof(r));
}

static void rmrr_ioapic_scope(uint8_t *t, size_t *len)
{
	uint8_t r[32] = {DMAR_TYPE_RMRR, 0, 32, 0};

	memcpy(r + 8, &(uint64_t){0x10000}, 8);
	memcpy(r + 16, &(uint64_t){0x10fff}, 8);
	r[24] = DMAR_SCOPE_IOAPIC;
	r[25] = 8;
	append(t, len, r, sizeof(r));
}

static void atsr_endpoint_scope(uint8_t *t, size_t *len)
{
	uint8_t a[16] = {DMAR_TYPE_ATSR, 0, 16, 0};

	a[8] = DMAR_SCOPE_ENDPOINT;
	a[9] = 8;
	append(t, len, a, sizeof(a));
}

static void rhsa_unknown_unit(uint8_t *t, size_t *len)
{
	uint8_t r[20] = {DMAR_TYPE_RHSA, 0, 20, 0};

	memcpy(r + 8, &(uint64_t){0xfed80000}, 8);
	append(t, len, r, sizeof(r));
}

static void duplicate_unit(uint8_t *t, size_t *len)
{
	uint8_t d[16] = {DMAR_TYPE_DRHD, 0, 16, 0};

	memcpy(d + 8, &(uint64_t){0xfed90000}, 8);
	append(t, len, d, sizeof(d));
}

static void two_include_all(uint8_t *t, size_t *len)
{
	uint8_t d[16] = {DMAR_TYPE_DRHD, 0, 16, 0, DMAR_DRHD_INCLUDE_PCI_ALL};

	memcpy(d + 8, &(uint64_t){0xfed91000}, 8);
	append(t, len, d, sizeof(d));
	memcpy(d + 8, &(uint64_t){0xfed92000}, 8);
	append(t, len, d, sizeof(d));
}

static void test_malformed(void)
{
	static const struct {
		breaker fn;
		int err;
		const char *why; /* a part of the message */
	} cases[] = {
		{bad_sum, -ERR_INVAL, "checksum"},
		{short_header, -ERR_INVAL, "48-byte"},
		{length_mismatch, -ERR_INVAL, "length differs"},
		{bad_signature, -ERR_INVAL, "signature"},
		{struct_too_long, -ERR_INVAL, "runs past the table"},
		{struct_too_short, -ERR_INVAL, "length is < 4"},
		{scope_odd_length, -ERR_INVAL, "6 + 2 per path hop"},
		{scope_past_structure, -ERR_INVAL, "runs past its structure"},
		{scope_bad_type, -ERR_INVAL, "unknown device scope type"},
		{scope_bad_device, -ERR_INVAL, "device > 31"},
		{base_zero, -ERR_INVAL, "register base is 0"},
		{base_unaligned, -ERR_INVAL, "not page aligned"},
		{haw_too_small, -ERR_INVAL, "host address width"},
		{no_units, -ERR_INVAL, "no DRHD"},
		{rmrr_backwards, -ERR_INVAL, "RMRR range"},
		{rmrr_ioapic_scope, -ERR_INVAL, "RMRR scope"},
		{atsr_endpoint_scope, -ERR_INVAL, "ATSR scope"},
		{rhsa_unknown_unit, -ERR_INVAL, "RHSA names"},
		{duplicate_unit, -ERR_INVAL, "same register base"},
		{two_include_all, -ERR_INVAL, "two INCLUDE_PCI_ALL"},
	};
	size_t base_len;
	uint8_t *base = xxd_load("DMAR.xxd", &base_len);

	CHECK(base != NULL);
	if (!base)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t t[512];
		size_t len = base_len;
		int err;

		memcpy(t, base, base_len);
		cases[i].fn(t, &len);
		err = dmar_parse(t, len, &info);
		CHECK_EQ(err, cases[i].err);
		if (!strstr(info.why, cases[i].why)) {
			check_failures++;
			fprintf(stderr, "case %u: \"%s\" lacks \"%s\"\n", i, info.why,
				cases[i].why);
		}
		CHECK(!strncmp(info.why, "DMAR offset 0x", 14));
	}
	free(base);
}

static void test_limits(void)
{
	/* More scopes than argon keeps: refused, not truncated. */
	static uint8_t t[DMAR_HEADER_LEN + (DMAR_MAX_SCOPES / 64 + 2) * (16 + 64 * 8)];
	uint8_t scopes[64 * 8];
	size_t len = put_header(t);
	unsigned units = DMAR_MAX_SCOPES / 64 + 1;

	for (unsigned i = 0; i < 64; i++) {
		uint8_t *s = scopes + i * 8;

		memset(s, 0, 8);
		s[0] = DMAR_SCOPE_ENDPOINT;
		s[1] = 8;
		s[6] = (uint8_t)(i & 31);
		s[7] = (uint8_t)(i >> 5);
	}
	for (unsigned u = 0; u < units; u++)
		len = put_drhd(t, len, 0, 0, 0xfe000000 + u * 0x1000ULL, scopes, sizeof(scopes));
	finish(t, len);
	CHECK_EQ(dmar_parse(t, len, &info), -ERR_NOSPC);
	CHECK(strstr(info.why, "more device scopes") != NULL);
}

CHECK_MAIN(test_qemu, test_supermicro, test_bridge_path, test_malformed, test_limits)
