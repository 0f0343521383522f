/* Builds a guest's ACPI tables. Every table goes through a packed layout
 * from acpi_tables.h, so nothing depends on where in guest memory it
 * lands; the DSDT's AML is written by a few small emitters (names,
 * integers, PkgLength, packages, buffers) rather than kept as a byte
 * array, so the ECAM and window addresses can come from the config. */
#include "vmm/dev/vacpi.h"

#include <stdbool.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "vmm/host/acpi_tables.h"
#include "vmm/guest_abi.h"

#define FOUR_GIB (4ULL << 30)
#define RSDP_ALIGN 16u /* Linux scans for "RSD PTR " on 16-byte boundaries */
#define TABLE_ALIGN 8u

/* ---- the guest memory the tables go into ---- */

struct area {
	uint8_t *p;
	uint64_t gpa; /* guest address of p[0] */
	size_t size;
	size_t used;
};

/* Takes len zeroed bytes whose guest address is a multiple of align, or
 * returns NULL when they do not fit. */
static void *area_take(struct area *a, size_t len, size_t align, uint64_t *gpa)
{
	uint64_t at = ALIGN_UP(a->gpa + a->used, (uint64_t)align);
	uint64_t off = at - a->gpa;

	if (off > a->size || len > a->size - off)
		return NULL;
	memset(a->p + off, 0, len);
	a->used = (size_t)off + len;
	*gpa = at;
	return a->p + off;
}

/* ---- table headers and checksums ---- */

