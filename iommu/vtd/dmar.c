/* DMAR parsing. Every length is checked against what contains it before
 * anything inside is read: firmware tables are input, not truth. */
#include "iommu/vtd/dmar.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/host/acpi_parse.h"

#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1A

struct parser {
	const uint8_t *t;
	size_t len;
	struct dmar_info *out;
};

static int fail(struct parser *p, int err, size_t off, const char *what)
{
	fmt_snprintf(p->out->why, sizeof(p->out->why), "DMAR offset 0x%zx: %s", off, what);
	return err;
}

static bool scope_allowed(uint8_t host, uint8_t type)
{
	switch (host) {
	case DMAR_TYPE_DRHD:
		return type >= DMAR_SCOPE_ENDPOINT && type <= DMAR_SCOPE_ACPI;
	case DMAR_TYPE_RMRR:
		return type == DMAR_SCOPE_ENDPOINT || type == DMAR_SCOPE_BRIDGE;
	default: /* ATSR: root ports */
		return type == DMAR_SCOPE_BRIDGE;
	}
}

/* Parses the scopes in [off, end) of a structure of type host. */
static int parse_scopes(struct parser *p, uint8_t host, size_t off, size_t end, unsigned *first,
			unsigned *count)
{
	struct dmar_info *d = p->out;

	*first = d->nscopes;
	*count = 0;
	while (off < end) {
		const uint8_t *e = p->t + off;
		struct dmar_scope *s;
		unsigned hops;

		if (end - off < DMAR_SCOPE_HDR_LEN)
			return fail(p, -ERR_INVAL, off, "device scope cut short by its structure");
		if (e[1] < DMAR_SCOPE_HDR_LEN + 2 || (e[1] - DMAR_SCOPE_HDR_LEN) % 2)
			return fail(p, -ERR_INVAL, off,
				    "device scope length is not 6 + 2 per path hop");
		if (e[1] > end - off)
			return fail(p, -ERR_INVAL, off, "device scope runs past its structure");
		if (!scope_allowed(host, e[0]))
			return fail(p, -ERR_INVAL, off,
				    host == DMAR_TYPE_DRHD ? "unknown device scope type"
				    : host == DMAR_TYPE_RMRR
					    ? "RMRR scope is not an endpoint or a bridge"
					    : "ATSR scope is not a bridge (root port)");
		hops = (e[1] - DMAR_SCOPE_HDR_LEN) / 2u;
		if (hops > DMAR_MAX_PATH)
			return fail(p, -ERR_NOSPC, off, "device scope path has too many hops");
		if (d->nscopes >= DMAR_MAX_SCOPES)
			return fail(p, -ERR_NOSPC, off, "more device scopes than argon keeps");
		s = &d->scopes[d->nscopes];
		s->type = e[0];
		s->id = e[4];
		s->bus = e[5];
		s->depth = (uint8_t)hops;
		for (unsigned i = 0; i < hops; i++) {
			uint8_t dev = e[6 + 2 * i], fn = e[7 + 2 * i];

			if (dev > 31 || fn > 7)
				return fail(p, -ERR_INVAL, off + 6 + 2 * i,
					    "device scope path has a device > 31 or function > 7");
			s->path[i] = (uint8_t)(dev << 3 | fn);
		}
		d->nscopes++;
		(*count)++;
		off += e[1];
	}
	return 0;
}

static int parse_drhd(struct parser *p, size_t off, size_t len)
{
	struct dmar_info *d = p->out;
	const uint8_t *e = p->t + off;
	struct dmar_unit *u;

	if (len < DMAR_DRHD_LEN)
		return fail(p, -ERR_INVAL, off, "DRHD shorter than 16 bytes");
	if (d->nunits >= DMAR_MAX_UNITS)
		return fail(p, -ERR_NOSPC, off, "more remapping units than argon keeps");
	u = &d->units[d->nunits];
	memset(u, 0, sizeof(*u));
	u->include_all = e[4] & DMAR_DRHD_INCLUDE_PCI_ALL;
	u->size_log2 = e[5] & 0xF;
	u->segment = load16(e + 6);
	u->base = load64(e + 8);
	if (!u->base || !IS_ALIGNED(u->base, PAGE_SIZE))
		return fail(p, -ERR_INVAL, off + 8, "DRHD register base is 0 or not page aligned");
	for (unsigned i = 0; i < d->nunits; i++) {
		if (d->units[i].base == u->base)
			return fail(p, -ERR_INVAL, off + 8, "two DRHDs at the same register base");
		if (u->include_all && d->units[i].include_all && d->units[i].segment == u->segment)
			return fail(p, -ERR_INVAL, off + 4,
				    "two INCLUDE_PCI_ALL units for one segment");
	}
	d->nunits++;
	return parse_scopes(p, DMAR_TYPE_DRHD, off + DMAR_DRHD_LEN, off + len, &u->scope_first,
			    &u->nscopes);
}

