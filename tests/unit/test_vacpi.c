/* The guest ACPI builder against two independent readers: argon's own
 * host-table parser (vmm/host/acpi_parse.c) finds and decodes what vacpi_build
 * wrote, and a small AML walker here checks the DSDT's structure and _CRS
 * bytes. When iasl (acpica-tools) is installed, the real ACPI compiler
 * disassembles every table and recompiles the DSDT. Guest memory is one
 * allocation of exactly the configured size, so AddressSanitizer catches
 * any write past it. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/host/acpi_parse.h"
#include "vmm/guest_abi.h"
#include "vmm/dev/vacpi.h"

/* ---- guest memory ---- */

struct gmem {
	uint64_t gpa;
	uint8_t *buf;
	size_t len;
};

static const void *gmem_map(void *ctx, uint64_t pa, size_t len)
{
	const struct gmem *g = ctx;

	if (pa < g->gpa || pa - g->gpa > g->len || len > g->len - (pa - g->gpa))
		return NULL;
	return g->buf + (pa - g->gpa);
}

static void gmem_init(struct gmem *g, uint64_t gpa, size_t len)
{
	g->gpa = gpa;
	g->len = len;
	g->buf = malloc(len ? len : 1);
	memset(g->buf, 0xA5, len); /* the builder must not rely on zeroed memory */
}

/* The platform argon gives a guest, as guest_abi.h says. */
static struct vacpi_config default_config(struct gmem *g, const struct vacpi_cpu *cpus, unsigned n)
{
	struct vacpi_config c;

	memset(&c, 0, sizeof(c));
	c.base_gpa = g->gpa;
	c.base = g->buf;
	c.size = g->len;
	c.cpus = cpus;
	c.ncpus = n;
	c.ecam_base = ARGON_GUEST_ECAM_BASE;
	c.bus_start = ARGON_GUEST_ECAM_BUS_START;
	c.bus_end = ARGON_GUEST_ECAM_BUS_END;
	c.mmio32_base = ARGON_GUEST_MMIO32_BASE;
	c.mmio32_size = ARGON_GUEST_MMIO32_SIZE;
	c.ioapic_addr = ARGON_GUEST_IOAPIC_BASE;
	c.ioapic_id = ARGON_GUEST_IOAPIC_ID;
	c.ioapic_gsi_base = ARGON_GUEST_IOAPIC_GSI_BASE;
	c.com1_irq = ARGON_GUEST_UART_GSI;
	return c;
}

/* ---- an independent reader of the DSDT's AML ---- */

struct aml_rd {
	const uint8_t *p, *end;
	int bad;
};

/* PkgLength at r->p: returns the end of the object it measures. */
static const uint8_t *rd_pkg_end(struct aml_rd *r)
{
	const uint8_t *start = r->p;
	unsigned follow;
	uint32_t len;

	if (r->p >= r->end) {
		r->bad = 1;
		return r->end;
	}
	follow = r->p[0] >> 6;
	if (r->end - r->p < 1 + (long)follow) {
		r->bad = 1;
		return r->end;
	}
	if (!follow) {
		len = r->p[0] & 0x3F;
	} else {
		if (r->p[0] & 0x30)
			r->bad = 1; /* bits 5:4 must be zero */
		len = r->p[0] & 0x0F;
		for (unsigned i = 0; i < follow; i++)
			len |= (uint32_t)r->p[1 + i] << (4 + 8 * i);
		/* the encoding must be the shortest one */
		if (len < (follow == 1 ? 0x40u : 1u << (4 + 8 * (follow - 1))))
			r->bad = 1;
	}
	r->p += 1 + follow;
	if (len > (uint32_t)(r->end - start)) {
		r->bad = 1;
		return r->end;
	}
	return start + len;
}

static int rd_seg(struct aml_rd *r, const char *seg)
{
	if (r->end - r->p < 4 || memcmp(r->p, seg, 4) != 0)
		return 0;
	r->p += 4;
	return 1;
}

static int rd_byte(struct aml_rd *r, uint8_t b)
{
	if (r->p >= r->end || *r->p != b)
		return 0;
	r->p++;
	return 1;
}

/* An integer constant. */
static int rd_int(struct aml_rd *r, uint64_t *v)
{
	unsigned n;

	if (r->p >= r->end)
		return 0;
	switch (*r->p++) {
	case 0x00:
		*v = 0;
		return 1;
	case 0x01:
		*v = 1;
		return 1;
	case 0x0A:
		n = 1;
		break;
	case 0x0B:
		n = 2;
		break;
	case 0x0C:
		n = 4;
		break;
	case 0x0E:
		n = 8;
		break;
	default:
		return 0;
	}
	if (r->end - r->p < (long)n)
		return 0;
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return 1;
}

/* What a device holds: Name() objects with integers or one buffer. */
struct dev {
	char name[5];
	uint64_t hid, cid, uid, seg, bbn;
	int has_cid, has_seg, has_bbn, has_uid;
	const uint8_t *crs;
	size_t crs_len;
};