static uint8_t sum8(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void sdt_init(void *table, const char *sig, uint32_t len, uint8_t rev, const char *oem)
{
	struct acpi_sdt_hdr *h = table;

	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, oem, sizeof(h->oem_id));
	memcpy(h->oem_table_id, VACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(&h->creator_id, VACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = 1;
}

/* Last step of every table: all its bytes then sum to 0. */
static void sdt_seal(void *table)
{
	struct acpi_sdt_hdr *h = table;

	h->checksum = 0;
	h->checksum = (uint8_t)-sum8(table, h->length);
}

/* ---- RSDP, XSDT, FADT ---- */

static void build_rsdp(struct acpi_rsdp *r, const char *oem, uint64_t xsdt)
{
	memcpy(r->signature, ACPI_RSDP_SIG, sizeof(r->signature));
	memcpy(r->oem_id, oem, sizeof(r->oem_id));
	r->revision = 2;
	/* No RSDT: every ACPI 2.0+ OS, Linux included, reads the XSDT. */
	r->rsdt_addr = 0;
	r->length = sizeof(*r);
	r->xsdt_addr = xsdt;
	r->checksum = (uint8_t)-sum8(r, ACPI_RSDP_V1_LEN);
	r->ext_checksum = (uint8_t)-sum8(r, sizeof(*r));
}

#define XSDT_ENTRIES 3u

static void build_xsdt(struct acpi_xsdt *x, const char *oem, const uint64_t *tables)
{
	sdt_init(x, ACPI_SIG_XSDT, (uint32_t)(sizeof(*x) + XSDT_ENTRIES * sizeof(uint64_t)),
		 VACPI_XSDT_REV, oem);
	for (unsigned i = 0; i < XSDT_ENTRIES; i++)
		x->entry[i] = tables[i];
	sdt_seal(x);
}

static struct acpi_gas gas_io(uint16_t port, unsigned bytes, uint8_t access)
{
	struct acpi_gas g;

	memset(&g, 0, sizeof(g));
	g.space_id = ACPI_GAS_SPACE_IO;
	g.bit_width = (uint8_t)(8 * bytes);
	g.access_size = access;
	g.address = port;
	return g;
}

/* Hardware-reduced: with neither PIC nor IOAPIC no SCI can be routed, and
 * a full-hardware FADT makes Linux 6.1 fail to install its SCI handler and
 * give up the whole ACPI interpreter (no PCI, no power-off). Power-off then
 * goes through the sleep control register, the high byte of PM1a_CNT. The
 * PM1a blocks stay described (OSPM ignores them on a hardware-reduced
 * platform) for guests that ignore the flag. No FACS, SCI, PM timer, PM2
 * or GPE blocks. */
static void build_fadt(struct acpi_fadt *f, const char *oem, uint64_t dsdt)
{
	sdt_init(f, ACPI_SIG_FADT, sizeof(*f), VACPI_FADT_REV, oem);
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->preferred_pm_profile = ACPI_FADT_PM_UNSPECIFIED;
	f->pm1a_evt_blk = ARGON_GUEST_PM1A_EVT_PORT;
	f->pm1a_cnt_blk = ARGON_GUEST_PM1A_CNT_PORT;
	f->pm1_evt_len = ARGON_GUEST_PM1_EVT_LEN;
	f->pm1_cnt_len = ARGON_GUEST_PM1_CNT_LEN;
	f->p_lvl2_lat = ACPI_FADT_C2_NONE;
	f->p_lvl3_lat = ACPI_FADT_C3_NONE;
	f->iapc_boot_arch = (uint16_t)(ACPI_FADT_BOOT_NO_VGA | ACPI_FADT_BOOT_NO_ASPM |
				       ACPI_FADT_BOOT_NO_CMOS_RTC);
	f->flags = (uint32_t)(ACPI_FADT_F_WBINVD | ACPI_FADT_F_PROC_C1 | ACPI_FADT_F_PWR_BUTTON |
			      ACPI_FADT_F_SLP_BUTTON | ACPI_FADT_F_FIX_RTC |
			      ACPI_FADT_F_RESET_REG_SUP | ACPI_FADT_F_HEADLESS |
			      ACPI_FADT_F_APIC_PHYSICAL | ACPI_FADT_F_HW_REDUCED);
	f->reset_reg = gas_io(ARGON_GUEST_RESET_PORT, 1, ACPI_GAS_ACCESS_BYTE);
	f->reset_value = ARGON_GUEST_RESET_VALUE;
	f->minor_version = VACPI_FADT_MINOR;
	f->x_pm1a_evt_blk =
		gas_io(ARGON_GUEST_PM1A_EVT_PORT, ARGON_GUEST_PM1_EVT_LEN, ACPI_GAS_ACCESS_WORD);
	f->x_pm1a_cnt_blk =
		gas_io(ARGON_GUEST_PM1A_CNT_PORT, ARGON_GUEST_PM1_CNT_LEN, ACPI_GAS_ACCESS_WORD);
	f->sleep_ctl_reg = gas_io(ARGON_GUEST_SLEEP_CTL_PORT, 1, ACPI_GAS_ACCESS_BYTE);
	f->sleep_sts_reg = gas_io(ARGON_GUEST_SLEEP_STS_PORT, 1, ACPI_GAS_ACCESS_BYTE);
	sdt_seal(f);
}

/* ---- MADT ---- */

/* The spec's rule, which QEMU follows too: a core whose APIC id and UID
 * fit a Local APIC entry gets one, the others an x2APIC entry; never both,
 * or Linux 6.1 counts the core twice. */
static bool lapic_entry_fits(uint32_t apic_id, uint32_t uid)
{
	return apic_id < 0xFF && uid < 0xFF;
}

static size_t madt_len(const struct vacpi_config *cfg)
{
	size_t len = sizeof(struct acpi_madt);
	bool lapic = false, x2apic = false;

	for (unsigned i = 0; i < cfg->ncpus; i++) {
		if (lapic_entry_fits(cfg->cpus[i].apic_id, i)) {
			len += sizeof(struct acpi_madt_lapic);
			lapic = true;
		} else {
			len += sizeof(struct acpi_madt_x2apic);
			x2apic = true;
		}
	}
	if (lapic)
		len += sizeof(struct acpi_madt_lapic_nmi);
	if (x2apic)
		len += sizeof(struct acpi_madt_x2apic_nmi);
	if (cfg->ioapic_addr)
		len += sizeof(struct acpi_madt_ioapic);
	return len;
}

/* No PCAT_COMPAT: no 8259s. The IOAPIC, if any, comes after the cores,
 * with no interrupt source override: ISA IRQ n is GSI n, edge, active
 * high, the ISA defaults, and the only ISA device is COM1. On the
 * hardware-reduced platform Linux does not look for the 8254 through it
 * (docs/guest-platform.md). */
static void build_madt(uint8_t *t, size_t len, const struct vacpi_config *cfg, const char *oem)
{
	struct acpi_madt *m = (struct acpi_madt *)t;
	bool lapic = false, x2apic = false;
	size_t off = sizeof(*m);

	sdt_init(m, ACPI_SIG_MADT, (uint32_t)len, VACPI_MADT_REV, oem);
	m->lapic_addr = ARGON_GUEST_LAPIC_BASE;
	m->flags = 0;
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		uint32_t id = cfg->cpus[i].apic_id;

		if (lapic_entry_fits(id, i)) {
			struct acpi_madt_lapic *e = (struct acpi_madt_lapic *)(t + off);

			e->h.type = ACPI_MADT_TYPE_LAPIC;
			e->h.length = sizeof(*e);
			e->uid = (uint8_t)i;
			e->apic_id = (uint8_t)id;
			e->flags = ACPI_MADT_CPU_ENABLED;
			off += sizeof(*e);
			lapic = true;
		} else {
			struct acpi_madt_x2apic *e = (struct acpi_madt_x2apic *)(t + off);

			e->h.type = ACPI_MADT_TYPE_X2APIC;
			e->h.length = sizeof(*e);
			e->x2apic_id = id;
			e->flags = ACPI_MADT_CPU_ENABLED;
			e->uid = i;
			off += sizeof(*e);
			x2apic = true;
		}
	}
	/* LINT1 is the NMI pin on every core, as on any PC. */
	if (lapic) {
		struct acpi_madt_lapic_nmi *e = (struct acpi_madt_lapic_nmi *)(t + off);

		e->h.type = ACPI_MADT_TYPE_LAPIC_NMI;
		e->h.length = sizeof(*e);
		e->uid = ACPI_MADT_NMI_ALL_LAPIC;
		e->lint = ACPI_MADT_NMI_LINT1;
		off += sizeof(*e);
	}
	if (x2apic) {
		struct acpi_madt_x2apic_nmi *e = (struct acpi_madt_x2apic_nmi *)(t + off);

		e->h.type = ACPI_MADT_TYPE_X2APIC_NMI;
		e->h.length = sizeof(*e);
		e->uid = ACPI_MADT_NMI_ALL_X2APIC;
		e->lint = ACPI_MADT_NMI_LINT1;
		off += sizeof(*e);
	}
	if (cfg->ioapic_addr) {
		struct acpi_madt_ioapic *e = (struct acpi_madt_ioapic *)(t + off);

		e->h.type = ACPI_MADT_TYPE_IOAPIC;
		e->h.length = sizeof(*e);
		e->ioapic_id = cfg->ioapic_id;
		e->addr = cfg->ioapic_addr;
		e->gsi_base = cfg->ioapic_gsi_base;
	}
	sdt_seal(m);
}

/* ---- MCFG ---- */

#define MCFG_LEN (sizeof(struct acpi_mcfg) + sizeof(struct acpi_mcfg_entry))

static void build_mcfg(uint8_t *t, const struct vacpi_config *cfg, const char *oem)
{
	struct acpi_mcfg_entry *e = (struct acpi_mcfg_entry *)(t + sizeof(struct acpi_mcfg));

	sdt_init(t, ACPI_SIG_MCFG, MCFG_LEN, VACPI_MCFG_REV, oem);
	e->base = cfg->ecam_base;
	e->segment = 0;
	e->bus_start = cfg->bus_start;
	e->bus_end = cfg->bus_end;
	sdt_seal(t);
}

/* ---- AML emitters (ACPI 6.4 chapter 20) ---- */

#define AMLOP_ZERO 0x00
#define AMLOP_ONE 0x01
#define AMLOP_NAME 0x08
#define AMLOP_BYTE 0x0A
#define AMLOP_WORD 0x0B
#define AMLOP_DWORD 0x0C
#define AMLOP_QWORD 0x0E
#define AMLOP_SCOPE 0x10
#define AMLOP_BUFFER 0x11
#define AMLOP_PACKAGE 0x12
#define AMLOP_DUAL_NAME 0x2E
#define AMLOP_EXT 0x5B
#define AMLOP_EXT_DEVICE 0x82 /* follows AMLOP_EXT */
#define AMLOP_ROOT 0x5C

/* PkgLength is 1 to 4 bytes and counts itself. */
#define AML_PKGLEN_MAX 4u

/* An output stream. Past cap nothing is written but len keeps counting,
 * so a too-small buffer is found once, at the end. */
struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

static void aml_byte(struct aml *a, unsigned b)
{
	if (a->len < a->cap)
		a->buf[a->len] = (uint8_t)b;
	else
		a->overflow = true;
	a->len++;
}

static void aml_bytes(struct aml *a, const void *data, size_t n)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < n; i++)
		aml_byte(a, p[i]);
}

