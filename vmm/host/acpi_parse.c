/* Host ACPI table readers. Tables come from firmware and may sit at any
 * byte address, so multi-byte values are read with memcpy or through the
 * packed layouts of acpi_tables.h, and every length is checked against the
 * table's own before use. */
#include "vmm/host/acpi_parse.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"

static const void *map(const struct acpi_mem *mem, uint64_t pa, size_t len)
{
	if (!mem || !mem->map || pa == 0)
		return NULL;
	return mem->map(mem->ctx, pa, len);
}

uint8_t acpi_sum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

int acpi_table_map(const struct acpi_mem *mem, uint64_t pa, const char *sig, const void **table,
		   uint32_t *len)
{
	const struct acpi_sdt_hdr *hdr;
	const void *t;
	uint32_t n;

	hdr = map(mem, pa, sizeof(*hdr));
	if (!hdr)
		return -ERR_FAULT;
	if (sig && memcmp(hdr->signature, sig, 4) != 0)
		return -ERR_NOENT;
	/* Read the length once: the checksum and every later bound use it. */
	n = hdr->length;
	if (n < sizeof(*hdr) || n > ACPI_TABLE_MAX_LEN)
		return -ERR_INVAL;
	t = map(mem, pa, n);
	if (!t)
		return -ERR_FAULT;
	if (acpi_sum(t, n) != 0)
		return -ERR_INVAL;
	*table = t;
	*len = n;
	return 0;
}

/* The DSDT is not listed in the XSDT; the FADT points at it. X_DSDT wins
 * when present, as the spec asks. */
static uint64_t fadt_dsdt_pa(const struct acpi_fadt *f)
{
	return f->x_dsdt ? f->x_dsdt : f->dsdt;
}

/* Copies the FADT into a zeroed full-size layout, so fields beyond an old
 * revision's length read as 0, which the spec defines as "absent". */
static int fadt_read(const struct acpi_mem *mem, uint64_t pa, struct acpi_fadt *f)
{
	const void *t;
	uint32_t len;
	int err;

	err = acpi_table_map(mem, pa, ACPI_SIG_FADT, &t, &len);
	if (err)
		return err;
	/* Revision 1 ends after the flags at 116; shorter is truncated. */
	if (!ACPI_FADT_HAS(len, flags))
		return -ERR_INVAL;
	memset(f, 0, sizeof(*f));
	memcpy(f, t, len < sizeof(*f) ? len : sizeof(*f));
	return 0;
}

/* Looks for sig among n root-table entries of width 4 (RSDT) or 8 (XSDT).
 * A matching table that fails its checks is skipped in case a valid copy
 * follows, but its error is what the caller gets if none does. */
static int scan_root(const struct acpi_mem *mem, const uint8_t *ent, size_t n, size_t width,
		     const char *sig, uint64_t *pa)
{
	int first_err = -ERR_NOENT;

	for (size_t i = 0; i < n; i++) {
		const struct acpi_sdt_hdr *hdr;
		const void *t;
		uint32_t len;
		uint64_t tpa = width == 8 ? load64(ent + i * 8) : load32(ent + i * 4);
		int err;

		if (!tpa)
			continue;
		hdr = map(mem, tpa, sizeof(*hdr));
		if (!hdr || memcmp(hdr->signature, sig, 4) != 0)
			continue;
		err = acpi_table_map(mem, tpa, sig, &t, &len);
		if (!err) {
			*pa = tpa;
			return 0;
		}
		if (first_err == -ERR_NOENT)
			first_err = err;
	}
	return first_err;
}

/* Maps the XSDT or RSDT and gives its entry array. */
static int map_root(const struct acpi_mem *mem, uint64_t root_pa, size_t width, const uint8_t **ent,
		    size_t *n)
{
	const void *t;
	uint32_t len;
	int err;

	err = acpi_table_map(mem, root_pa, width == 8 ? ACPI_SIG_XSDT : ACPI_SIG_RSDT, &t, &len);
	if (err)
		return err;
	len -= (uint32_t)sizeof(struct acpi_sdt_hdr);
	if (len % width)
		return -ERR_INVAL;
	*ent = (const uint8_t *)t + sizeof(struct acpi_sdt_hdr);
	*n = len / width;
	return 0;
}