static void rd_device(struct aml_rd *r, struct dev *d)
{
	const uint8_t *end;
	struct aml_rd in;

	memset(d, 0, sizeof(d[0]));
	if (!rd_byte(r, 0x5B) || !rd_byte(r, 0x82)) {
		r->bad = 1;
		return;
	}
	end = rd_pkg_end(r);
	if (r->bad || r->end - r->p < 4) {
		r->bad = 1;
		return;
	}
	memcpy(d->name, r->p, 4);
	r->p += 4;
	in.p = r->p;
	in.end = end;
	in.bad = 0;
	while (in.p < in.end && !in.bad) {
		char name[5] = {0};
		uint64_t v = 0;

		if (!rd_byte(&in, 0x08) || in.end - in.p < 4) {
			in.bad = 1;
			break;
		}
		memcpy(name, in.p, 4);
		in.p += 4;
		if (in.p < in.end && *in.p == 0x11) { /* Buffer */
			const uint8_t *bend;
			uint64_t size;

			in.p++;
			bend = rd_pkg_end(&in);
			if (!rd_int(&in, &size) || size != (uint64_t)(bend - in.p)) {
				in.bad = 1;
				break;
			}
			if (strcmp(name, "_CRS") == 0) {
				d->crs = in.p;
				d->crs_len = (size_t)size;
			}
			in.p = bend;
			continue;
		}
		if (!rd_int(&in, &v)) {
			in.bad = 1;
			break;
		}
		if (strcmp(name, "_HID") == 0) {
			d->hid = v;
		} else if (strcmp(name, "_CID") == 0) {
			d->cid = v;
			d->has_cid = 1;
		} else if (strcmp(name, "_UID") == 0) {
			d->uid = v;
			d->has_uid = 1;
		} else if (strcmp(name, "_SEG") == 0) {
			d->seg = v;
			d->has_seg = 1;
		} else if (strcmp(name, "_BBN") == 0) {
			d->bbn = v;
			d->has_bbn = 1;
		} else {
			in.bad = 1;
		}
	}
	if (in.bad || in.p != end)
		r->bad = 1;
	r->p = end;
}

/* EISA ids as AML DWords hold them (bytes 41 D0 0A 08 for PNP0A08). */
#define EISA_PNP0A08 0x080AD041u
#define EISA_PNP0A03 0x030AD041u
#define EISA_PNP0C02 0x020CD041u
#define EISA_PNP0501 0x0105D041u

struct dsdt {
	uint8_t s5[4];
	struct dev dev[3];
	int ndev;
};

/* Walks a DSDT laid out as vacpi builds it; 0 if the structure holds. */
static int rd_dsdt(const uint8_t *t, size_t len, struct dsdt *out)
{
	struct aml_rd r = {t + sizeof(struct acpi_sdt_hdr), t + len, 0};
	const uint8_t *pkg_end, *scope_end;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	/* Name (_S5, Package (4) {...}) */
	if (!rd_byte(&r, 0x08) || !rd_seg(&r, "_S5_") || !rd_byte(&r, 0x12))
		return -1;
	pkg_end = rd_pkg_end(&r);
	if (!rd_byte(&r, 4))
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!rd_int(&r, &v) || v > 7)
			return -1;
		out->s5[i] = (uint8_t)v;
	}
	if (r.bad || r.p != pkg_end)
		return -1;
	/* Scope (\_SB) { Device... }, reaching the end of the table */
	if (!rd_byte(&r, 0x10))
		return -1;
	scope_end = rd_pkg_end(&r);
	if (r.bad || scope_end != t + len || !rd_byte(&r, '\\') || !rd_seg(&r, "_SB_"))
		return -1;
	while (r.p < scope_end && out->ndev < 3 && !r.bad)
		rd_device(&r, &out->dev[out->ndev++]);
	if (r.bad || r.p != scope_end)
		return -1;
	return 0;
}

static const struct dev *find_dev(const struct dsdt *d, const char *name)
{
	for (int i = 0; i < d->ndev; i++) {
		if (strcmp(d->dev[i].name, name) == 0)
			return &d->dev[i];
	}
	return NULL;
}

/* One resource descriptor of a _CRS buffer. */
struct rdesc {
	uint8_t tag; /* small: type; large: the whole tag byte */
	int large;
	const uint8_t *data; /* after the tag (and, if large, the length) */
	size_t len;
};

/* Splits a template into descriptors; -1 unless it ends with exactly
 * one End Tag at its last two bytes. */
static int rd_crs(const uint8_t *p, size_t len, struct rdesc *out, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < len && n < max) {
		struct rdesc *d = &out[n++];

		if (p[off] & ACPI_RD_LARGE) {
			if (len - off < 3)
				return -1;
			d->large = 1;
			d->tag = p[off];
			d->len = load16(p + off + 1);
			d->data = p + off + 3;
			if (d->len > len - off - 3)
				return -1;
			off += 3 + d->len;
			continue;
		}
		d->large = 0;
		d->tag = ACPI_RD_SMALL_TYPE(p[off]);
		d->len = ACPI_RD_SMALL_LEN(p[off]);
		d->data = p + off + 1;
		if (d->len > len - off - 1)
			return -1;
		off += 1 + d->len;
		if (d->tag == ACPI_RD_TYPE_END)
			return off == len && d->len == 1 ? n - 1 : -1;
	}
	return -1;
}

/* ---- the tables through argon's host ACPI reader ---- */

static int table_len_ok(const struct gmem *g, uint64_t pa, const char *sig, uint32_t want_len,
			uint8_t want_rev)
{
	const uint8_t *t = gmem_map((void *)g, pa, sizeof(struct acpi_sdt_hdr));
	uint32_t len;

	if (!t || memcmp(t, sig, 4) != 0)
		return 0;
	len = load32(t + 4);
	if ((want_len && len != want_len) || t[8] != want_rev || !gmem_map((void *)g, pa, len))
		return 0;
	return acpi_sum(t, len) == 0 && memcmp(t + 10, "ARGON ", 6) == 0 &&
	       memcmp(t + 16, VACPI_OEM_TABLE_ID, 8) == 0 && memcmp(t + 28, "ARGN", 4) == 0;
}