static void aml_le(struct aml *a, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		aml_byte(a, (unsigned)(v >> (8 * i)) & 0xFF);
}

/* A NameSeg: 4 characters, a shorter name padded with '_'. */
static void aml_seg(struct aml *a, const char *seg)
{
	size_t n = strnlen(seg, 4);

	aml_bytes(a, seg, n);
	for (; n < 4; n++)
		aml_byte(a, '_');
}

/* A NameString of one segment or, with a '.', two; a leading '\' makes it
 * absolute. That is all the DSDT needs. */
static void aml_name(struct aml *a, const char *path)
{
	const char *dot;

	if (*path == '\\') {
		aml_byte(a, AMLOP_ROOT);
		path++;
	}
	dot = strchr(path, '.');
	if (!dot) {
		aml_seg(a, path);
		return;
	}
	aml_byte(a, AMLOP_DUAL_NAME);
	aml_bytes(a, path, (size_t)(dot - path));
	for (size_t n = (size_t)(dot - path); n < 4; n++)
		aml_byte(a, '_');
	aml_seg(a, dot + 1);
}

/* The shortest integer encoding, as iasl picks it. */
static void aml_int(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AMLOP_ZERO);
	} else if (v == 1) {
		aml_byte(a, AMLOP_ONE);
	} else if (v <= 0xFF) {
		aml_byte(a, AMLOP_BYTE);
		aml_le(a, v, 1);
	} else if (v <= 0xFFFF) {
		aml_byte(a, AMLOP_WORD);
		aml_le(a, v, 2);
	} else if (v <= 0xFFFFFFFFu) {
		aml_byte(a, AMLOP_DWORD);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AMLOP_QWORD);
		aml_le(a, v, 8);
	}
}