static int parse_rmrr(struct parser *p, size_t off, size_t len)
{
	struct dmar_info *d = p->out;
	const uint8_t *e = p->t + off;
	struct dmar_rmrr *r;

	if (len < DMAR_RMRR_LEN)
		return fail(p, -ERR_INVAL, off, "RMRR shorter than 24 bytes");
	if (d->nrmrrs >= DMAR_MAX_RMRRS)
		return fail(p, -ERR_NOSPC, off, "more RMRRs than argon keeps");
	r = &d->rmrrs[d->nrmrrs];
	r->segment = load16(e + 6);
	r->base = load64(e + 8);
	r->limit = load64(e + 16);
	if (!IS_ALIGNED(r->base, PAGE_SIZE) || r->limit < r->base ||
	    !IS_ALIGNED(r->limit + 1, PAGE_SIZE))
		return fail(p, -ERR_INVAL, off + 8,
			    "RMRR range is not whole pages or ends before it starts");
	d->nrmrrs++;
	return parse_scopes(p, DMAR_TYPE_RMRR, off + DMAR_RMRR_LEN, off + len, &r->scope_first,
			    &r->nscopes);
}

static int parse_atsr(struct parser *p, size_t off, size_t len)
{
	struct dmar_info *d = p->out;
	const uint8_t *e = p->t + off;
	struct dmar_atsr *a;

	if (len < DMAR_ATSR_LEN)
		return fail(p, -ERR_INVAL, off, "ATSR shorter than 8 bytes");
	if (d->natsrs >= DMAR_MAX_ATSRS)
		return fail(p, -ERR_NOSPC, off, "more ATSRs than argon keeps");
	a = &d->atsrs[d->natsrs];
	a->all_ports = e[4] & DMAR_ATSR_ALL_PORTS;
	a->segment = load16(e + 6);
	d->natsrs++;
	return parse_scopes(p, DMAR_TYPE_ATSR, off + DMAR_ATSR_LEN, off + len, &a->scope_first,
			    &a->nscopes);
}

/* An RHSA names a unit by its register base; it may come before or after
 * that DRHD, so it is applied once all structures are read. */
static int apply_rhsa(struct parser *p, size_t off)
{
	const uint8_t *e = p->t + off;
	uint64_t base = load64(e + 8);

	for (unsigned i = 0; i < p->out->nunits; i++) {
		if (p->out->units[i].base == base) {
			p->out->units[i].has_node = true;
			p->out->units[i].node = load32(e + 16);
			return 0;
		}
	}
	return fail(p, -ERR_INVAL, off + 8, "RHSA names a register base no DRHD has");
}

int dmar_parse(const void *table, size_t len, struct dmar_info *out)
{
	struct parser p = {table, len, out};
	size_t off;
	int err;

	memset(out, 0, sizeof(*out));
	if (!table || len < DMAR_HEADER_LEN)
		return fail(&p, -ERR_INVAL, 0, "table shorter than the 48-byte DMAR header");
	if (memcmp(p.t, "DMAR", 4) != 0)
		return fail(&p, -ERR_INVAL, 0, "signature is not DMAR");
	if (load32(p.t + 4) != len)
		return fail(&p, -ERR_INVAL, 4, "header length differs from the table's size");
	if (acpi_sum(p.t, len) != 0)
		return fail(&p, -ERR_INVAL, 9, "checksum does not sum to zero");
	out->haw = p.t[DMAR_HAW_OFF] + 1u;
	out->flags = p.t[DMAR_FLAGS_OFF];
	if (out->haw < 32 || out->haw > 64)
		return fail(&p, -ERR_INVAL, DMAR_HAW_OFF, "host address width is not 32-64 bits");

	for (off = DMAR_HEADER_LEN; off < len;) {
		uint16_t type, slen;

		if (len - off < 4)
			return fail(&p, -ERR_INVAL, off, "remapping structure header cut short");
		type = load16(p.t + off);
		slen = load16(p.t + off + 2);
		if (slen < 4 || slen > len - off)
			return fail(&p, -ERR_INVAL, off,
				    "remapping structure length is < 4 or runs past the table");
		switch (type) {
		case DMAR_TYPE_DRHD:
			err = parse_drhd(&p, off, slen);
			break;
		case DMAR_TYPE_RMRR:
			err = parse_rmrr(&p, off, slen);
			break;
		case DMAR_TYPE_ATSR:
			err = parse_atsr(&p, off, slen);
			break;
		case DMAR_TYPE_RHSA:
			err = slen < DMAR_RHSA_LEN
				      ? fail(&p, -ERR_INVAL, off, "RHSA shorter than 20 bytes")
				      : 0;
			break;
		default:
			err = 0; /* ANDD, SATC, SIDP and later types: not needed */
			break;
		}
		if (err)
			return err;
		off += slen;
	}
	for (off = DMAR_HEADER_LEN; off < len; off += load16(p.t + off + 2)) {
		if (load16(p.t + off) == DMAR_TYPE_RHSA) {
			err = apply_rhsa(&p, off);
			if (err)
				return err;
		}
	}
	if (!out->nunits)
		return fail(&p, -ERR_INVAL, DMAR_HEADER_LEN, "no DRHD: no remapping unit");
	return 0;
}