static void check_machine(const uint32_t *ids, unsigned n)
{
	struct vacpi_cpu cpus[8];
	struct acpi_sleep_info si;
	struct acpi_cpu found[8];
	struct acpi_ecam ecam[2];
	const uint8_t *rsdp, *madt, *fadt, *dsdt;
	struct acpi_mem mem;
	struct vacpi_config c;
	struct dsdt d;
	struct gmem g;
	uint64_t rsdp_pa = 0, fadt_pa = 0, madt_pa = 0, mcfg_pa = 0, dsdt_pa = 0;
	size_t madt_want = sizeof(struct acpi_madt);
	bool any_lapic = false, any_x2apic = false;
	int used, got;

	for (unsigned i = 0; i < n; i++) {
		cpus[i].apic_id = ids[i];
		if (ids[i] < 0xFF) {
			madt_want += sizeof(struct acpi_madt_lapic);
			any_lapic = true;
		} else {
			madt_want += sizeof(struct acpi_madt_x2apic);
			any_x2apic = true;
		}
	}
	madt_want += (any_lapic ? sizeof(struct acpi_madt_lapic_nmi) : 0) +
		     (any_x2apic ? sizeof(struct acpi_madt_x2apic_nmi) : 0) +
		     sizeof(struct acpi_madt_ioapic);

	gmem_init(&g, ARGON_GUEST_ACPI_BASE, ARGON_GUEST_ACPI_SIZE);
	mem.map = gmem_map;
	mem.ctx = &g;
	c = default_config(&g, cpus, n);
	used = vacpi_build(&c, &rsdp_pa);
	CHECK(used > 0);
	CHECK(used < 4096);
	CHECK_EQ(rsdp_pa, ARGON_GUEST_ACPI_BASE);

	/* RSDP: revision 2, both checksums, no RSDT. */
	rsdp = g.buf;
	CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
	CHECK_EQ(acpi_sum(rsdp, ACPI_RSDP_V1_LEN), 0);
	CHECK_EQ(load32(rsdp + offsetof(struct acpi_rsdp, length)), 36);
	CHECK_EQ(acpi_sum(rsdp, 36), 0);
	CHECK_EQ(rsdp[offsetof(struct acpi_rsdp, revision)], 2);
	CHECK_EQ(load32(rsdp + offsetof(struct acpi_rsdp, rsdt_addr)), 0);
	CHECK(memcmp(rsdp + offsetof(struct acpi_rsdp, oem_id), "ARGON ", 6) == 0);

	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "FACP", &fadt_pa), 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "APIC", &madt_pa), 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "MCFG", &mcfg_pa), 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "DSDT", &dsdt_pa), 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "HPET", &dsdt_pa), -ERR_NOENT);
	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "FACS", &dsdt_pa), -ERR_NOENT);
	CHECK_EQ(acpi_find_table(&mem, rsdp_pa, "DSDT", &dsdt_pa), 0);
	CHECK(table_len_ok(&g, load64(rsdp + offsetof(struct acpi_rsdp, xsdt_addr)), "XSDT",
			   36 + 3 * 8, VACPI_XSDT_REV));
	CHECK(table_len_ok(&g, fadt_pa, "FACP", sizeof(struct acpi_fadt), VACPI_FADT_REV));
	CHECK(table_len_ok(&g, madt_pa, "APIC", (uint32_t)madt_want, VACPI_MADT_REV));
	CHECK(table_len_ok(&g, mcfg_pa, "MCFG", 60, VACPI_MCFG_REV));
	CHECK(table_len_ok(&g, dsdt_pa, "DSDT", 0, VACPI_DSDT_REV));
	/* The DSDT is last and ends where the returned length says. */
	CHECK_EQ(dsdt_pa + load32(g.buf + (dsdt_pa - g.gpa) + 4), g.gpa + (uint64_t)used);

	/* MADT: exactly the cores, in order, UID = index; x2APIC entries
	 * only for ids a Local APIC entry cannot hold. */
	got = acpi_madt_cpus(&mem, madt_pa, found, 8);
	CHECK_EQ(got, n);
	for (int i = 0; i < got && i < (int)n; i++) {
		CHECK_EQ(found[i].apic_id, ids[i]);
		CHECK_EQ(found[i].uid, i);
		CHECK(found[i].enabled);
		CHECK(!found[i].online_capable);
		CHECK_EQ(found[i].x2apic_entry, ids[i] >= 0xFF);
	}
	madt = g.buf + (madt_pa - g.gpa);
	CHECK_EQ(load32(madt + offsetof(struct acpi_madt, lapic_addr)), 0xFEE00000u);
	CHECK_EQ(load32(madt + offsetof(struct acpi_madt, flags)), 0); /* no 8259s */
	{
		uint32_t len = load32(madt + 4), off = sizeof(struct acpi_madt);
		int lapic_nmi = 0, x2apic_nmi = 0, ioapic = 0, other = 0;

		while (off + 2 <= len && madt[off + 1] >= 2) {
			const uint8_t *e = madt + off;

			if (e[0] == ACPI_MADT_TYPE_LAPIC_NMI) {
				lapic_nmi++;
				CHECK_EQ(e[2], 0xFF);	    /* every processor */
				CHECK_EQ(load16(e + 3), 0); /* bus defaults */
				CHECK_EQ(e[5], 1);	    /* LINT1 */
			} else if (e[0] == ACPI_MADT_TYPE_X2APIC_NMI) {
				x2apic_nmi++;
				CHECK_EQ(load32(e + 4), 0xFFFFFFFFu);
				CHECK_EQ(e[8], 1);
			} else if (e[0] == ACPI_MADT_TYPE_IOAPIC) {
				ioapic++;
				CHECK_EQ(e[1], 12);
				CHECK_EQ(e[2], ARGON_GUEST_IOAPIC_ID);
				CHECK_EQ(load32(e + 4), 0xFEC00000u);
				CHECK_EQ(load32(e + 8), 0); /* GSIs 0-23 */
			} else if (e[0] != ACPI_MADT_TYPE_LAPIC && e[0] != ACPI_MADT_TYPE_X2APIC) {
				other++; /* an override would be a bug: ISA IRQ n is GSI n */
			}
			off += e[1];
		}
		CHECK_EQ(off, len);
		CHECK_EQ(lapic_nmi, any_lapic);
		CHECK_EQ(x2apic_nmi, any_x2apic);
		CHECK_EQ(ioapic, 1);
		CHECK_EQ(other, 0);
	}

	/* MCFG: the guest's ECAM. */
	CHECK_EQ(acpi_mcfg_segments(&mem, mcfg_pa, ecam, 2), 1);
	CHECK_EQ(ecam[0].base, ARGON_GUEST_ECAM_BASE);
	CHECK_EQ(ecam[0].segment, 0);
	CHECK_EQ(ecam[0].bus_start, 0);
	CHECK_EQ(ecam[0].bus_end, 255);

	/* FADT: power-off and reset as argon traps them. */
	CHECK_EQ(acpi_get_sleep_info(&mem, fadt_pa, &si), 0);
	CHECK_EQ(si.pm1a_cnt.space_id, ACPI_GAS_SPACE_IO);
	CHECK_EQ(si.pm1a_cnt.address, ARGON_GUEST_PM1A_CNT_PORT);
	CHECK_EQ(si.pm1a_cnt.bit_width, 16);
	CHECK_EQ(si.pm1b_cnt.address, 0);
	CHECK_EQ(si.slp_typa, ARGON_GUEST_SLP_TYP_S5);
	CHECK_EQ(si.slp_typb, ARGON_GUEST_SLP_TYP_S5);
	CHECK(si.hw_reduced);
	CHECK_EQ(si.sleep_ctl.space_id, ACPI_GAS_SPACE_IO);
	CHECK_EQ(si.sleep_ctl.address, 0x605);
	CHECK_EQ(si.sleep_ctl.bit_width, 8);
	CHECK(si.reset_supported);
	CHECK_EQ(si.reset_reg.space_id, ACPI_GAS_SPACE_IO);
	CHECK_EQ(si.reset_reg.address, 0xCF9);
	CHECK_EQ(si.reset_reg.bit_width, 8);
	CHECK_EQ(si.reset_value, 6);

	fadt = g.buf + (fadt_pa - g.gpa);
	{
		struct acpi_fadt f;

		memcpy(&f, fadt, sizeof(f));
		CHECK_EQ(f.firmware_ctrl, 0);
		CHECK_EQ(f.x_firmware_ctrl, 0);
		CHECK_EQ(f.dsdt, dsdt_pa);
		CHECK_EQ(f.x_dsdt, dsdt_pa);
		CHECK_EQ(f.sci_int, 0);
		CHECK_EQ(f.smi_cmd, 0);
		CHECK_EQ(f.acpi_enable, 0);
		CHECK_EQ(f.pm1a_evt_blk, 0x600);
		CHECK_EQ(f.pm1_evt_len, 4);
		CHECK_EQ(f.pm1a_cnt_blk, 0x604);
		CHECK_EQ(f.pm1_cnt_len, 2);
		CHECK_EQ(f.pm_tmr_blk, 0);
		CHECK_EQ(f.pm_tmr_len, 0);
		CHECK_EQ(f.pm2_cnt_blk | f.gpe0_blk | f.gpe1_blk, 0);
		CHECK_EQ(f.pm2_cnt_len | f.gpe0_blk_len | f.gpe1_blk_len, 0);
		CHECK_EQ(f.x_pm_tmr_blk.address | f.x_gpe0_blk.address | f.x_pm2_cnt_blk.address,
			 0);
		CHECK_EQ(f.x_pm1a_evt_blk.address, 0x600);
		CHECK_EQ(f.x_pm1a_evt_blk.bit_width, 32);
		CHECK_EQ(f.x_pm1a_cnt_blk.address, 0x604);
		CHECK_EQ(f.sleep_sts_reg.address, 0x601);
		CHECK_EQ(f.sleep_sts_reg.bit_width, 8);
		CHECK_EQ(f.p_lvl2_lat, 101);
		CHECK_EQ(f.p_lvl3_lat, 1001);
		CHECK_EQ(f.iapc_boot_arch, 0x34); /* no VGA, no ASPM, no RTC */
		CHECK_EQ(f.flags, 0x181475);
		CHECK_EQ(f.minor_version, VACPI_FADT_MINOR);
		CHECK_EQ(f.hdr.length, 276);
	}

	/* DSDT: \_S5 and the three devices. */
	dsdt = g.buf + (dsdt_pa - g.gpa);
	CHECK_EQ(rd_dsdt(dsdt, load32(dsdt + 4), &d), 0);
	CHECK_EQ(d.ndev, 3);
	CHECK_EQ(d.s5[0], ARGON_GUEST_SLP_TYP_S5);
	{
		const struct dev *pci = find_dev(&d, "PCI0"), *mres = find_dev(&d, "MRES"),
				 *com = find_dev(&d, "COM1");
		struct rdesc rd[4];

		CHECK(pci && mres && com);
		if (pci) {
			CHECK_EQ(pci->hid, EISA_PNP0A08);
			CHECK(pci->has_cid && pci->cid == EISA_PNP0A03);
			CHECK(pci->has_seg && pci->seg == 0);
			CHECK(pci->has_bbn && pci->bbn == 0);
			CHECK(pci->has_uid && pci->uid == 0);
			CHECK_EQ(rd_crs(pci->crs, pci->crs_len, rd, 4), 2);
			CHECK_EQ(rd[0].tag, ACPI_RD_TAG_WORD_ADDR);
			CHECK_EQ(rd[0].data[0], ACPI_RD_ADDR_BUS);
			CHECK_EQ(rd[0].data[1], 0x0C); /* producer, min and max fixed */
			CHECK_EQ(load16(rd[0].data + 5), 0);
			CHECK_EQ(load16(rd[0].data + 7), 255);
			CHECK_EQ(load16(rd[0].data + 11), 256);
			CHECK_EQ(rd[1].tag, ACPI_RD_TAG_DWORD_ADDR);
			CHECK_EQ(rd[1].data[0], ACPI_RD_ADDR_MEM);
			CHECK_EQ(rd[1].data[1], 0x0C);
			CHECK_EQ(rd[1].data[2], 0x01); /* read-write, non-cacheable */
			CHECK_EQ(load32(rd[1].data + 7), 0xC0000000u);
			CHECK_EQ(load32(rd[1].data + 11), 0xDFFFFFFFu);
			CHECK_EQ(load32(rd[1].data + 19), 0x20000000u);
		}
		if (mres) {
			CHECK_EQ(mres->hid, EISA_PNP0C02);
			CHECK_EQ(rd_crs(mres->crs, mres->crs_len, rd, 4), 1);
			CHECK_EQ(rd[0].tag, ACPI_RD_TAG_FIXED_MEM32);
			CHECK_EQ(rd[0].len, 9);
			CHECK_EQ(load32(rd[0].data + 1), ARGON_GUEST_ECAM_BASE);
			CHECK_EQ(load32(rd[0].data + 5), ARGON_GUEST_ECAM_SIZE);
		}
		if (com) {
			int nd;

			CHECK_EQ(com->hid, EISA_PNP0501);
			nd = rd_crs(com->crs, com->crs_len, rd, 4);
			/* The 8 ports, and ISA IRQ 4, edge, active high. */
			CHECK_EQ(nd, 2);
			CHECK(!rd[0].large && rd[0].tag == ACPI_RD_TYPE_IO);
			CHECK_EQ(rd[0].len, 7);
			CHECK_EQ(rd[0].data[0], 1); /* 16-bit decode */
			CHECK_EQ(load16(rd[0].data + 1), 0x3F8);
			CHECK_EQ(load16(rd[0].data + 3), 0x3F8);
			CHECK_EQ(rd[0].data[6], 8);
			CHECK(!rd[1].large && rd[1].tag == ACPI_RD_TYPE_IRQ);
			CHECK_EQ(rd[1].len, 3);
			CHECK_EQ(load16(rd[1].data), 1u << 4);
			CHECK_EQ(rd[1].data[2], 0x01); /* edge, active high, exclusive */
		}
	}
	free(g.buf);
}