static unsigned hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	return (unsigned)(c - 'A' + 10);
}

/* EisaId("PNP0A08"): three letters of 5 bits (A = 1) and four hex digits,
 * packed into 32 bits and stored big-endian, always as a DWord. */
static void aml_eisa_id(struct aml *a, const char *id)
{
	uint32_t v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
		     (uint32_t)(id[2] - '@') << 16 | hex_digit(id[3]) << 12 |
		     hex_digit(id[4]) << 8 | hex_digit(id[5]) << 4 | hex_digit(id[6]);

	aml_byte(a, AMLOP_DWORD);
	for (int shift = 24; shift >= 0; shift -= 8)
		aml_byte(a, (v >> shift) & 0xFF);
}

/* Starts a PkgLength-prefixed object; returns where its PkgLength goes.
 * The contents are written first and the PkgLength inserted before them
 * at the end, so the stream never holds more than its final size. */
static size_t aml_open(struct aml *a)
{
	return a->len;
}

/* Inserts the PkgLength of the object opened at 'at' (ACPI 20.2.4): one
 * byte holds up to 63; otherwise bits 7:6 count 1 to 3 following bytes,
 * bits 3:0 hold the low nibble and each following byte 8 more bits. */
static void aml_close(struct aml *a, size_t at)
{
	size_t body = a->len - at;
	size_t total = 0;
	unsigned n;

	for (n = 1; n <= AML_PKGLEN_MAX; n++) {
		total = body + n;
		if (total < (n == 1 ? 0x40u : 1u << (4 + 8 * (n - 1))))
			break;
	}
	if (n > AML_PKGLEN_MAX) { /* 256 MiB of AML: cannot happen */
		a->overflow = true;
		return;
	}
	if (a->len + n > a->cap)
		a->overflow = true;
	a->len += n;
	if (a->overflow)
		return;
	memmove(a->buf + at + n, a->buf + at, body);
	if (n == 1) {
		a->buf[at] = (uint8_t)total;
		return;
	}
	a->buf[at] = (uint8_t)((n - 1) << 6 | (total & 0x0F));
	for (unsigned i = 1; i < n; i++)
		a->buf[at + i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
}

static void aml_name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_byte(a, AMLOP_NAME);
	aml_name(a, name);
	aml_int(a, v);
}