static int cfg_read(const struct dmar_cfg *cfg, uint16_t seg, uint8_t bus, uint8_t devfn,
		    uint16_t off)
{
	return cfg->read8(cfg->ctx, seg, bus, devfn, off);
}

/* Follows the path up to its last hop; *bus is the bus the last hop is on. */
static int walk_path(const struct dmar_scope *s, uint16_t seg, const struct dmar_cfg *cfg,
		     uint8_t *bus)
{
	*bus = s->bus;
	if (!s->depth)
		return -ERR_INVAL;
	if (s->depth > 1 && !cfg)
		return -ERR_NOTSUP;
	for (unsigned i = 0; i + 1 < s->depth; i++) {
		int sec = cfg_read(cfg, seg, *bus, s->path[i], PCI_SECONDARY_BUS);

		if (sec < 0)
			return -ERR_NOENT;
		*bus = (uint8_t)sec;
	}
	return 0;
}

int dmar_scope_rid(const struct dmar_scope *s, uint16_t seg, const struct dmar_cfg *cfg,
		   uint16_t *rid)
{
	uint8_t bus;
	int err = walk_path(s, seg, cfg, &bus);

	if (err)
		return err;
	*rid = (uint16_t)(bus << 8 | s->path[s->depth - 1]);
	return 0;
}

int dmar_scope_buses(const struct dmar_scope *s, uint16_t seg, const struct dmar_cfg *cfg,
		     uint8_t *first, uint8_t *last)
{
	uint16_t rid;
	int err, sec, sub;

	if (s->type != DMAR_SCOPE_BRIDGE)
		return -ERR_INVAL;
	if (!cfg)
		return -ERR_NOTSUP;
	err = dmar_scope_rid(s, seg, cfg, &rid);
	if (err)
		return err;
	sec = cfg_read(cfg, seg, (uint8_t)(rid >> 8), (uint8_t)rid, PCI_SECONDARY_BUS);
	sub = cfg_read(cfg, seg, (uint8_t)(rid >> 8), (uint8_t)rid, PCI_SUBORDINATE_BUS);
	if (sec < 0 || sub < 0)
		return -ERR_NOENT;
	if (sub < sec)
		return -ERR_INVAL; /* a bridge that firmware left unconfigured */
	*first = (uint8_t)sec;
	*last = (uint8_t)sub;
	return 0;
}

bool dmar_scope_covers(const struct dmar_scope *s, uint16_t seg, uint16_t rid,
		       const struct dmar_cfg *cfg)
{
	uint16_t own;
	uint8_t first, last, bus = (uint8_t)(rid >> 8);

	if (s->type != DMAR_SCOPE_ENDPOINT && s->type != DMAR_SCOPE_BRIDGE)
		return false;
	if (dmar_scope_rid(s, seg, cfg, &own))
		return false;
	if (own == rid)
		return true;
	if (s->type != DMAR_SCOPE_BRIDGE || dmar_scope_buses(s, seg, cfg, &first, &last))
		return false;
	return bus >= first && bus <= last;
}

int dmar_unit_for(const struct dmar_info *d, uint16_t seg, uint16_t rid, const struct dmar_cfg *cfg)
{
	int all = -ERR_NOENT;

	for (unsigned i = 0; i < d->nunits; i++) {
		const struct dmar_unit *u = &d->units[i];

		if (u->segment != seg)
			continue;
		if (u->include_all) {
			all = (int)i;
			continue;
		}
		for (unsigned k = 0; k < u->nscopes; k++)
			if (dmar_scope_covers(&d->scopes[u->scope_first + k], seg, rid, cfg))
				return (int)i;
	}
	return all;
}

const char *dmar_scope_type_name(uint8_t type)
{
	static const char *const names[] = {"?",      "endpoint", "bridge",
					    "IOAPIC", "HPET",	  "ACPI device"};

	return type < ARRAY_SIZE(names) ? names[type] : "?";
}