static void test_one_cpu(void)
{
	static const uint32_t ids[] = {0};

	check_machine(ids, 1);
}

static void test_two_cpus(void)
{
	static const uint32_t ids[] = {0, 2};

	check_machine(ids, 2);
}

/* A boot CPU that is not id 0, and ids that need x2APIC entries (0xFF is
 * the broadcast id of a Local APIC entry). */
static void test_four_cpus(void)
{
	static const uint32_t ids[] = {4, 0xFF, 0x100, 1};

	check_machine(ids, 4);
}

static void test_x2apic_only(void)
{
	static const uint32_t ids[] = {0x200, 0x201};

	check_machine(ids, 2);
}

/* Without an IOAPIC: no MADT entry for one, and COM1 has no IRQ. */
static void test_no_ioapic(void)
{
	static const struct vacpi_cpu cpus[] = {{0}, {1}};
	struct acpi_mem mem = {gmem_map, NULL};
	struct vacpi_config c;
	struct gmem g;
	struct dsdt d;
	uint64_t rsdp = 0, madt_pa = 0, dsdt_pa = 0;
	const uint8_t *madt, *dsdt;

	gmem_init(&g, ARGON_GUEST_ACPI_BASE, 4096);
	mem.ctx = &g;
	c = default_config(&g, cpus, 2);
	c.ioapic_addr = 0;
	c.com1_irq = 0;
	CHECK(vacpi_build(&c, &rsdp) > 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp, "APIC", &madt_pa), 0);
	madt = g.buf + (madt_pa - g.gpa);
	CHECK_EQ(load32(madt + 4), sizeof(struct acpi_madt) + 2 * sizeof(struct acpi_madt_lapic) +
					   sizeof(struct acpi_madt_lapic_nmi));
	for (uint32_t off = sizeof(struct acpi_madt); off + 2 <= load32(madt + 4);
	     off += madt[off + 1])
		CHECK(madt[off] != ACPI_MADT_TYPE_IOAPIC);
	CHECK_EQ(acpi_find_table(&mem, rsdp, "DSDT", &dsdt_pa), 0);
	dsdt = g.buf + (dsdt_pa - g.gpa);
	CHECK_EQ(rd_dsdt(dsdt, load32(dsdt + 4), &d), 0);
	{
		const struct dev *com = find_dev(&d, "COM1");
		struct rdesc rd[4];

		CHECK(com != NULL);
		if (com) {
			CHECK_EQ(rd_crs(com->crs, com->crs_len, rd, 4), 1);
			CHECK(!rd[0].large && rd[0].tag == ACPI_RD_TYPE_IO);
		}
	}
	free(g.buf);
}