static void aml_name_eisa_id(struct aml *a, const char *name, const char *id)
{
	aml_byte(a, AMLOP_NAME);
	aml_name(a, name);
	aml_eisa_id(a, id);
}

static size_t aml_scope_open(struct aml *a, const char *name)
{
	size_t at;

	aml_byte(a, AMLOP_SCOPE);
	at = aml_open(a);
	aml_name(a, name);
	return at;
}

static size_t aml_device_open(struct aml *a, const char *name)
{
	size_t at;

	aml_byte(a, AMLOP_EXT);
	aml_byte(a, AMLOP_EXT_DEVICE);
	at = aml_open(a);
	aml_name(a, name);
	return at;
}

/* Name(name, Buffer() {data}): how a ResourceTemplate is stored. */
static void aml_name_buffer(struct aml *a, const char *name, const void *data, size_t n)
{
	size_t at;

	aml_byte(a, AMLOP_NAME);
	aml_name(a, name);
	aml_byte(a, AMLOP_BUFFER);
	at = aml_open(a);
	aml_int(a, n);
	aml_bytes(a, data, n);
	aml_close(a, at);
}

/* ---- resource templates for _CRS ---- */

/* The largest template: bus range, two address windows and the end. */
#define RT_MAX                                                                    \
	(sizeof(struct acpi_rd_word_addr) + sizeof(struct acpi_rd_dword_addr) +   \
	 sizeof(struct acpi_rd_qword_addr) + sizeof(struct acpi_rd_fixed_mem32) + \
	 sizeof(struct acpi_rd_end))

struct rt {
	uint8_t buf[RT_MAX];
	struct aml out;
};

static void rt_init(struct rt *r)
{
	r->out.buf = r->buf;
	r->out.cap = sizeof(r->buf);
	r->out.len = 0;
	r->out.overflow = false;
}

/* A bridge's range: produced for the devices below it, both ends fixed. */
#define RD_WINDOW_FLAGS (ACPI_RD_ADDR_MIN_FIXED | ACPI_RD_ADDR_MAX_FIXED)
#define RD_MEM_UC_RW (ACPI_RD_MEM_RW | ACPI_RD_MEM_NONCACHEABLE << ACPI_RD_MEM_CACHE_OFF)

static void rd_bus_range(struct rt *r, uint8_t start, uint8_t end)
{
	struct acpi_rd_word_addr d;

	memset(&d, 0, sizeof(d));
	d.tag = ACPI_RD_TAG_WORD_ADDR;
	d.length = ACPI_RD_LARGE_LEN(struct acpi_rd_word_addr);
	d.type = ACPI_RD_ADDR_BUS;
	d.flags = RD_WINDOW_FLAGS;
	d.min = start;
	d.max = end;
	d.size = (uint16_t)(end - start + 1);
	aml_bytes(&r->out, &d, sizeof(d));
}

static void rd_mem_window32(struct rt *r, uint64_t base, uint64_t size)
{
	struct acpi_rd_dword_addr d;

	memset(&d, 0, sizeof(d));
	d.tag = ACPI_RD_TAG_DWORD_ADDR;
	d.length = ACPI_RD_LARGE_LEN(struct acpi_rd_dword_addr);
	d.type = ACPI_RD_ADDR_MEM;
	d.flags = RD_WINDOW_FLAGS;
	d.type_flags = RD_MEM_UC_RW;
	d.min = (uint32_t)base;
	d.max = (uint32_t)(base + size - 1);
	d.size = (uint32_t)size;
	aml_bytes(&r->out, &d, sizeof(d));
}

