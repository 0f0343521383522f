/* ACPI readers against QEMU q35's real tables (tests/unit/fixtures) and
 * against hand-built tables that break one rule at a time. Fake physical
 * memory is a list of regions, each its own allocation of exactly the
 * mapped size, so AddressSanitizer catches any read past what the parser
 * asked to map. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/err.h"
#include "tests/unit/check.h"
#include "tests/unit/xxd_fixture.h"
#include "vmm/host/acpi_parse.h"

/* ---- fake physical memory ---- */

struct region {
	uint64_t pa;
	uint8_t *buf;
	size_t len;
};

static struct region regions[16];
static size_t nregions;

static const void *fake_map(void *ctx, uint64_t pa, size_t len)
{
	for (size_t i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (pa >= r->pa && pa - r->pa <= r->len && len <= r->len - (pa - r->pa))
			return r->buf + (pa - r->pa);
	}
	return NULL;
}

static const struct acpi_mem mem = {.map = fake_map, .ctx = NULL};

/* Copies len bytes to fake physical address pa; returns the copy. */
static uint8_t *put(uint64_t pa, const void *data, size_t len)
{
	struct region *r = &regions[nregions++];

	r->pa = pa;
	r->len = len;
	r->buf = malloc(len ? len : 1);
	memcpy(r->buf, data, len);
	return r->buf;
}

static void mem_reset(void)
{
	for (size_t i = 0; i < nregions; i++)
		free(regions[i].buf);
	nregions = 0;
}

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void fix_sum(uint8_t *t, size_t len)
{
	t[offsetof(struct acpi_sdt_hdr, checksum)] = 0;
	t[offsetof(struct acpi_sdt_hdr, checksum)] = (uint8_t)-acpi_sum(t, len);
}

/* A table with a header for sig around body, checksum fixed. */
static uint8_t *make_table(const char *sig, const void *body, size_t body_len, size_t *len)
{
	size_t n = sizeof(struct acpi_sdt_hdr) + body_len;
	uint8_t *t = calloc(1, n);

	memcpy(t, sig, 4);
	wr32(t + offsetof(struct acpi_sdt_hdr, length), (uint32_t)n);
	t[offsetof(struct acpi_sdt_hdr, revision)] = 1;
	memcpy(t + offsetof(struct acpi_sdt_hdr, oem_id), "ARGON ", 6);
	memcpy(t + sizeof(struct acpi_sdt_hdr), body, body_len);
	fix_sum(t, n);
	*len = n;
	return t;
}

/* ---- a machine built around the fixtures ---- */

#define RSDP_PA 0xE0000u
#define XSDT_PA 0x1000u
#define RSDT_PA 0x1800u
#define FADT_PA 0x2000u
#define MADT_PA 0x3000u
#define MCFG_PA 0x4000u
#define DSDT_PA 0x10000u

/* Where QEMU's DSDT names _S5_ (Name (_S5, Package (0x04) {Zero, ...})). */
#define DSDT_S5_OFF 0x1FEDu

struct fixtures {
	uint8_t *facp, *dsdt, *apic, *mcfg;
	size_t facp_len, dsdt_len, apic_len, mcfg_len;
};

static struct fixtures fx;

static void load_fixtures(void)
{
	fx.facp = xxd_load("FACP.xxd", &fx.facp_len);
	fx.dsdt = xxd_load("DSDT.xxd", &fx.dsdt_len);
	fx.apic = xxd_load("APIC.xxd", &fx.apic_len);
	fx.mcfg = xxd_load("MCFG.xxd", &fx.mcfg_len);
	if (!fx.facp || !fx.dsdt || !fx.apic || !fx.mcfg) {
		fprintf(stderr, "fixtures missing under %s\n", ARGON_FIXTURES);
		exit(1);
	}
}

/* The FADT moved to point at DSDT_PA. */
static uint8_t *put_fadt(const uint8_t *facp, size_t len)
{
	uint8_t *f = put(FADT_PA, facp, len);

	wr32(f + offsetof(struct acpi_fadt, dsdt), DSDT_PA);
	if (ACPI_FADT_HAS(len, x_dsdt))
		wr64(f + offsetof(struct acpi_fadt, x_dsdt), DSDT_PA);
	fix_sum(f, len);
	return f;
}