/* ---- layout, sizes and bad configs ---- */

static void test_layout(void)
{
	static const struct vacpi_cpu cpus[] = {{0}, {1}};
	struct vacpi_config c;
	struct acpi_mem mem = {gmem_map, NULL};
	struct gmem g;
	uint64_t rsdp = 0, pa;
	int used;

	/* An unaligned start: the RSDP moves up to a 16-byte boundary. */
	gmem_init(&g, 0x9F004, 4096);
	mem.ctx = &g;
	c = default_config(&g, cpus, 2);
	c.oem_id = "XYZ";
	used = vacpi_build(&c, &rsdp);
	CHECK(used > 0);
	CHECK_EQ(rsdp, 0x9F010);
	CHECK(memcmp(g.buf + 0xC + offsetof(struct acpi_rsdp, oem_id), "XYZ   ", 6) == 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp, "APIC", &pa), 0);
	CHECK(memcmp(g.buf + (pa - g.gpa) + 10, "XYZ   ", 6) == 0);
	CHECK_EQ(pa % 8, 0);
	free(g.buf);

	/* Returns the same length for the same config, whatever the room. */
	gmem_init(&g, ARGON_GUEST_ACPI_BASE, (size_t)used - 0xC);
	c = default_config(&g, cpus, 2);
	CHECK_EQ(vacpi_build(&c, &rsdp), used - 0xC);
	free(g.buf);
}