static void rd_mem_window64(struct rt *r, uint64_t base, uint64_t size, uint8_t flags)
{
	struct acpi_rd_qword_addr d;

	memset(&d, 0, sizeof(d));
	d.tag = ACPI_RD_TAG_QWORD_ADDR;
	d.length = ACPI_RD_LARGE_LEN(struct acpi_rd_qword_addr);
	d.type = ACPI_RD_ADDR_MEM;
	d.flags = flags;
	d.type_flags = RD_MEM_UC_RW;
	d.min = base;
	d.max = base + size - 1;
	d.size = size;
	aml_bytes(&r->out, &d, sizeof(d));
}

static void rd_fixed_mem32(struct rt *r, uint64_t base, uint64_t size)
{
	struct acpi_rd_fixed_mem32 d;

	memset(&d, 0, sizeof(d));
	d.tag = ACPI_RD_TAG_FIXED_MEM32;
	d.length = ACPI_RD_LARGE_LEN(struct acpi_rd_fixed_mem32);
	d.info = ACPI_RD_MEM_RW;
	d.base = (uint32_t)base;
	d.size = (uint32_t)size;
	aml_bytes(&r->out, &d, sizeof(d));
}

static void rd_io(struct rt *r, uint16_t port, uint8_t len)
{
	struct acpi_rd_io d;

	memset(&d, 0, sizeof(d));
	d.tag = ACPI_RD_SMALL_TAG(ACPI_RD_TYPE_IO, sizeof(d) - 1);
	d.info = ACPI_RD_IO_DECODE16;
	d.min = port;
	d.max = port;
	d.align = 1;
	d.length = len;
	aml_bytes(&r->out, &d, sizeof(d));
}

/* Ends the template and stores it as Name(_CRS, ...) in a. */
static void rt_emit_crs(struct aml *a, struct rt *r)
{
	struct acpi_rd_end end = {ACPI_RD_SMALL_TAG(ACPI_RD_TYPE_END, 1), 0};

	aml_bytes(&r->out, &end, sizeof(end));
	if (r->out.overflow) { /* RT_MAX is wrong */
		a->overflow = true;
		return;
	}
	aml_name_buffer(a, "_CRS", r->buf, r->out.len);
}

/* ---- DSDT ---- */

static uint64_t ecam_lo(const struct vacpi_config *cfg)
{
	return cfg->ecam_base + ((uint64_t)cfg->bus_start << ACPI_ECAM_BUS_SHIFT);
}

static uint64_t ecam_size(const struct vacpi_config *cfg)
{
	return (uint64_t)(cfg->bus_end - cfg->bus_start + 1) << ACPI_ECAM_BUS_SHIFT;
}

/* The PCIe host bridge over the MCFG's buses, with the windows argon
 * places BARs in. No _OSC: Linux then keeps native PCIe hotplug, AER and
 * PME off, none of which argon offers, and still uses MSI and MSI-X. */
static void dsdt_pci0(struct aml *a, const struct vacpi_config *cfg)
{
	size_t dev = aml_device_open(a, "PCI0");
	struct rt r;

	aml_name_eisa_id(a, "_HID", "PNP0A08");
	aml_name_eisa_id(a, "_CID", "PNP0A03");
	aml_name_int(a, "_SEG", 0);
	aml_name_int(a, "_BBN", cfg->bus_start);
	aml_name_int(a, "_UID", 0);
	rt_init(&r);
	rd_bus_range(&r, cfg->bus_start, cfg->bus_end);
	rd_mem_window32(&r, cfg->mmio32_base, cfg->mmio32_size);
	if (cfg->mmio64_size)
		rd_mem_window64(&r, cfg->mmio64_base, cfg->mmio64_size, RD_WINDOW_FLAGS);
	rt_emit_crs(a, &r);
	aml_close(a, dev);
}

/* A motherboard resource holding the ECAM range: Linux only uses an MCFG
 * region that is reserved, in e820 or by a PNP0C02 device's _CRS. */