static void put_rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, ACPI_RSDP_SIG, 8);
	memcpy(r.oem_id, "ARGON ", 6);
	r.revision = revision;
	r.rsdt_addr = rsdt;
	if (revision < 2) {
		r.checksum = (uint8_t)-acpi_sum(&r, ACPI_RSDP_V1_LEN);
		put(RSDP_PA, &r, ACPI_RSDP_V1_LEN); /* nothing beyond byte 20 */
		return;
	}
	r.length = sizeof(r);
	r.xsdt_addr = xsdt;
	r.checksum = (uint8_t)-acpi_sum(&r, ACPI_RSDP_V1_LEN);
	r.ext_checksum = (uint8_t)-acpi_sum(&r, sizeof(r));
	put(RSDP_PA, &r, sizeof(r));
}

static void put_xsdt(const uint64_t *pas, size_t n)
{
	uint8_t body[8 * 8];
	uint8_t *t;
	size_t len;

	for (size_t i = 0; i < n; i++)
		wr64(body + 8 * i, pas[i]);
	t = make_table(ACPI_SIG_XSDT, body, 8 * n, &len);
	put(XSDT_PA, t, len);
	free(t);
}

static void put_rsdt(const uint32_t *pas, size_t n)
{
	uint8_t body[4 * 8];
	uint8_t *t;
	size_t len;

	for (size_t i = 0; i < n; i++)
		wr32(body + 4 * i, pas[i]);
	t = make_table(ACPI_SIG_RSDT, body, 4 * n, &len);
	put(RSDT_PA, t, len);
	free(t);
}

/* RSDP v2 -> XSDT -> FADT (-> DSDT), MADT, MCFG, all from QEMU. */
static void put_machine(void)
{
	static const uint64_t x[] = {FADT_PA, MADT_PA, MCFG_PA};

	put_rsdp(2, 0, XSDT_PA);
	put_xsdt(x, 3);
	put_fadt(fx.facp, fx.facp_len);
	put(MADT_PA, fx.apic, fx.apic_len);
	put(MCFG_PA, fx.mcfg, fx.mcfg_len);
	put(DSDT_PA, fx.dsdt, fx.dsdt_len);
}

/* ---- tests ---- */

static void test_fixtures_valid(void)
{
	CHECK_EQ(fx.facp_len, 244);
	CHECK_EQ(fx.dsdt_len, 8763);
	CHECK_EQ(fx.apic_len, 144);
	CHECK_EQ(fx.mcfg_len, 60);
	CHECK_EQ(acpi_sum(fx.facp, fx.facp_len), 0);
	CHECK_EQ(acpi_sum(fx.dsdt, fx.dsdt_len), 0);
	CHECK_EQ(acpi_sum(fx.apic, fx.apic_len), 0);
	CHECK_EQ(acpi_sum(fx.mcfg, fx.mcfg_len), 0);
	CHECK(memcmp(fx.facp, "FACP", 4) == 0);
	CHECK(memcmp(fx.dsdt + DSDT_S5_OFF, "_S5_", 4) == 0);
}

static void test_find_table_xsdt(void)
{
	uint64_t pa = 0;

	put_machine();
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), 0);
	CHECK_EQ(pa, FADT_PA);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "APIC", &pa), 0);
	CHECK_EQ(pa, MADT_PA);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "MCFG", &pa), 0);
	CHECK_EQ(pa, MCFG_PA);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "DSDT", &pa), 0);
	CHECK_EQ(pa, DSDT_PA);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "DMAR", &pa), -ERR_NOENT);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FAC", &pa), -ERR_INVAL);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACPX", &pa), -ERR_INVAL);
	CHECK_EQ(acpi_find_table(&mem, 0x9000, "FACP", &pa), -ERR_FAULT);
	mem_reset();
}