/* Every size short of what the tables need fails cleanly, writing nothing
 * past the end (the allocation is exactly that size). */
static void test_too_small(void)
{
	static const struct vacpi_cpu cpus[] = {{0}, {1}, {0x300}};
	struct vacpi_config c;
	struct gmem g;
	uint64_t rsdp = 0;
	int need;

	gmem_init(&g, ARGON_GUEST_ACPI_BASE, 4096);
	c = default_config(&g, cpus, 3);
	c.mmio64_base = 1ULL << 40;
	c.mmio64_size = 1ULL << 36;
	need = vacpi_build(&c, &rsdp);
	free(g.buf);
	CHECK(need > 0);
	for (int size = 0; size < need; size++) {
		int ret;

		gmem_init(&g, ARGON_GUEST_ACPI_BASE, (size_t)size);
		c = default_config(&g, cpus, 3);
		c.mmio64_base = 1ULL << 40;
		c.mmio64_size = 1ULL << 36;
		ret = vacpi_build(&c, &rsdp);
		if (ret != -ERR_NOSPC) {
			fprintf(stderr, "size %d: %d\n", size, ret);
			CHECK_EQ(ret, -ERR_NOSPC);
		}
		free(g.buf);
	}
	gmem_init(&g, ARGON_GUEST_ACPI_BASE, (size_t)need);
	c = default_config(&g, cpus, 3);
	c.mmio64_base = 1ULL << 40;
	c.mmio64_size = 1ULL << 36;
	CHECK_EQ(vacpi_build(&c, &rsdp), need);
	free(g.buf);
}