static void dsdt_mres(struct aml *a, const struct vacpi_config *cfg)
{
	size_t dev = aml_device_open(a, "MRES");
	uint64_t base = ecam_lo(cfg), size = ecam_size(cfg);
	struct rt r;

	aml_name_eisa_id(a, "_HID", "PNP0C02");
	aml_name_int(a, "_UID", 0);
	rt_init(&r);
	if (base + size <= FOUR_GIB)
		rd_fixed_mem32(&r, base, size);
	else
		rd_mem_window64(&r, base, size, RD_WINDOW_FLAGS | ACPI_RD_ADDR_CONSUMER);
	rt_emit_crs(a, &r);
	aml_close(a, dev);
}

/* An ISA IRQ, edge-triggered and active high (the 3-byte form with its
 * information byte spelled out). */
static void rd_irq(struct rt *r, unsigned irq)
{
	struct acpi_rd_irq d;

	d.tag = ACPI_RD_SMALL_TAG(ACPI_RD_TYPE_IRQ, sizeof(d) - 1);
	d.mask = (uint16_t)(1u << irq);
	d.info = ACPI_RD_IRQ_EDGE;
	aml_bytes(&r->out, &d, sizeof(d));
}

/* COM1 with its 8 ports and, with an IOAPIC, ISA IRQ 4 (GSI 4). Without
 * an IRQ Linux's 8250_pnp driver gives the port irq 0, which the 8250
 * core polls. */
static void dsdt_com1(struct aml *a, const struct vacpi_config *cfg)
{
	size_t dev = aml_device_open(a, "COM1");
	struct rt r;

	aml_name_eisa_id(a, "_HID", "PNP0501");
	aml_name_int(a, "_UID", 1);
	rt_init(&r);
	rd_io(&r, ARGON_GUEST_UART_PORT, 8);
	if (cfg->com1_irq)
		rd_irq(&r, cfg->com1_irq);
	rt_emit_crs(a, &r);
	aml_close(a, dev);
}

static void dsdt_aml(struct aml *a, const struct vacpi_config *cfg)
{
	size_t pkg, scope;

	/* \_S5: SLP_TYPa, SLP_TYPb and two reserved zeros, which OSPM
	 * writes to PM1a_CNT with SLP_EN to power off. */
	aml_byte(a, AMLOP_NAME);
	aml_name(a, "_S5_");
	aml_byte(a, AMLOP_PACKAGE);
	pkg = aml_open(a);
	aml_byte(a, 4);
	aml_int(a, ARGON_GUEST_SLP_TYP_S5);
	aml_int(a, ARGON_GUEST_SLP_TYP_S5);
	aml_int(a, 0);
	aml_int(a, 0);
	aml_close(a, pkg);

	scope = aml_scope_open(a, "\\_SB_");
	dsdt_pci0(a, cfg);
	dsdt_mres(a, cfg);
	dsdt_com1(a, cfg);
	aml_close(a, scope);
}

/* The DSDT goes last, as its length is only known once its AML is out. */
static int build_dsdt(struct area *ar, const struct vacpi_config *cfg, const char *oem,
		      uint64_t *gpa)
{
	struct acpi_sdt_hdr *h = area_take(ar, sizeof(*h), TABLE_ALIGN, gpa);
	struct aml a;

	if (!h)
		return -ERR_NOSPC;
	a.buf = ar->p + ar->used;
	a.cap = ar->size - ar->used;
	a.len = 0;
	a.overflow = false;
	dsdt_aml(&a, cfg);
	if (a.overflow)
		return -ERR_NOSPC;
	ar->used += a.len;
	sdt_init(h, ACPI_SIG_DSDT, (uint32_t)(sizeof(*h) + a.len), VACPI_DSDT_REV, oem);
	sdt_seal(h);
	return 0;
}

/* ---- the whole set ---- */

static bool ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