static void test_find_table_rsdt(void)
{
	static const uint32_t r[] = {MADT_PA, FADT_PA};
	static const uint64_t x[] = {FADT_PA};
	uint64_t pa = 0;
	uint8_t *xsdt;

	/* ACPI 1.0 RSDP: 20 bytes, RSDT only. */
	put_rsdp(0, RSDT_PA, 0);
	put_rsdt(r, 2);
	put_fadt(fx.facp, fx.facp_len);
	put(MADT_PA, fx.apic, fx.apic_len);
	put(DSDT_PA, fx.dsdt, fx.dsdt_len);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), 0);
	CHECK_EQ(pa, FADT_PA);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "APIC", &pa), 0);
	CHECK_EQ(pa, MADT_PA);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "MCFG", &pa), -ERR_NOENT);
	mem_reset();

	/* Revision 2 without an XSDT address. */
	put_rsdp(2, RSDT_PA, 0);
	put_rsdt(r, 2);
	put(MADT_PA, fx.apic, fx.apic_len);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "APIC", &pa), 0);
	CHECK_EQ(pa, MADT_PA);
	mem_reset();

	/* A corrupt XSDT: the RSDT beside it is used; without one, the error. */
	put_rsdp(2, RSDT_PA, XSDT_PA);
	put_xsdt(x, 1);
	xsdt = regions[nregions - 1].buf;
	xsdt[sizeof(struct acpi_sdt_hdr)] ^= 0x10;
	put_rsdt(r, 2);
	put(MADT_PA, fx.apic, fx.apic_len);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "APIC", &pa), 0);
	CHECK_EQ(pa, MADT_PA);
	mem_reset();
	put_rsdp(2, 0, XSDT_PA);
	put_xsdt(x, 1);
	regions[nregions - 1].buf[sizeof(struct acpi_sdt_hdr)] ^= 0x10;
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_INVAL);
	mem_reset();

	/* An XSDT whose entries do not divide into 8-byte addresses. */
	{
		uint8_t body[12] = {0};
		size_t len;
		uint8_t *t = make_table(ACPI_SIG_XSDT, body, sizeof(body), &len);

		put_rsdp(2, 0, XSDT_PA);
		put(XSDT_PA, t, len);
		free(t);
		CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_INVAL);
		mem_reset();
	}

	/* No root table at all. */
	put_rsdp(0, 0, 0);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_NOENT);
	mem_reset();
}

static void test_bad_rsdp(void)
{
	uint64_t pa;
	uint8_t *r;

	put_machine();
	r = regions[0].buf;
	r[0] = 'X';
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_INVAL);
	r[0] = 'R';
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), 0);
	/* First checksum covers bytes 0..19 only. */
	r[offsetof(struct acpi_rsdp, checksum)]++;
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_INVAL);
	r[offsetof(struct acpi_rsdp, checksum)]--;
	r[offsetof(struct acpi_rsdp, ext_checksum)]++;
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_INVAL);
	r[offsetof(struct acpi_rsdp, ext_checksum)]--;
	/* A length past the mapped RSDP. */
	r[offsetof(struct acpi_rsdp, length)] = 40;
	r[offsetof(struct acpi_rsdp, ext_checksum)] -= 4;
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &pa), -ERR_FAULT);
	mem_reset();
}

static void test_table_checksum(void)
{
	const void *t;
	uint32_t len;
	uint64_t pa;
	uint8_t *apic;

	put_machine();
	apic = regions[3].buf;
	CHECK_EQ(acpi_table_map(&mem, MADT_PA, "APIC", &t, &len), 0);
	CHECK(t == apic);
	CHECK_EQ(len, 144);
	CHECK_EQ(acpi_table_map(&mem, MADT_PA, "MCFG", &t, &len), -ERR_NOENT);
	CHECK_EQ(acpi_table_map(&mem, MADT_PA, NULL, &t, &len), 0);

	apic[0x30] ^= 1; /* the first LAPIC's flags */
	CHECK_EQ(acpi_table_map(&mem, MADT_PA, "APIC", &t, &len), -ERR_INVAL);
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "APIC", &pa), -ERR_INVAL);
	CHECK_EQ(acpi_madt_cpus(&mem, MADT_PA, NULL, 0), -ERR_INVAL);
	mem_reset();
}