static void test_bad_config(void)
{
	static const struct vacpi_cpu cpus[] = {{0}, {1}};
	static const struct vacpi_cpu dup[] = {{3}, {3}};
	static const struct vacpi_cpu bad_id[] = {{0}, {0xFFFFFFFFu}};
	struct vacpi_config c;
	struct gmem g;
	uint64_t rsdp = 0;

	gmem_init(&g, ARGON_GUEST_ACPI_BASE, 4096);
	c = default_config(&g, cpus, 2);
	CHECK(vacpi_build(&c, &rsdp) > 0);
	CHECK_EQ(vacpi_build(NULL, &rsdp), -ERR_INVAL);
	CHECK_EQ(vacpi_build(&c, NULL), -ERR_INVAL);

	/* An IRQ for COM1 needs an IOAPIC with GSI base 0 and an ISA IRQ. */
	c.ioapic_addr = 0;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.ioapic_gsi_base = 24;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c.com1_irq = 0;
	CHECK(vacpi_build(&c, &rsdp) > 0);
	c = default_config(&g, cpus, 2);
	c.com1_irq = 16;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.ioapic_id = 16;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);

	c.ncpus = 0;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, NULL, 2);
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, dup, 2);
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, bad_id, 2);
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);

	c = default_config(&g, cpus, 2);
	c.base = NULL;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.oem_id = "TOOLONG";
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c.oem_id = "SIXSIX";
	CHECK(vacpi_build(&c, &rsdp) > 0);

	c = default_config(&g, cpus, 2);
	c.bus_start = 2;
	c.bus_end = 1;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.ecam_base = ARGON_GUEST_ECAM_BASE + 0x1000; /* not 1 MiB aligned */
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c.ecam_base = 0;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);

	/* Windows: present, below 4 GiB for the 32-bit one, clear of ECAM. */
	c = default_config(&g, cpus, 2);
	c.mmio32_size = 0;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.mmio32_base = 0xF0000000u;
	c.mmio32_size = 0x20000000u;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.mmio32_base = ARGON_GUEST_ECAM_BASE + ARGON_GUEST_ECAM_SIZE - 0x1000;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c = default_config(&g, cpus, 2);
	c.bus_end = 0; /* ECAM shrinks to 1 MiB: a window right after it fits */
	c.mmio32_base = ARGON_GUEST_ECAM_BASE + 0x100000;
	c.mmio32_size = 0x100000;
	CHECK(vacpi_build(&c, &rsdp) > 0);
	c = default_config(&g, cpus, 2);
	c.mmio64_base = ARGON_GUEST_MMIO32_BASE;
	c.mmio64_size = 0x1000;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);
	c.mmio64_base = ~0ULL - 0xFFF;
	c.mmio64_size = 0x2000;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_INVAL);

	/* The area must stay below 4 GiB. */
	c = default_config(&g, cpus, 2);
	c.base_gpa = 0xFFFFF800u; /* 4096 bytes from here cross 4 GiB */
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_RANGE);
	c.base_gpa = 0x100000000ULL;
	CHECK_EQ(vacpi_build(&c, &rsdp), -ERR_RANGE);
	c.base_gpa = 0xFFFFF000u; /* ends at 4 GiB exactly */
	CHECK(vacpi_build(&c, &rsdp) > 0);
	free(g.buf);
}

/* A 64-bit window and an ECAM above 4 GiB: QWord descriptors. */
static void test_high_windows(void)
{
	static const struct vacpi_cpu cpus[] = {{0}};
	struct acpi_mem mem = {gmem_map, NULL};
	struct vacpi_config c;
	struct rdesc rd[4];
	struct dsdt d;
	struct gmem g;
	uint64_t rsdp = 0, pa = 0;
	const uint8_t *t;

	gmem_init(&g, ARGON_GUEST_ACPI_BASE, 4096);
	mem.ctx = &g;
	c = default_config(&g, cpus, 1);
	c.ecam_base = 0x4000000000ULL;
	c.bus_start = 0x10;
	c.bus_end = 0x1F;
	c.mmio64_base = 0x8000000000ULL;
	c.mmio64_size = 0x1000000000ULL;
	CHECK(vacpi_build(&c, &rsdp) > 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp, "DSDT", &pa), 0);
	t = g.buf + (pa - g.gpa);
	CHECK_EQ(rd_dsdt(t, load32(t + 4), &d), 0);
	if (d.ndev == 3) {
		const struct dev *pci = find_dev(&d, "PCI0"), *mres = find_dev(&d, "MRES");

		CHECK(pci && pci->bbn == 0x10);
		if (pci && rd_crs(pci->crs, pci->crs_len, rd, 4) == 3) {
			CHECK_EQ(load16(rd[0].data + 5), 0x10);
			CHECK_EQ(load16(rd[0].data + 7), 0x1F);
			CHECK_EQ(rd[2].tag, ACPI_RD_TAG_QWORD_ADDR);
			CHECK_EQ(rd[2].len, 43);
			CHECK_EQ(rd[2].data[1], 0x0C);
			CHECK_EQ(load64(rd[2].data + 11), 0x8000000000ULL);
			CHECK_EQ(load64(rd[2].data + 19), 0x8FFFFFFFFFULL);
			CHECK_EQ(load64(rd[2].data + 35), 0x1000000000ULL);
		} else {
			CHECK(0);
		}
		/* The ECAM of buses 0x10-0x1F only, consumed by MRES. */
		if (mres && rd_crs(mres->crs, mres->crs_len, rd, 4) == 1) {
			CHECK_EQ(rd[0].tag, ACPI_RD_TAG_QWORD_ADDR);
			CHECK_EQ(rd[0].data[1], 0x0D);
			CHECK_EQ(load64(rd[0].data + 11), 0x4001000000ULL);
			CHECK_EQ(load64(rd[0].data + 35), 0x1000000ULL);
		} else {
			CHECK(0);
		}
	} else {
		CHECK(0);
	}
	free(g.buf);
}

/* Many cores: the MADT and the rest still fit and parse; AML unchanged. */
static void test_many_cpus(void)
{
	struct vacpi_cpu cpus[300];
	struct acpi_cpu found[300];
	struct acpi_mem mem = {gmem_map, NULL};
	struct vacpi_config c;
	struct gmem g;
	uint64_t rsdp = 0, pa = 0;

	for (unsigned i = 0; i < 300; i++)
		cpus[i].apic_id = i * 2;
	gmem_init(&g, ARGON_GUEST_ACPI_BASE, 16384);
	mem.ctx = &g;
	c = default_config(&g, cpus, 300);
	CHECK(vacpi_build(&c, &rsdp) > 0);
	CHECK_EQ(acpi_find_table(&mem, rsdp, "APIC", &pa), 0);
	CHECK_EQ(acpi_madt_cpus(&mem, pa, found, 300), 300);
	/* ids 0..254 in Local APIC entries, 256 and up in x2APIC ones */
	CHECK(!found[127].x2apic_entry);
	CHECK_EQ(found[127].apic_id, 254);
	CHECK(found[128].x2apic_entry);
	CHECK_EQ(found[299].apic_id, 598);
	CHECK_EQ(found[299].uid, 299);
	free(g.buf);
}