static int find_rooted(const struct acpi_mem *mem, uint64_t rsdp_pa, const char *sig, uint64_t *pa)
{
	const struct acpi_rsdp *rsdp;
	uint64_t xsdt = 0, rsdt;
	const uint8_t *ent;
	size_t n;
	int err;

	rsdp = map(mem, rsdp_pa, ACPI_RSDP_V1_LEN);
	if (!rsdp)
		return -ERR_FAULT;
	if (memcmp(rsdp->signature, ACPI_RSDP_SIG, 8) != 0)
		return -ERR_INVAL;
	if (acpi_sum(rsdp, ACPI_RSDP_V1_LEN) != 0)
		return -ERR_INVAL;
	rsdt = rsdp->rsdt_addr;
	if (rsdp->revision >= 2) {
		uint32_t len;

		rsdp = map(mem, rsdp_pa, sizeof(*rsdp));
		if (!rsdp)
			return -ERR_FAULT;
		len = rsdp->length;
		if (len < sizeof(*rsdp) || len > 4096)
			return -ERR_INVAL;
		rsdp = map(mem, rsdp_pa, len);
		if (!rsdp)
			return -ERR_FAULT;
		if (acpi_sum(rsdp, len) != 0)
			return -ERR_INVAL;
		xsdt = rsdp->xsdt_addr;
	}
	if (xsdt) {
		err = map_root(mem, xsdt, 8, &ent, &n);
		if (!err)
			return scan_root(mem, ent, n, 8, sig, pa);
		/* A bad XSDT with an RSDT beside it: Linux falls back too. */
		if (!rsdt)
			return err;
	} else if (!rsdt) {
		return -ERR_NOENT;
	}
	err = map_root(mem, rsdt, 4, &ent, &n);
	if (err)
		return err;
	return scan_root(mem, ent, n, 4, sig, pa);
}

int acpi_find_table(const struct acpi_mem *mem, uint64_t rsdp_pa, const char *sig, uint64_t *pa)
{
	struct acpi_fadt f;
	const void *t;
	uint64_t fadt_pa, dsdt_pa;
	uint32_t len;
	int err;

	if (!sig || strnlen(sig, 5) != 4 || !pa)
		return -ERR_INVAL;
	if (memcmp(sig, ACPI_SIG_DSDT, 4) != 0)
		return find_rooted(mem, rsdp_pa, sig, pa);

	err = find_rooted(mem, rsdp_pa, ACPI_SIG_FADT, &fadt_pa);
	if (err)
		return err;
	err = fadt_read(mem, fadt_pa, &f);
	if (err)
		return err;
	dsdt_pa = fadt_dsdt_pa(&f);
	if (!dsdt_pa)
		return -ERR_NOENT;
	err = acpi_table_map(mem, dsdt_pa, ACPI_SIG_DSDT, &t, &len);
	if (err)
		return err;
	*pa = dsdt_pa;
	return 0;
}

/* ---- \_S5 in AML ---- */

#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_WORD_PREFIX 0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR 0x5C
#define AML_ONES_OP 0xFF

/* PkgLength (ACPI 20.2.4): bits 7:6 of the lead byte count the bytes that
 * follow; with none, bits 5:0 are the length, else bits 3:0 are its low
 * nibble and each following byte adds 8 more bits. The length counts
 * itself. Returns the encoding's size, or 0 if it runs past end. */
static size_t aml_pkg_length(const uint8_t *p, const uint8_t *end, uint32_t *len)
{
	size_t follow, i;
	uint32_t v;

	if (p >= end)
		return 0;
	follow = p[0] >> 6;
	if ((size_t)(end - p) < 1 + follow)
		return 0;
	if (!follow) {
		*len = p[0] & 0x3F;
		return 1;
	}
	v = p[0] & 0x0F;
	for (i = 0; i < follow; i++)
		v |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*len = v;
	return 1 + follow;
}

/* Reads one integer constant, the only kind of element \_S5 packages hold
 * in practice; anything else (a name, a method call) needs an AML
 * interpreter, which argon does not have. */
static int aml_integer(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	size_t n;

	if (p >= end)
		return -ERR_INVAL;
	switch (*p++) {
	case AML_ZERO_OP:
		*v = 0;
		n = 0;
		break;
	case AML_ONE_OP:
		*v = 1;
		n = 0;
		break;
	case AML_ONES_OP:
		*v = ~0ULL;
		n = 0;
		break;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	case AML_QWORD_PREFIX:
		n = 8;
		break;
	default:
		return -ERR_NOTSUP;
	}
	if (n) {
		if ((size_t)(end - p) < n)
			return -ERR_INVAL;
		*v = 0;
		for (size_t i = 0; i < n; i++)
			*v |= (uint64_t)p[i] << (8 * i);
		p += n;
	}
	*pp = p;
	return 0;
}