static int check_config(const struct vacpi_config *cfg)
{
	if (!cfg->base || !cfg->cpus || cfg->ncpus == 0)
		return -ERR_INVAL;
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		if (cfg->cpus[i].apic_id == 0xFFFFFFFFu)
			return -ERR_INVAL;
		for (unsigned j = 0; j < i; j++) {
			if (cfg->cpus[j].apic_id == cfg->cpus[i].apic_id)
				return -ERR_INVAL;
		}
	}
	if (cfg->oem_id && strnlen(cfg->oem_id, 7) > 6)
		return -ERR_INVAL;
	if (cfg->com1_irq && (cfg->com1_irq > 15 || !cfg->ioapic_addr || cfg->ioapic_gsi_base))
		return -ERR_INVAL;
	if (cfg->ioapic_addr && cfg->ioapic_id > 15)
		return -ERR_INVAL;

	if (!cfg->ecam_base || !IS_ALIGNED(cfg->ecam_base, 1ULL << ACPI_ECAM_BUS_SHIFT) ||
	    cfg->bus_end < cfg->bus_start || cfg->ecam_base > ~0ULL - (256ULL << 20))
		return -ERR_INVAL;
	if (!cfg->mmio32_size || cfg->mmio32_base >= FOUR_GIB ||
	    cfg->mmio32_size > FOUR_GIB - cfg->mmio32_base)
		return -ERR_INVAL;
	if (ranges_overlap(cfg->mmio32_base, cfg->mmio32_size, ecam_lo(cfg), ecam_size(cfg)))
		return -ERR_INVAL;
	if (cfg->mmio64_size) {
		if (cfg->mmio64_base > ~0ULL - cfg->mmio64_size)
			return -ERR_INVAL;
		if (ranges_overlap(cfg->mmio64_base, cfg->mmio64_size, ecam_lo(cfg),
				   ecam_size(cfg)) ||
		    ranges_overlap(cfg->mmio64_base, cfg->mmio64_size, cfg->mmio32_base,
				   cfg->mmio32_size))
			return -ERR_INVAL;
	}

	/* The FADT's 32-bit DSDT pointer must reach the DSDT. */
	if (cfg->base_gpa >= FOUR_GIB || cfg->size > FOUR_GIB - cfg->base_gpa)
		return -ERR_RANGE;
	return 0;
}

int vacpi_build(const struct vacpi_config *cfg, uint64_t *rsdp_gpa)
{
	uint64_t rsdp, xsdt, fadt, madt, mcfg, dsdt;
	struct acpi_rsdp *rsdp_p;
	struct acpi_xsdt *xsdt_p;
	struct acpi_fadt *fadt_p;
	uint8_t *madt_p, *mcfg_p;
	size_t mlen;
	struct area ar;
	char oem[6];
	int err;

	if (!cfg || !rsdp_gpa)
		return -ERR_INVAL;
	err = check_config(cfg);
	if (err)
		return err;
	memset(oem, ' ', sizeof(oem));
	if (cfg->oem_id)
		memcpy(oem, cfg->oem_id, strnlen(cfg->oem_id, sizeof(oem)));
	else
		memcpy(oem, VACPI_OEM_ID, sizeof(oem));

	ar.p = cfg->base;
	ar.gpa = cfg->base_gpa;
	ar.size = cfg->size;
	ar.used = 0;
	mlen = madt_len(cfg);
	rsdp_p = area_take(&ar, sizeof(*rsdp_p), RSDP_ALIGN, &rsdp);
	xsdt_p = area_take(&ar, sizeof(*xsdt_p) + XSDT_ENTRIES * sizeof(uint64_t), TABLE_ALIGN,
			   &xsdt);
	fadt_p = area_take(&ar, sizeof(*fadt_p), TABLE_ALIGN, &fadt);
	madt_p = area_take(&ar, mlen, TABLE_ALIGN, &madt);
	mcfg_p = area_take(&ar, MCFG_LEN, TABLE_ALIGN, &mcfg);
	if (!rsdp_p || !xsdt_p || !fadt_p || !madt_p || !mcfg_p)
		return -ERR_NOSPC;
	err = build_dsdt(&ar, cfg, oem, &dsdt);
	if (err)
		return err;

	{
		const uint64_t listed[XSDT_ENTRIES] = {fadt, madt, mcfg};

		build_xsdt(xsdt_p, oem, listed);
	}
	build_fadt(fadt_p, oem, dsdt);
	build_madt(madt_p, mlen, cfg, oem);
	build_mcfg(mcfg_p, cfg, oem);
	build_rsdp(rsdp_p, oem, xsdt);
	*rsdp_gpa = rsdp;
	return (int)ar.used;
}