static void test_truncated_tables(void)
{
	struct acpi_sleep_info si;
	struct acpi_cpu cpus[8];
	struct acpi_ecam ecam[4];
	const void *t;
	uint32_t len;
	uint8_t *f;

	/* The header claims more than there is. */
	put(MADT_PA, fx.apic, fx.apic_len - 16);
	CHECK_EQ(acpi_table_map(&mem, MADT_PA, "APIC", &t, &len), -ERR_FAULT);
	CHECK_EQ(acpi_madt_cpus(&mem, MADT_PA, cpus, 8), -ERR_FAULT);
	mem_reset();

	/* A length shorter than the header itself. */
	f = put(MADT_PA, fx.apic, fx.apic_len);
	wr32(f + 4, 20);
	fix_sum(f, 20);
	CHECK_EQ(acpi_table_map(&mem, MADT_PA, "APIC", &t, &len), -ERR_INVAL);
	mem_reset();

	/* A FADT cut before its flags. */
	f = put_fadt(fx.facp, fx.facp_len);
	wr32(f + 4, 100);
	fix_sum(f, 100);
	put(DSDT_PA, fx.dsdt, fx.dsdt_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), -ERR_INVAL);
	mem_reset();

	/* A MADT cut in the middle of its last entry (LAPIC NMI, 6 bytes). */
	f = put(MADT_PA, fx.apic, fx.apic_len);
	wr32(f + 4, (uint32_t)fx.apic_len - 3);
	fix_sum(f, fx.apic_len - 3);
	CHECK_EQ(acpi_madt_cpus(&mem, MADT_PA, cpus, 8), -ERR_INVAL);
	mem_reset();

	/* A MADT cut inside its fixed header. */
	f = put(MADT_PA, fx.apic, fx.apic_len);
	wr32(f + 4, 40);
	fix_sum(f, 40);
	CHECK_EQ(acpi_madt_cpus(&mem, MADT_PA, cpus, 8), -ERR_INVAL);
	mem_reset();

	/* An MCFG with half an entry. */
	f = put(MCFG_PA, fx.mcfg, fx.mcfg_len);
	wr32(f + 4, (uint32_t)fx.mcfg_len - 8);
	fix_sum(f, fx.mcfg_len - 8);
	CHECK_EQ(acpi_mcfg_segments(&mem, MCFG_PA, ecam, 4), -ERR_INVAL);
	mem_reset();
}

static void test_sleep_info_qemu(void)
{
	struct acpi_sleep_info si;
	uint64_t fadt_pa = 0;

	put_machine();
	CHECK_EQ(acpi_find_table(&mem, RSDP_PA, "FACP", &fadt_pa), 0);
	CHECK_EQ(acpi_get_sleep_info(&mem, fadt_pa, &si), 0);
	/* QEMU q35: PM1a_CNT at 0x604 (16 bits), no PM1b. */
	CHECK_EQ(si.pm1a_cnt.space_id, ACPI_GAS_SPACE_IO);
	CHECK_EQ(si.pm1a_cnt.address, 0x604);
	CHECK_EQ(si.pm1a_cnt.bit_width, 16);
	CHECK_EQ(si.pm1b_cnt.address, 0);
	/* Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
	CHECK_EQ(si.slp_typa, 0);
	CHECK_EQ(si.slp_typb, 0);
	CHECK(!si.hw_reduced);
	CHECK_EQ(si.sleep_ctl.address, 0);
	/* Reset through the 0xCF9 port, value 0x0F. */
	CHECK(si.reset_supported);
	CHECK_EQ(si.reset_reg.space_id, ACPI_GAS_SPACE_IO);
	CHECK_EQ(si.reset_reg.address, 0xCF9);
	CHECK_EQ(si.reset_reg.bit_width, 8);
	CHECK_EQ(si.reset_value, 0x0F);
	CHECK_EQ(si.fadt_flags, 0x84A5);
	mem_reset();
}

static void test_sleep_info_variants(void)
{
	struct acpi_sleep_info si;
	uint8_t *f;

	/* A revision 1 FADT (116 bytes): legacy ports and a 32-bit DSDT
	 * pointer only; the reset flag is set but its register is beyond the
	 * end, so there is no reset. */
	f = put_fadt(fx.facp, 116);
	f[offsetof(struct acpi_fadt, hdr.revision)] = 1;
	wr32(f + 4, 116);
	fix_sum(f, 116);
	put(DSDT_PA, fx.dsdt, fx.dsdt_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), 0);
	CHECK_EQ(si.pm1a_cnt.space_id, ACPI_GAS_SPACE_IO);
	CHECK_EQ(si.pm1a_cnt.address, 0x604);
	CHECK_EQ(si.pm1a_cnt.bit_width, 16);
	CHECK(!si.reset_supported);
	mem_reset();

	/* The X_ block wins over the 32-bit port when both are set; a PM1b
	 * given only as a port is reported as one. */
	f = put_fadt(fx.facp, fx.facp_len);
	wr64(f + offsetof(struct acpi_fadt, x_pm1a_cnt_blk.address), 0x1004);
	wr32(f + offsetof(struct acpi_fadt, pm1b_cnt_blk), 0x1104);
	f[offsetof(struct acpi_fadt, flags) + 1] &= (uint8_t) ~(ACPI_FADT_F_RESET_REG_SUP >> 8);
	fix_sum(f, fx.facp_len);
	put(DSDT_PA, fx.dsdt, fx.dsdt_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), 0);
	CHECK_EQ(si.pm1a_cnt.address, 0x1004);
	CHECK_EQ(si.pm1b_cnt.address, 0x1104);
	CHECK_EQ(si.pm1b_cnt.space_id, ACPI_GAS_SPACE_IO);
	CHECK(!si.reset_supported);
	mem_reset();

	/* No PM1a control block on a platform that is not hardware-reduced. */
	f = put_fadt(fx.facp, fx.facp_len);
	wr32(f + offsetof(struct acpi_fadt, pm1a_cnt_blk), 0);
	wr64(f + offsetof(struct acpi_fadt, x_pm1a_cnt_blk.address), 0);
	fix_sum(f, fx.facp_len);
	put(DSDT_PA, fx.dsdt, fx.dsdt_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), -ERR_INVAL);
	mem_reset();

	/* The FADT points at a missing DSDT. */
	put_fadt(fx.facp, fx.facp_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), -ERR_FAULT);
	mem_reset();

	/* Not a FADT. */
	put(FADT_PA, fx.apic, fx.apic_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), -ERR_NOENT);
	mem_reset();
}