/* Parses the package whose PackageOp is at p. */
static int aml_s5_package(const uint8_t *p, const uint8_t *end, uint8_t *a, uint8_t *b)
{
	const uint8_t *pkg_end;
	uint64_t va, vb;
	uint32_t plen;
	size_t enc;
	uint8_t count;
	int err;

	p++; /* PackageOp */
	enc = aml_pkg_length(p, end, &plen);
	if (!enc || plen < enc + 1 || plen > (size_t)(end - p))
		return -ERR_INVAL;
	pkg_end = p + plen;
	p += enc;
	count = *p++;
	if (count == 0)
		return -ERR_INVAL;
	err = aml_integer(&p, pkg_end, &va);
	if (err)
		return err;
	if (count == 1) {
		*a = (uint8_t)va;
		*b = (uint8_t)(va >> 8);
		return 0;
	}
	err = aml_integer(&p, pkg_end, &vb);
	if (err)
		return err;
	*a = (uint8_t)va;
	*b = (uint8_t)vb;
	return 0;
}

/* A byte scan for NameOp [\] "_S5_" PackageOp rather than a walk of the
 * AML tree: that needs no interpreter and is what small kernels and boot
 * loaders do. References to \_S5 (inside a method, say) are not preceded
 * by NameOp and are skipped. */
int acpi_aml_find_s5(const void *table, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	const uint8_t *t = table, *end;
	size_t i;

	if (!table || len < sizeof(struct acpi_sdt_hdr))
		return -ERR_INVAL;
	end = t + len;
	for (i = sizeof(struct acpi_sdt_hdr) + 1; i + 4 < len; i++) {
		const uint8_t *name = t + i;
		bool named;

		if (memcmp(name, "_S5_", 4) != 0 || name[4] != AML_PACKAGE_OP)
			continue;
		named = name[-1] == AML_NAME_OP ||
			(name[-1] == AML_ROOT_CHAR && i >= sizeof(struct acpi_sdt_hdr) + 2 &&
			 name[-2] == AML_NAME_OP);
		if (!named)
			continue;
		return aml_s5_package(name + 4, end, slp_typa, slp_typb);
	}
	return -ERR_NOENT;
}

/* ---- FADT ---- */

/* A PM1 control block: the X_ GAS when it has an address, else the 32-bit
 * port with the width the FADT gives, as ACPICA converts it. */
static struct acpi_gas pm1_cnt_reg(const struct acpi_gas *x, uint32_t port, uint8_t len)
{
	struct acpi_gas g;

	memset(&g, 0, sizeof(g));
	if (x->address)
		return *x;
	if (port) {
		g.space_id = ACPI_GAS_SPACE_IO;
		g.bit_width = (uint8_t)(len * 8);
		g.address = port;
	}
	return g;
}

int acpi_get_sleep_info(const struct acpi_mem *mem, uint64_t fadt_pa, struct acpi_sleep_info *out)
{
	struct acpi_fadt f;
	const void *dsdt;
	uint32_t dsdt_len;
	int err;

	if (!out)
		return -ERR_INVAL;
	memset(out, 0, sizeof(*out));
	err = fadt_read(mem, fadt_pa, &f);
	if (err)
		return err;

	out->fadt_flags = f.flags;
	out->hw_reduced = (f.flags & ACPI_FADT_F_HW_REDUCED) != 0;
	out->pm1a_cnt = pm1_cnt_reg(&f.x_pm1a_cnt_blk, f.pm1a_cnt_blk, f.pm1_cnt_len);
	out->pm1b_cnt = pm1_cnt_reg(&f.x_pm1b_cnt_blk, f.pm1b_cnt_blk, f.pm1_cnt_len);
	out->sleep_ctl = f.sleep_ctl_reg;
	/* PM1a control is mandatory unless the platform is hardware-reduced. */
	if (!out->pm1a_cnt.address && !out->hw_reduced)
		return -ERR_INVAL;
	/* The flag says whether reset_reg means anything; revision 1 FADTs end
	 * before it, and then the zeroed copy leaves it absent. */
	if ((f.flags & ACPI_FADT_F_RESET_REG_SUP) && f.reset_reg.address) {
		out->reset_supported = true;
		out->reset_reg = f.reset_reg;
		out->reset_value = f.reset_value;
	}

	err = acpi_table_map(mem, fadt_dsdt_pa(&f), ACPI_SIG_DSDT, &dsdt, &dsdt_len);
	if (err)
		return err;
	return acpi_aml_find_s5(dsdt, dsdt_len, &out->slp_typa, &out->slp_typb);
}