/* ---- the real ACPI compiler, when installed ---- */

static int have_iasl(void)
{
	return system("command -v iasl >/dev/null 2>&1") == 0;
}

static int file_has(const char *path, const char *needle)
{
	static char text[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return strstr(text, needle) != NULL;
}

/* A whole file, malloc'd; NULL if it cannot be read. */
static uint8_t *read_file(const char *path, size_t *len)
{
	uint8_t *buf = malloc(65536);
	FILE *f = fopen(path, "rb");

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int run(const char *dir, const char *cmd)
{
	char line[1024];

	snprintf(line, sizeof(line), "cd '%s' && %s >iasl.log 2>&1", dir, cmd);
	return system(line);
}

static void test_iasl(void)
{
	static const struct vacpi_cpu cpus[] = {{0}, {0x100}};
	static const char *const sigs[] = {"FACP", "APIC", "MCFG", "DSDT"};
	struct acpi_mem mem = {gmem_map, NULL};
	char dir[] = "/tmp/test_vacpi.XXXXXX", path[256];
	struct vacpi_config c;
	struct gmem g;
	uint64_t rsdp = 0;

	if (!have_iasl()) {
		printf("test_iasl: iasl not installed (apt-get install acpica-tools); skipped\n");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	gmem_init(&g, ARGON_GUEST_ACPI_BASE, 4096);
	mem.ctx = &g;
	c = default_config(&g, cpus, 2);
	c.mmio64_base = 0x8000000000ULL;
	c.mmio64_size = 0x1000000000ULL;
	CHECK(vacpi_build(&c, &rsdp) > 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		uint64_t pa = 0;
		const uint8_t *t;

		CHECK_EQ(acpi_find_table(&mem, rsdp, sigs[i], &pa), 0);
		t = g.buf + (pa - g.gpa);
		snprintf(path, sizeof(path), "%s/%s.dat", dir, sigs[i]);
		write_file(path, t, load32(t + 4));
		snprintf(path, sizeof(path), "iasl -d %s.dat", sigs[i]);
		CHECK_EQ(run(dir, path), 0);
		snprintf(path, sizeof(path), "%s/%s.dsl", dir, sigs[i]);
		CHECK(file_has(path, "ARGONVM"));
		CHECK(!file_has(path, "Incorrect checksum"));
		CHECK(!file_has(path, "Invalid"));
	}
	snprintf(path, sizeof(path), "%s/DSDT.dsl", dir);
	CHECK(file_has(path, "_S5_"));
	CHECK(file_has(path, "PNP0A08"));
	CHECK(file_has(path, "PNP0A03"));
	CHECK(file_has(path, "PNP0C02"));
	CHECK(file_has(path, "PNP0501"));
	CHECK(file_has(path, "Memory32Fixed (ReadWrite,\n                    0xB0000000"));
	CHECK(file_has(path, "QWordMemory"));
	CHECK(file_has(path, "IO (Decode16,\n                    0x03F8"));
	CHECK(file_has(path, "IRQ (Edge, ActiveHigh, Exclusive, )\n                    {4}"));
	/* iasl's disassembler accepts broken AML, so the proof is the way
	 * back: its disassembly compiles (optimizations off, which would drop
	 * the redundant '\' of \_SB) to exactly the AML vacpi wrote. */
	CHECK_EQ(run(dir, "iasl -oa -p recompiled DSDT.dsl"), 0);
	snprintf(path, sizeof(path), "%s/recompiled.aml", dir);
	{
		uint64_t pa = 0;
		const uint8_t *ours;
		uint8_t *theirs;
		size_t n = 0;

		CHECK_EQ(acpi_find_table(&mem, rsdp, "DSDT", &pa), 0);
		ours = g.buf + (pa - g.gpa);
		theirs = read_file(path, &n);
		CHECK(theirs != NULL);
		CHECK_EQ(n, load32(ours + 4));
		if (theirs && n == load32(ours + 4))
			CHECK(memcmp(theirs + sizeof(struct acpi_sdt_hdr),
				     ours + sizeof(struct acpi_sdt_hdr),
				     n - sizeof(struct acpi_sdt_hdr)) == 0);
		free(theirs);
	}
	snprintf(path, sizeof(path), "%s/FACP.dsl", dir);
	CHECK(file_has(path, "Hardware Reduced (V5) : 1"));
	snprintf(path, sizeof(path), "%s/APIC.dsl", dir);
	CHECK(file_has(path, "Processor x2Apic ID : 00000100"));
	CHECK(file_has(path, "I/O APIC"));
	CHECK(file_has(path, "FEC00000"));
	CHECK(!file_has(path, "Interrupt Source Override"));
	free(g.buf);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK_EQ(system(path), 0);
}

CHECK_MAIN(test_one_cpu, test_two_cpus, test_four_cpus, test_x2apic_only, test_no_ioapic,
	   test_layout, test_too_small, test_bad_config, test_high_windows, test_many_cpus,
	   test_iasl)