static void test_dsdt_without_s5(void)
{
	struct acpi_sleep_info si;
	uint8_t *d;

	put_fadt(fx.facp, fx.facp_len);
	d = put(DSDT_PA, fx.dsdt, fx.dsdt_len);
	d[DSDT_S5_OFF + 2] = '6'; /* _S5_ -> _S6_ */
	fix_sum(d, fx.dsdt_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), -ERR_NOENT);
	/* The checksum is checked before the AML is searched. */
	d[DSDT_S5_OFF + 2] = '5';
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), -ERR_INVAL);
	fix_sum(d, fx.dsdt_len);
	CHECK_EQ(acpi_get_sleep_info(&mem, FADT_PA, &si), 0);
	mem_reset();
}

/* Runs acpi_aml_find_s5 on a DSDT made of the given AML. */
static int s5(const uint8_t *aml, size_t n, uint8_t *a, uint8_t *b)
{
	size_t len;
	uint8_t *t = make_table(ACPI_SIG_DSDT, aml, n, &len);
	int err;

	*a = *b = 0xEE;
	err = acpi_aml_find_s5(t, len, a, b);
	free(t);
	return err;
}

static void test_aml_s5(void)
{
	uint8_t a, b;

	{ /* Name (_S5, Package (0x04) { 0x05, 0x07, Zero, Zero }) */
		static const uint8_t aml[] = {0x08, '_',  'S',	'5',  '_',  0x12, 0x08,
					      0x04, 0x0A, 0x05, 0x0A, 0x07, 0x00, 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), 0);
		CHECK_EQ(a, 5);
		CHECK_EQ(b, 7);
	}
	{ /* Name (\_S5, Package (0x02) { One, 0x0003 as a word }) */
		static const uint8_t aml[] = {0x08, '\\', '_',	'S',  '5',  '_', 0x12,
					      0x06, 0x02, 0x01, 0x0B, 0x03, 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), 0);
		CHECK_EQ(a, 1);
		CHECK_EQ(b, 3);
	}
	{ /* Two-byte PkgLength, dword and Ones elements, value truncated to 8 bits */
		static const uint8_t aml[] = {0x08, '_',  'S',	'5',  '_',  0x12, 0x49, 0x00, 0x02,
					      0x0C, 0x06, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), 0);
		CHECK_EQ(a, 6);
		CHECK_EQ(b, 0xFF);
	}
	{ /* One packed integer: SLP_TYPa in bits 7:0, SLP_TYPb in 15:8 */
		static const uint8_t aml[] = {0x08, '_',  'S',	'5',  '_', 0x12,
					      0x05, 0x01, 0x0B, 0x07, 0x05};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), 0);
		CHECK_EQ(a, 7);
		CHECK_EQ(b, 5);
	}
	{ /* A qword element */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x0C, 0x02, 0x0E,
					      0x04, 0,	 0,   0,   0,	0,    0,    0,	  0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), 0);
		CHECK_EQ(a, 4);
		CHECK_EQ(b, 0);
	}
	{ /* _S5_ only as a reference (Store) and as a method: no \_S5 object */
		static const uint8_t aml[] = {0x70, '_',  'S',	'5', '_', 0x12, 0x03, 0x01,
					      0x00, 0x14, 0x06, '_', 'S', '5',	'_',  0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_NOENT);
	}
	{ /* Name (_S5, 5): not a package, and nothing else */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x0A, 0x05};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_NOENT);
	}
	{ /* Name at the very end of the table */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_'};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_NOENT);
	}
	{ /* PkgLength runs past the table */
		static const uint8_t aml[] = {0x08, '_',  'S',	'5',  '_',
					      0x12, 0x20, 0x02, 0x00, 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_INVAL);
	}
	{ /* PkgLength's following bytes past the table */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0xC0};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_INVAL);
	}
	{ /* Package with no NumElements byte */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x02};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_INVAL);
	}
	{ /* NumElements 0 */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_INVAL);
	}
	{ /* Two elements declared, one inside the package */
		static const uint8_t aml[] = {0x08, '_',  'S',	'5',  '_',
					      0x12, 0x03, 0x02, 0x00, 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_INVAL);
	}
	{ /* BytePrefix cut by the package end */
		static const uint8_t aml[] = {0x08, '_',  'S',	'5',  '_',
					      0x12, 0x03, 0x02, 0x0A, 0x05};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_INVAL);
	}
	{ /* An element that is a name: needs an interpreter */
		static const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x07,
					      0x02, 'S', 'L', 'P', 'A', 0x00};
		CHECK_EQ(s5(aml, sizeof(aml), &a, &b), -ERR_NOTSUP);
	}
	CHECK_EQ(acpi_aml_find_s5(fx.dsdt, 20, &a, &b), -ERR_INVAL);
	CHECK_EQ(acpi_aml_find_s5(fx.dsdt, fx.dsdt_len, &a, &b), 0);
}