/* ---- MADT ---- */

static int madt_add_cpu(struct acpi_cpu *cpus, size_t max, size_t *n, uint32_t apic_id,
			uint32_t uid, uint32_t flags, bool x2apic)
{
	bool enabled = (flags & ACPI_MADT_CPU_ENABLED) != 0;
	bool capable = !enabled && (flags & ACPI_MADT_CPU_ONLINE_CAPABLE) != 0;

	if (!enabled && !capable)
		return 0;
	/* Some firmware lists a CPU both as Local APIC and as x2APIC. */
	for (size_t i = 0; i < *n; i++) {
		if (cpus[i].apic_id == apic_id)
			return 0;
	}
	if (*n >= max)
		return -ERR_NOSPC;
	cpus[*n].apic_id = apic_id;
	cpus[*n].uid = uid;
	cpus[*n].enabled = enabled;
	cpus[*n].online_capable = capable;
	cpus[*n].x2apic_entry = x2apic;
	(*n)++;
	return 0;
}

int acpi_madt_cpus(const struct acpi_mem *mem, uint64_t madt_pa, struct acpi_cpu *cpus, size_t max)
{
	const uint8_t *t;
	const void *tv;
	uint32_t len, off;
	size_t n = 0;
	int err;

	if (!cpus && max)
		return -ERR_INVAL;
	err = acpi_table_map(mem, madt_pa, ACPI_SIG_MADT, &tv, &len);
	if (err)
		return err;
	t = tv;
	if (len < sizeof(struct acpi_madt))
		return -ERR_INVAL;

	for (off = sizeof(struct acpi_madt); off < len;) {
		const struct acpi_madt_entry *e = (const void *)(t + off);
		uint8_t elen;

		if (len - off < sizeof(*e))
			return -ERR_INVAL;
		elen = e->length;
		if (elen < sizeof(*e) || elen > len - off)
			return -ERR_INVAL;

		if (e->type == ACPI_MADT_TYPE_LAPIC) {
			const struct acpi_madt_lapic *l = (const void *)e;

			if (elen < sizeof(*l))
				return -ERR_INVAL;
			/* 0xff is the broadcast id: such a CPU is listed by an
			 * x2APIC entry instead. */
			if (l->apic_id != 0xFF) {
				err = madt_add_cpu(cpus, max, &n, l->apic_id, l->uid, l->flags,
						   false);
				if (err)
					return err;
			}
		} else if (e->type == ACPI_MADT_TYPE_X2APIC) {
			const struct acpi_madt_x2apic *x = (const void *)e;

			if (elen < sizeof(*x))
				return -ERR_INVAL;
			err = madt_add_cpu(cpus, max, &n, x->x2apic_id, x->uid, x->flags, true);
			if (err)
				return err;
		}
		off += elen;
	}
	return (int)n;
}

/* ---- MCFG ---- */

int acpi_mcfg_segments(const struct acpi_mem *mem, uint64_t mcfg_pa, struct acpi_ecam *out,
		       size_t max)
{
	const uint8_t *t;
	const void *tv;
	uint32_t len;
	size_t n;
	int err;

	if (!out && max)
		return -ERR_INVAL;
	err = acpi_table_map(mem, mcfg_pa, ACPI_SIG_MCFG, &tv, &len);
	if (err)
		return err;
	t = tv;
	if (len < sizeof(struct acpi_mcfg) ||
	    (len - sizeof(struct acpi_mcfg)) % sizeof(struct acpi_mcfg_entry))
		return -ERR_INVAL;
	n = (len - sizeof(struct acpi_mcfg)) / sizeof(struct acpi_mcfg_entry);
	if (n > max)
		return -ERR_NOSPC;

	for (size_t i = 0; i < n; i++) {
		const struct acpi_mcfg_entry *e =
			(const void *)(t + sizeof(struct acpi_mcfg) + i * sizeof(*e));

		if (e->bus_end < e->bus_start || !e->base)
			return -ERR_INVAL;
		out[i].base = e->base;
		out[i].segment = e->segment;
		out[i].bus_start = e->bus_start;
		out[i].bus_end = e->bus_end;
	}
	return (int)n;
}