static void test_madt_qemu(void)
{
	struct acpi_cpu cpus[8];
	int n;

	put_machine();
	n = acpi_madt_cpus(&mem, MADT_PA, cpus, 8);
	CHECK_EQ(n, 4);
	for (int i = 0; i < 4 && i < n; i++) {
		CHECK_EQ(cpus[i].apic_id, i);
		CHECK_EQ(cpus[i].uid, i);
		CHECK(cpus[i].enabled);
		CHECK(!cpus[i].online_capable);
		CHECK(!cpus[i].x2apic_entry);
	}
	CHECK_EQ(acpi_madt_cpus(&mem, MADT_PA, cpus, 4), 4);
	CHECK_EQ(acpi_madt_cpus(&mem, MADT_PA, cpus, 3), -ERR_NOSPC);
	CHECK_EQ(acpi_madt_cpus(&mem, MCFG_PA, cpus, 8), -ERR_NOENT);
	mem_reset();
}

static size_t add_lapic(uint8_t *p, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	p[0] = ACPI_MADT_TYPE_LAPIC;
	p[1] = 8;
	p[2] = uid;
	p[3] = apic_id;
	wr32(p + 4, flags);
	return 8;
}

static size_t add_x2apic(uint8_t *p, uint32_t id, uint32_t uid, uint32_t flags)
{
	memset(p, 0, 16);
	p[0] = ACPI_MADT_TYPE_X2APIC;
	p[1] = 16;
	wr32(p + 4, id);
	wr32(p + 8, flags);
	wr32(p + 12, uid);
	return 16;
}

static int madt_of(const uint8_t *entries, size_t n, struct acpi_cpu *cpus, size_t max)
{
	uint8_t body[256];
	size_t len;
	uint8_t *t;
	int ret;

	memset(body, 0, 8);
	wr32(body, 0xFEE00000u);
	memcpy(body + 8, entries, n);
	t = make_table(ACPI_SIG_MADT, body, 8 + n, &len);
	put(MADT_PA, t, len);
	free(t);
	ret = acpi_madt_cpus(&mem, MADT_PA, cpus, max);
	mem_reset();
	return ret;
}

static void test_madt_built(void)
{
	struct acpi_cpu cpus[8];
	uint8_t e[200];
	size_t n = 0;
	int ret;

	n += add_lapic(e + n, 0, 0, ACPI_MADT_CPU_ENABLED);
	n += add_lapic(e + n, 1, 2, 0);				   /* absent */
	n += add_lapic(e + n, 2, 4, ACPI_MADT_CPU_ONLINE_CAPABLE); /* hot-pluggable */
	n += add_lapic(e + n, 3, 0xFF, ACPI_MADT_CPU_ENABLED);	   /* x2APIC only */
	e[n++] = ACPI_MADT_TYPE_LAPIC_NMI; /* skipped, any type we do not read */
	e[n++] = 6;
	memset(e + n, 0, 4);
	n += 4;
	n += add_x2apic(e + n, 0x100, 10, ACPI_MADT_CPU_ENABLED);
	n += add_x2apic(e + n, 0, 11, ACPI_MADT_CPU_ENABLED); /* listed twice */
	n += add_x2apic(e + n, 0x101, 12, ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE);
	ret = madt_of(e, n, cpus, 8);
	CHECK_EQ(ret, 4);
	if (ret == 4) {
		CHECK_EQ(cpus[0].apic_id, 0);
		CHECK(cpus[0].enabled && !cpus[0].x2apic_entry);
		CHECK_EQ(cpus[1].apic_id, 4);
		CHECK_EQ(cpus[1].uid, 2);
		CHECK(!cpus[1].enabled && cpus[1].online_capable);
		CHECK_EQ(cpus[2].apic_id, 0x100);
		CHECK_EQ(cpus[2].uid, 10);
		CHECK(cpus[2].enabled && cpus[2].x2apic_entry);
		/* ONLINE_CAPABLE means nothing when ENABLED is set. */
		CHECK_EQ(cpus[3].apic_id, 0x101);
		CHECK(cpus[3].enabled && !cpus[3].online_capable);
	}

	/* An entry of length 0 would loop for ever. */
	n = add_lapic(e, 0, 0, 1);
	e[n++] = ACPI_MADT_TYPE_IOAPIC;
	e[n++] = 0;
	CHECK_EQ(madt_of(e, n, cpus, 8), -ERR_INVAL);
	/* A Local APIC entry too short for its fields. */
	n = add_lapic(e, 0, 0, 1);
	e[1] = 6;
	CHECK_EQ(madt_of(e, 6, cpus, 8), -ERR_INVAL);
	/* An x2APIC entry whose length runs past the table. */
	n = add_x2apic(e, 0x100, 0, 1);
	CHECK_EQ(madt_of(e, 12, cpus, 8), -ERR_INVAL);
	/* A lone type byte at the end. */
	n = add_lapic(e, 0, 0, 1);
	e[n++] = ACPI_MADT_TYPE_LAPIC;
	CHECK_EQ(madt_of(e, n, cpus, 8), -ERR_INVAL);
	/* No processors at all is not an error. */
	CHECK_EQ(madt_of(e, 0, cpus, 8), 0);
}

/* A MADT of a big machine: nentries x2APIC entries (ids from id_of(i)),
 * the first nlapic of them also listed as Local APIC entries, as firmware
 * does for ids below 255. */
static int madt_big(size_t nentries, size_t nlapic, uint32_t (*id_of)(size_t),
		    struct acpi_cpu *cpus, size_t max)
{
	size_t body_len = 8 + nlapic * 8 + nentries * 16, len, n = 8;
	uint8_t *body = calloc(1, body_len), *t;
	int ret;

	wr32(body, 0xFEE00000u);
	for (size_t i = 0; i < nlapic; i++)
		n += add_lapic(body + n, (uint8_t)i, (uint8_t)id_of(i), ACPI_MADT_CPU_ENABLED);
	for (size_t i = 0; i < nentries; i++)
		n += add_x2apic(body + n, id_of(i), (uint32_t)i,
				i % 7 == 6 ? ACPI_MADT_CPU_ONLINE_CAPABLE : ACPI_MADT_CPU_ENABLED);
	t = make_table(ACPI_SIG_MADT, body, body_len, &len);
	put(MADT_PA, t, len);
	free(t);
	free(body);
	ret = acpi_madt_cpus(&mem, MADT_PA, cpus, max);
	mem_reset();
	return ret;
}

/* Two sockets of 192 cores with 2 threads each, socket 1 from 0x100 on;
 * then a sparse layout with holes and ids above 0xFFFF. */
static uint32_t id_two_socket(size_t i)
{
	return (uint32_t)(i < 384 ? i : 0x200 + (i - 384));
}

static uint32_t id_sparse(size_t i)
{
	return (uint32_t)(i * 4 + (i & 1) + (i >= 512 ? 0x10000 : 0));
}

static void test_madt_many(void)
{
	size_t max = 1024;
	struct acpi_cpu *cpus = calloc(max + 1, sizeof(*cpus));
	int ret;

	/* 768 CPUs, the first 255 listed twice (Local APIC and x2APIC). */
	ret = madt_big(768, 255, id_two_socket, cpus, max);
	CHECK_EQ(ret, 768);
	if (ret == 768) {
		CHECK_EQ(cpus[0].apic_id, 0);
		CHECK(!cpus[0].x2apic_entry);
		CHECK_EQ(cpus[254].apic_id, 254);
		CHECK_EQ(cpus[255].apic_id, 255);
		CHECK(cpus[255].x2apic_entry);
		CHECK_EQ(cpus[384].apic_id, 0x200);
		CHECK_EQ(cpus[767].apic_id, 0x200 + 383);
		CHECK_EQ(cpus[767].uid, 767);
		/* Disabled-but-online-capable entries are listed, not enabled. */
		CHECK(!cpus[300].enabled && cpus[300].online_capable);
		CHECK(cpus[301].enabled);
	}
	/* Exactly as many as fit, then one too many. */
	CHECK_EQ(madt_big(1024, 0, id_sparse, cpus, max), 1024);
	CHECK_EQ(cpus[1023].apic_id, 0x10000 + 1023 * 4 + 1);
	CHECK_EQ(cpus[513].apic_id, 0x10000 + 513 * 4 + 1);
	CHECK_EQ(madt_big(1025, 0, id_sparse, cpus, max), -ERR_NOSPC);
	/* Duplicates do not count against the space. */
	CHECK_EQ(madt_big(1024, 255, id_two_socket, cpus, max), 1024);
	free(cpus);
}

static void test_mcfg(void)
{
	struct acpi_ecam ecam[4];
	uint8_t body[8 + 2 * 16];
	size_t len;
	uint8_t *t;

	put_machine();
	CHECK_EQ(acpi_mcfg_segments(&mem, MCFG_PA, ecam, 4), 1);
	CHECK_EQ(ecam[0].base, 0xB0000000);
	CHECK_EQ(ecam[0].segment, 0);
	CHECK_EQ(ecam[0].bus_start, 0);
	CHECK_EQ(ecam[0].bus_end, 0xFF);
	CHECK_EQ(acpi_mcfg_segments(&mem, MCFG_PA, ecam, 0), -ERR_NOSPC);
	CHECK_EQ(acpi_mcfg_segments(&mem, MADT_PA, ecam, 4), -ERR_NOENT);
	mem_reset();

	/* Two segments; then one with its buses backwards. */
	memset(body, 0, sizeof(body));
	wr64(body + 8, 0xE0000000);
	wr16(body + 16, 0);
	body[18] = 0;
	body[19] = 0x3F;
	wr64(body + 24, 0x4000000000ULL);
	wr16(body + 32, 1);
	body[34] = 0x80;
	body[35] = 0x8F;
	t = make_table(ACPI_SIG_MCFG, body, sizeof(body), &len);
	put(MCFG_PA, t, len);
	free(t);
	CHECK_EQ(acpi_mcfg_segments(&mem, MCFG_PA, ecam, 4), 2);
	CHECK_EQ(ecam[1].base, 0x4000000000ULL);
	CHECK_EQ(ecam[1].segment, 1);
	CHECK_EQ(ecam[1].bus_start, 0x80);
	CHECK_EQ(ecam[1].bus_end, 0x8F);
	mem_reset();
	body[34] = 0x90;
	t = make_table(ACPI_SIG_MCFG, body, sizeof(body), &len);
	put(MCFG_PA, t, len);
	free(t);
	CHECK_EQ(acpi_mcfg_segments(&mem, MCFG_PA, ecam, 4), -ERR_INVAL);
	mem_reset();
}

static void test_setup(void)
{
	load_fixtures();
}

static void test_teardown(void)
{
	free(fx.facp);
	free(fx.dsdt);
	free(fx.apic);
	free(fx.mcfg);
}

CHECK_MAIN(test_setup, test_fixtures_valid, test_find_table_xsdt, test_find_table_rsdt,
	   test_bad_rsdp, test_table_checksum, test_truncated_tables, test_sleep_info_qemu,
	   test_sleep_info_variants, test_dsdt_without_s5, test_aml_s5, test_madt_qemu,
	   test_madt_built, test_madt_many, test_mcfg, test_teardown)
