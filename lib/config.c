#include "lib/config.h"

#include <stdarg.h>
#include <stdbool.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/toml.h"

/* Longest piece of input quoted back in a message. */
#define QUOTE_MAX 24

enum table_kind {
	TBL_ROOT, /* before any header */
	TBL_ARGON,
	TBL_GUEST,
	TBL_NVME,
	TBL_SRIOV,
	TBL_IGNORE, /* already reported as a whole: its keys are not checked */
};

struct cfg {
	const char *text;
	size_t len;
	struct argon_config *out;
	struct config_diags *diags;
	unsigned nerr;
	unsigned nsyntax;
	enum table_kind kind;
	struct argon_guest_config *g;
	struct argon_nvme_config *n;
	struct argon_sriov_config *s;
	unsigned seen;	      /* bit i: key i of the current table was given */
	bool macs_refused;    /* an entry of the current table's macs was refused */
	bool body_syntax_err; /* a line of the current table did not parse */
	/* Which guest (index + 1) has each CPU, to catch one given to two. */
	uint8_t cpu_owner[ARGON_MAX_CPU + 1];
};

struct key_def {
	const char *name;
	bool required;
	void (*set)(struct cfg *c, const char *key, const struct toml_value *v);
};

static void diag(struct cfg *c, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diag(struct cfg *c, unsigned line, unsigned col, const char *fmt, ...)
{
	struct config_diag *d;
	va_list ap;

	c->nerr++;
	if (!c->diags)
		return;
	if (c->diags->count == CONFIG_MAX_DIAGS) {
		c->diags->dropped++;
		return;
	}
	d = &c->diags->d[c->diags->count++];
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	fmt_vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

static int quote_len(size_t n)
{
	return n > QUOTE_MAX ? QUOTE_MAX : (int)n;
}

/* Picks one of names[] by a string value; reports and returns -1 if none. */
static int pick(struct cfg *c, const char *key, const struct toml_value *v,
		const char *const *names, unsigned n)
{
	char list[64], shown[QUOTE_MAX + 1];
	size_t len = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (toml_str_eq(v, names[i]))
			return (int)i;
		len += (size_t)fmt_snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					    names[i]);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	if (v->type != TOML_STRING) {
		diag(c, v->line, v->col, "%s must be a string (%s)", key, list);
		return -1;
	}
	toml_str_decode(v, shown, sizeof(shown));
	diag(c, v->line, v->col, "bad value '%s' for %s (expected %s)", shown, key, list);
	return -1;
}

static void set_log(struct cfg *c, const char *key, const struct toml_value *v)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	int i = pick(c, key, v, names, ARRAY_SIZE(names));

	if (i >= 0)
		c->out->log = (enum argon_log_level)i;
}

static void set_on_idle(struct cfg *c, const char *key, const struct toml_value *v)
{
	static const char *const names[] = {"poweroff", "halt"};
	int i = pick(c, key, v, names, ARRAY_SIZE(names));

	if (i >= 0)
		c->out->on_idle = (enum argon_on_idle)i;
}

static void set_smt_split(struct cfg *c, const char *key, const struct toml_value *v)
{
	static const char *const names[] = {"refuse", "allow"};
	int i = pick(c, key, v, names, ARRAY_SIZE(names));

	if (i >= 0)
		c->out->smt_split = (enum argon_smt_split)i;
}

static void set_on_exit(struct cfg *c, const char *key, const struct toml_value *v)
{
	static const char *const names[] = {"stop", "restart"};
	int i = pick(c, key, v, names, ARRAY_SIZE(names));

	if (i >= 0)
		c->g->on_exit = (enum argon_on_exit)i;
}

/* Paths are looked up next to argon.conf on the boot partition; keeping
 * them inside that folder and in one spelling makes configs portable. */
static void set_path(struct cfg *c, const char *key, const struct toml_value *v, char *dst)
{
	const char *p;

	if (v->type != TOML_STRING) {
		diag(c, v->line, v->col, "%s must be a string", key);
		return;
	}
	if (!v->str.len) {
		diag(c, v->line, v->col, "%s path is empty", key);
		return;
	}
	if (v->str.len >= CONFIG_PATH_MAX) {
		diag(c, v->line, v->col, "%s path is too long (%zu bytes, max %d)", key, v->str.len,
		     CONFIG_PATH_MAX - 1);
		return;
	}
	toml_str_decode(v, dst, CONFIG_PATH_MAX);
	if (dst[0] == '/') {
		diag(c, v->line, v->col, "%s path must be relative to argon.conf (no leading '/')",
		     key);
		goto bad;
	}
	for (p = dst; *p; p++) {
		if (*p == '\\') {
			diag(c, v->line, v->col, "%s path must use '/' as separator, not '\\'",
			     key);
			goto bad;
		}
		if ((unsigned char)*p < 0x20) {
			diag(c, v->line, v->col, "%s path contains a control character", key);
			goto bad;
		}
		if (p[0] == '.' && p[1] == '.' && (p == dst || p[-1] == '/') &&
		    (p[2] == '/' || p[2] == '\0')) {
			diag(c, v->line, v->col, "%s path must not contain '..'", key);
			goto bad;
		}
	}
	return;
bad:
	dst[0] = '\0';
}

static void set_kernel(struct cfg *c, const char *key, const struct toml_value *v)
{
	c->g->kernel_at = (struct config_pos){v->line, v->col};
	set_path(c, key, v, c->g->kernel);
}

static void set_initrd(struct cfg *c, const char *key, const struct toml_value *v)
{
	c->g->initrd_at = (struct config_pos){v->line, v->col};
	set_path(c, key, v, c->g->initrd);
}

static void set_cmdline(struct cfg *c, const char *key, const struct toml_value *v)
{
	if (v->type != TOML_STRING) {
		diag(c, v->line, v->col, "%s must be a string", key);
		return;
	}
	if (v->str.len >= CONFIG_CMDLINE_MAX) {
		diag(c, v->line, v->col, "%s is too long (%zu bytes, max %d)", key, v->str.len,
		     CONFIG_CMDLINE_MAX - 1);
		return;
	}
	toml_str_decode(v, c->g->cmdline, sizeof(c->g->cmdline));
}

static void set_memory(struct cfg *c, const char *key, const struct toml_value *v)
{
	char shown[QUOTE_MAX + 1];
	uint64_t bytes;
	int rc;

	if (v->type == TOML_INT) {
		fmt_snprintf(shown, sizeof(shown), "%lld", (long long)v->i);
		if (v->i < 0) {
			diag(c, v->line, v->col, "bad %s size %s (must not be negative)", key,
			     shown);
			return;
		}
		bytes = (uint64_t)v->i;
	} else if (v->type == TOML_STRING) {
		if (toml_str_decode(v, shown, sizeof(shown)) >= sizeof(shown))
			rc = -ERR_INVAL;
		else
			rc = config_parse_size(shown, &bytes);
		if (rc == -ERR_RANGE) {
			diag(c, v->line, v->col, "%s size '%s' is out of range", key, shown);
			return;
		}
		if (rc) {
			diag(c, v->line, v->col,
			     "bad %s size '%s' (expected bytes or a number with K, M or G, e.g. "
			     "\"512M\")",
			     key, shown);
			return;
		}
	} else {
		diag(c, v->line, v->col, "%s must be a size string such as \"512M\" or an integer",
		     key);
		return;
	}
	/* Guest RAM is mapped with 2 MiB pages at least. */
	if (bytes < CONFIG_GUEST_MEM_ALIGN) {
		diag(c, v->line, v->col, "%s %s is too small (at least 2M)", key, shown);
		return;
	}
	if (!IS_ALIGNED(bytes, CONFIG_GUEST_MEM_ALIGN)) {
		diag(c, v->line, v->col, "%s %s is not a multiple of 2M", key, shown);
		return;
	}
	c->g->memory = bytes;
	c->g->memory_at = (struct config_pos){v->line, v->col};
}

static void set_cpus(struct cfg *c, const char *key, const struct toml_value *v)
{
	struct argon_guest_config *g = c->g;
	uint8_t me = (uint8_t)(g - c->out->guests + 1);
	struct toml_value e;
	struct toml_iter it;

	if (v->type != TOML_ARRAY || (v->arr.count && v->arr.elem != TOML_INT)) {
		diag(c, v->line, v->col, "%s must be an array of CPU numbers such as [0, 1]", key);
		return;
	}
	if (!v->arr.count) {
		diag(c, v->line, v->col, "%s is empty (list at least one CPU)", key);
		return;
	}
	toml_array_iter(v, &it);
	while (toml_array_next(&it, &e)) {
		uint8_t owner;

		if (e.i < 0 || e.i > ARGON_MAX_CPU) {
			diag(c, e.line, e.col, "CPU %lld is out of range (0-%d)", (long long)e.i,
			     ARGON_MAX_CPU);
			continue;
		}
		owner = c->cpu_owner[e.i];
		if (owner == me) {
			diag(c, e.line, e.col, "CPU %lld is listed twice", (long long)e.i);
			continue;
		}
		if (owner) {
			diag(c, e.line, e.col, "CPU %lld is already used by guest '%s'",
			     (long long)e.i, c->out->guests[owner - 1].name);
			continue;
		}
		if (g->ncpus == ARGON_MAX_GUEST_CPUS) {
			diag(c, e.line, e.col, "too many CPUs for one guest (max %d)",
			     ARGON_MAX_GUEST_CPUS);
			return;
		}
		c->cpu_owner[e.i] = me;
		g->cpus_at[g->ncpus] = (struct config_pos){e.line, e.col};
		g->cpus[g->ncpus++] = (uint16_t)e.i;
	}
}

/* Reads 1 to max_digits hex digits; returns how many, or -ERR_INVAL. */
static int hex_field(const char **p, int max_digits, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	for (; n < max_digits; n++, (*p)++) {
		char ch = **p;

		if (ch >= '0' && ch <= '9')
			v = v * 16 + (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = v * 16 + (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v = v * 16 + (unsigned)(ch - 'A' + 10);
		else
			break;
	}
	*out = v;
	return n ? n : -ERR_INVAL;
}

int config_parse_pci_addr(const char *s, struct config_pci_addr *out)
{
	unsigned first, bus, dev, fn, seg = 0;
	const char *p = s;
	int n;

	/* SSSS:BB:DD.F or BB:DD.F: the first field is the segment when a
	 * second ':' follows. */
	n = hex_field(&p, 4, &first);
	if (n < 0 || *p++ != ':' || hex_field(&p, 2, &dev) < 0)
		return -ERR_INVAL;
	if (*p == ':') {
		p++;
		seg = first;
		bus = dev;
		if (hex_field(&p, 2, &dev) < 0)
			return -ERR_INVAL;
	} else {
		if (n > 2)
			return -ERR_INVAL;
		bus = first;
	}
	if (*p++ != '.' || hex_field(&p, 1, &fn) < 0 || *p)
		return -ERR_INVAL;
	if (dev > 0x1f || fn > 7)
		return -ERR_RANGE;
	out->seg = (uint16_t)seg;
	out->rid = (uint16_t)(bus << 8 | dev << 3 | fn);
	return 0;
}

void config_format_pci_addr(char *buf, size_t size, struct config_pci_addr a)
{
	fmt_snprintf(buf, size, "%04x:%02x:%02x.%x", a.seg, a.rid >> 8, (a.rid >> 3) & 0x1f,
		     a.rid & 7);
}

/* The guest that already lists a, or NULL. */
static const struct argon_guest_config *device_owner(const struct cfg *c, struct config_pci_addr a)
{
	for (unsigned i = 0; i < c->out->nguests; i++) {
		const struct argon_guest_config *h = &c->out->guests[i];

		for (unsigned k = 0; k < h->ndevices; k++)
			if (h->devices[k].seg == a.seg && h->devices[k].rid == a.rid)
				return h;
	}
	return NULL;
}

/* "SSSS:BB:DD.F/vfN": VF N (1-64, decimal) of a PF that an [nvme.NAME]
 * table creates VFs of (checked once every table is read). */
static int parse_vf_ref(const char *text, struct config_vf_ref *out)
{
	char pf[QUOTE_MAX + 1];
	const char *slash = strchr(text, '/'), *p;
	unsigned vf = 0;
	size_t len = (size_t)(slash - text);

	if (len >= sizeof(pf) || slash[1] != 'v' || slash[2] != 'f' || slash[3] < '1' ||
	    slash[3] > '9')
		return -ERR_INVAL;
	memcpy(pf, text, len);
	pf[len] = '\0';
	for (p = slash + 3; *p >= '0' && *p <= '9'; p++) {
		vf = vf * 10 + (unsigned)(*p - '0');
		if (vf > CONFIG_NVME_MAX_VFS)
			return -ERR_RANGE;
	}
	if (*p)
		return -ERR_INVAL;
	out->vf = vf;
	return config_parse_pci_addr(pf, &out->pf) ? -ERR_INVAL : 0;
}

static const struct argon_guest_config *vf_owner(const struct cfg *c, struct config_vf_ref r)
{
	for (unsigned i = 0; i < c->out->nguests; i++) {
		const struct argon_guest_config *h = &c->out->guests[i];

		for (unsigned k = 0; k < h->ndev_vfs; k++)
			if (h->dev_vfs[k].pf.seg == r.pf.seg && h->dev_vfs[k].pf.rid == r.pf.rid &&
			    h->dev_vfs[k].vf == r.vf)
				return h;
	}
	return NULL;
}

static void add_vf_device(struct cfg *c, const struct toml_value *e, const char *text)
{
	struct argon_guest_config *g = c->g;
	const struct argon_guest_config *owner;
	char name[CONFIG_PCI_ADDR_LEN];
	struct config_vf_ref r;
	int rc = parse_vf_ref(text, &r);

	if (rc == -ERR_RANGE) {
		diag(c, e->line, e->col, "VF number in '%s' is out of range (1-%d)", text,
		     CONFIG_NVME_MAX_VFS);
		return;
	}
	if (rc) {
		diag(c, e->line, e->col, "bad VF '%s' (expected SSSS:BB:DD.F/vfN, N from 1)", text);
		return;
	}
	config_format_pci_addr(name, sizeof(name), r.pf);
	owner = vf_owner(c, r);
	if (owner == g) {
		diag(c, e->line, e->col, "VF %s/vf%u is listed twice", name, r.vf);
		return;
	}
	if (owner) {
		diag(c, e->line, e->col, "VF %s/vf%u is already assigned to guest '%s'", name, r.vf,
		     owner->name);
		return;
	}
	if (g->ndev_vfs == ARGON_MAX_GUEST_DEVICES) {
		diag(c, e->line, e->col, "too many VFs for one guest (max %d)",
		     ARGON_MAX_GUEST_DEVICES);
		return;
	}
	g->dev_vfs_at[g->ndev_vfs] = (struct config_pos){e->line, e->col};
	g->dev_vfs[g->ndev_vfs++] = r;
}

static void set_devices(struct cfg *c, const char *key, const struct toml_value *v)
{
	struct argon_guest_config *g = c->g;
	struct toml_value e;
	struct toml_iter it;

	if (v->type != TOML_ARRAY || (v->arr.count && v->arr.elem != TOML_STRING)) {
		diag(c, v->line, v->col,
		     "%s must be an array of PCI addresses such as [\"0000:03:00.0\"]", key);
		return;
	}
	toml_array_iter(v, &it);
	while (toml_array_next(&it, &e)) {
		char text[QUOTE_MAX + 1], name[CONFIG_PCI_ADDR_LEN];
		const struct argon_guest_config *owner;
		struct config_pci_addr a;
		int rc;

		if (toml_str_decode(&e, text, sizeof(text)) >= sizeof(text)) {
			rc = -ERR_INVAL;
		} else if (strchr(text, '/')) {
			add_vf_device(c, &e, text);
			continue;
		} else {
			rc = config_parse_pci_addr(text, &a);
		}
		if (rc == -ERR_RANGE) {
			diag(c, e.line, e.col,
			     "PCI address '%s' is out of range (device 00-1f, function 0-7)", text);
			continue;
		}
		if (rc) {
			diag(c, e.line, e.col,
			     "bad PCI address '%s' (expected SSSS:BB:DD.F or BB:DD.F in hex)",
			     text);
			continue;
		}
		config_format_pci_addr(name, sizeof(name), a);
		owner = device_owner(c, a);
		if (owner == g) {
			diag(c, e.line, e.col, "PCI function %s is listed twice", name);
			continue;
		}
		if (owner) {
			diag(c, e.line, e.col, "PCI function %s is already assigned to guest '%s'",
			     name, owner->name);
			continue;
		}
		if (g->ndevices == ARGON_MAX_GUEST_DEVICES) {
			diag(c, e.line, e.col, "too many PCI functions for one guest (max %d)",
			     ARGON_MAX_GUEST_DEVICES);
			return;
		}
		g->devices_at[g->ndevices] = (struct config_pos){e.line, e.col};
		g->devices[g->ndevices++] = a;
	}
}

static const struct key_def argon_keys[] = {
	{"log", false, set_log},
	{"on_idle", false, set_on_idle},
	{"smt_split", false, set_smt_split},
};

static const struct key_def guest_keys[] = {
	{"kernel", true, set_kernel},	 {"initrd", false, set_initrd},
	{"cmdline", false, set_cmdline}, {"memory", true, set_memory},
	{"cpus", true, set_cpus},	 {"on_exit", false, set_on_exit},
	{"devices", false, set_devices},
};

static void finish_nvme(struct cfg *c);
static void finish_sriov(struct cfg *c);

/* Reports what the table that just ended lacks. A table with a line that
 * did not parse may well have the key on that line, so it is not blamed. */
static void finish_table(struct cfg *c)
{
	unsigned i;

	if (c->body_syntax_err)
		return;
	if (c->kind == TBL_NVME) {
		finish_nvme(c);
		return;
	}
	if (c->kind == TBL_SRIOV) {
		finish_sriov(c);
		return;
	}
	if (c->kind != TBL_GUEST)
		return;
	for (i = 0; i < ARRAY_SIZE(guest_keys); i++)
		if (guest_keys[i].required && !(c->seen & (1u << i)))
			diag(c, c->g->line, 1, "missing key '%s' in [guest.%s]", guest_keys[i].name,
			     c->g->name);
}

static bool valid_name(struct toml_slice s)
{
	size_t i;

	if (!s.len || s.len >= CONFIG_NAME_MAX)
		return false;
	for (i = 0; i < s.len; i++) {
		char ch = s.ptr[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '-'))
			return false;
	}
	return true;
}

static void start_guest(struct cfg *c, const struct toml_table *t)
{
	struct toml_slice name = t->seg[1];
	struct argon_guest_config *g;

	/* A guest with a bad name still gets its keys checked. */
	if (!valid_name(name))
		diag(c, t->line, t->col, "bad guest name '%.*s' (1-%d characters of a-z 0-9 _ -)",
		     quote_len(name.len), name.ptr, CONFIG_NAME_MAX - 1);
	if (c->out->nguests == ARGON_MAX_GUESTS) {
		diag(c, t->line, t->col, "too many guests (max %d)", ARGON_MAX_GUESTS);
		c->kind = TBL_IGNORE;
		return;
	}
	g = &c->out->guests[c->out->nguests++];
	memset(g, 0, sizeof(*g));
	memcpy(g->name, name.ptr, name.len < CONFIG_NAME_MAX ? name.len : CONFIG_NAME_MAX - 1);
	g->on_exit = ARGON_EXIT_STOP;
	g->line = t->line;
	c->g = g;
	c->kind = TBL_GUEST;
}

/* ---- [nvme.NAME] ---- */

/* An integer in [min, max]; reports and returns false otherwise. */
static bool int_in(struct cfg *c, const char *key, const struct toml_value *v, int64_t min,
		   int64_t max, unsigned *out)
{
	if (v->type != TOML_INT) {
		diag(c, v->line, v->col, "%s must be an integer (%lld-%lld)", key, (long long)min,
		     (long long)max);
		return false;
	}
	if (v->i < min || v->i > max) {
		diag(c, v->line, v->col, "%s %lld is out of range (%lld-%lld)", key,
		     (long long)v->i, (long long)min, (long long)max);
		return false;
	}
	*out = (unsigned)v->i;
	return true;
}

/* The table that already has the PF at a, as
 * "[nvme.NAME]" or "[sriov.NAME]" in buf; false if none. */
static bool pf_taken(const struct cfg *c, struct config_pci_addr a, char *buf, size_t size)
{
	for (unsigned i = 0; i < c->out->nnvme; i++) {
		const struct argon_nvme_config *o = &c->out->nvme[i];

		if (o->pf_at.line && o->pf.seg == a.seg && o->pf.rid == a.rid) {
			fmt_snprintf(buf, size, "[nvme.%s]", o->name);
			return true;
		}
	}
	for (unsigned i = 0; i < c->out->nsriov; i++) {
		const struct argon_sriov_config *o = &c->out->sriov[i];

		if (o->pf_at.line && o->pf.seg == a.seg && o->pf.rid == a.rid) {
			fmt_snprintf(buf, size, "[sriov.%s]", o->name);
			return true;
		}
	}
	return false;
}

/* The pf key of [nvme.NAME] and [sriov.NAME]: a PCI address that no other
 * table names. */
static bool parse_pf(struct cfg *c, const char *key, const struct toml_value *v,
		     struct config_pci_addr *out)
{
	char text[QUOTE_MAX + 1], name[CONFIG_PCI_ADDR_LEN], owner[CONFIG_NAME_MAX + 8];
	struct config_pci_addr a;
	int rc;

	if (v->type != TOML_STRING) {
		diag(c, v->line, v->col, "%s must be a PCI address such as \"0000:03:00.0\"", key);
		return false;
	}
	if (toml_str_decode(v, text, sizeof(text)) >= sizeof(text))
		rc = -ERR_INVAL;
	else
		rc = config_parse_pci_addr(text, &a);
	if (rc == -ERR_RANGE) {
		diag(c, v->line, v->col,
		     "PCI address '%s' is out of range (device 00-1f, function 0-7)", text);
		return false;
	}
	if (rc) {
		diag(c, v->line, v->col,
		     "bad PCI address '%s' (expected SSSS:BB:DD.F or BB:DD.F in hex)", text);
		return false;
	}
	config_format_pci_addr(name, sizeof(name), a);
	if (pf_taken(c, a, owner, sizeof(owner))) {
		diag(c, v->line, v->col, "PF %s is already managed by %s", name, owner);
		return false;
	}
	*out = a;
	return true;
}

static void set_nvme_pf(struct cfg *c, const char *key, const struct toml_value *v)
{
	if (parse_pf(c, key, v, &c->n->pf))
		c->n->pf_at = (struct config_pos){v->line, v->col};
}

static void set_nvme_vfs(struct cfg *c, const char *key, const struct toml_value *v)
{
	if (int_in(c, key, v, 1, CONFIG_NVME_MAX_VFS, &c->n->vfs))
		c->n->vfs_at = (struct config_pos){v->line, v->col};
}

static void set_nvme_queues(struct cfg *c, const char *key, const struct toml_value *v)
{
	/* The admin queue and at least one I/O queue. */
	if (int_in(c, key, v, 2, CONFIG_NVME_MAX_QUEUES, &c->n->queues_per_vf))
		c->n->queues_at = (struct config_pos){v->line, v->col};
}

static void set_nvme_vectors(struct cfg *c, const char *key, const struct toml_value *v)
{
	if (int_in(c, key, v, 1, CONFIG_NVME_MAX_VECTORS, &c->n->vectors_per_vf))
		c->n->vectors_at = (struct config_pos){v->line, v->col};
}

static void set_nvme_namespaces(struct cfg *c, const char *key, const struct toml_value *v)
{
	struct argon_nvme_config *n = c->n;
	struct toml_value e;
	struct toml_iter it;

	if (v->type != TOML_ARRAY || (v->arr.count && v->arr.elem != TOML_INT)) {
		diag(c, v->line, v->col, "%s must be an array of namespace ids such as [1, 2]",
		     key);
		return;
	}
	if (!v->arr.count) {
		diag(c, v->line, v->col, "%s is empty (one namespace id per VF)", key);
		return;
	}
	n->namespaces_at[0] = (struct config_pos){v->line, v->col};
	toml_array_iter(v, &it);
	while (toml_array_next(&it, &e)) {
		bool dup = false;

		/* 0 is no namespace and FFFFFFFFh means all of them. */
		if (e.i < 1 || e.i > 0xfffffffeLL) {
			diag(c, e.line, e.col, "namespace id %lld is out of range (1-4294967294)",
			     (long long)e.i);
			continue;
		}
		for (unsigned i = 0; i < n->nnamespaces; i++)
			dup |= n->namespaces[i] == (uint32_t)e.i;
		if (dup) {
			diag(c, e.line, e.col, "namespace %lld is listed twice", (long long)e.i);
			continue;
		}
		if (n->nnamespaces == CONFIG_NVME_MAX_VFS) {
			diag(c, e.line, e.col, "too many namespaces (max %d, one per VF)",
			     CONFIG_NVME_MAX_VFS);
			return;
		}
		n->namespaces_at[n->nnamespaces] = (struct config_pos){e.line, e.col};
		n->namespaces[n->nnamespaces++] = (uint32_t)e.i;
	}
}

static const struct key_def nvme_keys[] = {
	{"pf", true, set_nvme_pf},
	{"vfs", true, set_nvme_vfs},
	{"queues_per_vf", false, set_nvme_queues},
	{"vectors_per_vf", false, set_nvme_vectors},
	{"namespaces", true, set_nvme_namespaces},
};

static void start_nvme(struct cfg *c, const struct toml_table *t)
{
	struct toml_slice name = t->seg[1];
	struct argon_nvme_config *n;

	if (!valid_name(name))
		diag(c, t->line, t->col, "bad nvme name '%.*s' (1-%d characters of a-z 0-9 _ -)",
		     quote_len(name.len), name.ptr, CONFIG_NAME_MAX - 1);
	if (c->out->nnvme == ARGON_MAX_NVME) {
		diag(c, t->line, t->col, "too many [nvme.NAME] tables (max %d)", ARGON_MAX_NVME);
		c->kind = TBL_IGNORE;
		return;
	}
	n = &c->out->nvme[c->out->nnvme++];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name.ptr, name.len < CONFIG_NAME_MAX ? name.len : CONFIG_NAME_MAX - 1);
	n->queues_per_vf = 2;
	n->vectors_per_vf = 1;
	n->line = t->line;
	c->n = n;
	c->kind = TBL_NVME;
}

static void finish_nvme(struct cfg *c)
{
	const struct argon_nvme_config *n = c->n;
	bool missing = false;

	for (unsigned i = 0; i < ARRAY_SIZE(nvme_keys); i++) {
		if (nvme_keys[i].required && !(c->seen & (1u << i))) {
			diag(c, n->line, 1, "missing key '%s' in [nvme.%s]", nvme_keys[i].name,
			     n->name);
			missing = true;
		}
	}
	/* Only when both values were accepted: otherwise that was reported. */
	if (!missing && n->vfs && n->nnamespaces && n->nnamespaces != n->vfs)
		diag(c, n->namespaces_at[0].line, n->namespaces_at[0].col,
		     "namespaces lists %u namespace%s for %u VF%s (one per VF)", n->nnamespaces,
		     n->nnamespaces == 1 ? "" : "s", n->vfs, n->vfs == 1 ? "" : "s");
}

/* ---- [sriov.NAME] ---- */

static void set_sriov_pf(struct cfg *c, const char *key, const struct toml_value *v)
{
	if (parse_pf(c, key, v, &c->s->pf))
		c->s->pf_at = (struct config_pos){v->line, v->col};
}

static void set_sriov_vfs(struct cfg *c, const char *key, const struct toml_value *v)
{
	if (int_in(c, key, v, 1, CONFIG_SRIOV_MAX_VFS, &c->s->vfs))
		c->s->vfs_at = (struct config_pos){v->line, v->col};
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int config_parse_mac(const char *s, uint8_t out[6])
{
	for (unsigned i = 0; i < 6; i++) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return -ERR_INVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return 0;
}

/* The [sriov.NAME] table that already lists mac (the current one
 * included); false if none. */
static bool mac_taken(const struct cfg *c, const uint8_t mac[6], const char **table)
{
	for (unsigned t = 0; t < c->out->nsriov; t++) {
		const struct argon_sriov_config *o = &c->out->sriov[t];

		for (unsigned i = 0; i < o->nmacs; i++)
			if (!memcmp(o->macs[i], mac, 6)) {
				*table = o->name;
				return true;
			}
	}
	return false;
}

static void set_sriov_macs(struct cfg *c, const char *key, const struct toml_value *v)
{
	struct argon_sriov_config *s = c->s;
	struct toml_value e;
	struct toml_iter it;

	if (v->type != TOML_ARRAY || (v->arr.count && v->arr.elem != TOML_STRING)) {
		diag(c, v->line, v->col,
		     "%s must be an array of MAC addresses such as [\"02:00:00:00:00:01\"]", key);
		return;
	}
	if (!v->arr.count) {
		diag(c, v->line, v->col, "%s is empty (one MAC address per VF)", key);
		return;
	}
	s->macs_at[0] = (struct config_pos){v->line, v->col};
	c->macs_refused = false;
	toml_array_iter(v, &it);
	while (toml_array_next(&it, &e)) {
		char text[QUOTE_MAX + 1];
		const char *table;
		uint8_t mac[6];

		if (toml_str_decode(&e, text, sizeof(text)) >= sizeof(text) ||
		    config_parse_mac(text, mac)) {
			diag(c, e.line, e.col,
			     "bad MAC address '%s' (expected six hex bytes such as "
			     "02:00:00:00:00:01)",
			     text);
			continue;
		}
		if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
			diag(c, e.line, e.col, "MAC address %s is %s, not a unicast address", text,
			     mac[0] & 1 ? "multicast" : "zero");
			continue;
		}
		if (mac_taken(c, mac, &table)) {
			diag(c, e.line, e.col, "MAC address %s is already given in [sriov.%s]",
			     text, table);
			continue;
		}
		if (s->nmacs == CONFIG_SRIOV_MAX_VFS) {
			diag(c, e.line, e.col, "too many MAC addresses (max %d, one per VF)",
			     CONFIG_SRIOV_MAX_VFS);
			c->macs_refused = true;
			return;
		}
		s->macs_at[s->nmacs] = (struct config_pos){e.line, e.col};
		memcpy(s->macs[s->nmacs++], mac, 6);
	}
	/* Each refused entry was reported; their count would only repeat it. */
	c->macs_refused = s->nmacs != v->arr.count;
}

static const struct key_def sriov_keys[] = {
	{"pf", true, set_sriov_pf},
	{"vfs", true, set_sriov_vfs},
	{"macs", false, set_sriov_macs},
};

static void start_sriov(struct cfg *c, const struct toml_table *t)
{
	struct toml_slice name = t->seg[1];
	struct argon_sriov_config *s;

	if (!valid_name(name))
		diag(c, t->line, t->col, "bad sriov name '%.*s' (1-%d characters of a-z 0-9 _ -)",
		     quote_len(name.len), name.ptr, CONFIG_NAME_MAX - 1);
	if (c->out->nsriov == ARGON_MAX_SRIOV) {
		diag(c, t->line, t->col, "too many [sriov.NAME] tables (max %d)", ARGON_MAX_SRIOV);
		c->kind = TBL_IGNORE;
		return;
	}
	s = &c->out->sriov[c->out->nsriov++];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name.ptr, name.len < CONFIG_NAME_MAX ? name.len : CONFIG_NAME_MAX - 1);
	s->line = t->line;
	c->s = s;
	c->macs_refused = false;
	c->kind = TBL_SRIOV;
}

static void finish_sriov(struct cfg *c)
{
	const struct argon_sriov_config *s = c->s;

	for (unsigned i = 0; i < ARRAY_SIZE(sriov_keys); i++)
		if (sriov_keys[i].required && !(c->seen & (1u << i)))
			diag(c, s->line, 1, "missing key '%s' in [sriov.%s]", sriov_keys[i].name,
			     s->name);
	if (s->vfs && s->nmacs && s->nmacs != s->vfs && !c->macs_refused)
		diag(c, s->macs_at[0].line, s->macs_at[0].col,
		     "macs lists %u address%s for %u VF%s (one per VF)", s->nmacs,
		     s->nmacs == 1 ? "" : "es", s->vfs, s->vfs == 1 ? "" : "s");
}

/* What creates the VFs of the PF at a: its table's kind ("nvme",
 * "sriov"), name and vfs; false if no table does. */
static bool vf_creator(const struct cfg *c, struct config_pci_addr a, const char **kind,
		       const char **name, unsigned *vfs)
{
	for (unsigned i = 0; i < c->out->nnvme; i++) {
		const struct argon_nvme_config *n = &c->out->nvme[i];

		if (n->pf_at.line && n->pf.seg == a.seg && n->pf.rid == a.rid) {
			*kind = "nvme";
			*name = n->name;
			*vfs = n->vfs;
			return true;
		}
	}
	for (unsigned i = 0; i < c->out->nsriov; i++) {
		const struct argon_sriov_config *s = &c->out->sriov[i];

		if (s->pf_at.line && s->pf.seg == a.seg && s->pf.rid == a.rid) {
			*kind = "sriov";
			*name = s->name;
			*vfs = s->vfs;
			return true;
		}
	}
	return false;
}

/* A guest's "PF/vfN" must name a VF that an [nvme.NAME] or [sriov.NAME]
 * table creates. */
static void check_vf_refs(struct cfg *c)
{
	for (unsigned j = 0; j < c->out->nguests; j++) {
		const struct argon_guest_config *g = &c->out->guests[j];

		for (unsigned k = 0; k < g->ndev_vfs; k++) {
			const struct config_vf_ref *r = &g->dev_vfs[k];
			struct config_pos at = g->dev_vfs_at[k];
			char name[CONFIG_PCI_ADDR_LEN];
			const char *kind, *table;
			unsigned vfs;

			config_format_pci_addr(name, sizeof(name), r->pf);
			if (!vf_creator(c, r->pf, &kind, &table, &vfs))
				diag(c, at.line, at.col,
				     "VF %s/vf%u: no [nvme.NAME] or [sriov.NAME] table creates VFs "
				     "of %s",
				     name, r->vf, name);
			else if (vfs && r->vf > vfs)
				diag(c, at.line, at.col,
				     "VF %s/vf%u is not created ([%s.%s] has vfs = %u)", name,
				     r->vf, kind, table, vfs);
		}
	}
}

/* A PF whose VFs argon creates cannot also be given to a guest whole. */
static void check_pf_tables(struct cfg *c)
{
	check_vf_refs(c);
	for (unsigned j = 0; j < c->out->nguests; j++) {
		const struct argon_guest_config *g = &c->out->guests[j];

		for (unsigned k = 0; k < g->ndevices; k++) {
			char name[CONFIG_PCI_ADDR_LEN];
			const char *kind, *table;
			unsigned vfs;

			if (!vf_creator(c, g->devices[k], &kind, &table, &vfs))
				continue;
			config_format_pci_addr(name, sizeof(name), g->devices[k]);
			diag(c, g->devices_at[k].line, g->devices_at[k].col,
			     "PCI function %s is the PF of [%s.%s]: give guests its VFs, not the "
			     "PF",
			     name, kind, table);
		}
	}
}

static int on_table(void *ctx, const struct toml_table *t)
{
	struct cfg *c = ctx;
	char name[64];
	size_t len = 0;
	unsigned i;

	finish_table(c);
	c->seen = 0;
	c->body_syntax_err = false;
	c->kind = TBL_IGNORE;
	if (t->nseg == 1 && toml_slice_eq(t->seg[0], "argon")) {
		c->kind = TBL_ARGON;
		return 0;
	}
	if (t->nseg == 1 && toml_slice_eq(t->seg[0], "guest")) {
		diag(c, t->line, t->col, "[guest] needs a name: [guest.NAME]");
		return 0;
	}
	if (t->nseg == 2 && toml_slice_eq(t->seg[0], "guest")) {
		start_guest(c, t);
		return 0;
	}
	if (t->nseg == 1 && toml_slice_eq(t->seg[0], "nvme")) {
		diag(c, t->line, t->col, "[nvme] needs a name: [nvme.NAME]");
		return 0;
	}
	if (t->nseg == 2 && toml_slice_eq(t->seg[0], "nvme")) {
		start_nvme(c, t);
		return 0;
	}
	if (t->nseg == 1 && toml_slice_eq(t->seg[0], "sriov")) {
		diag(c, t->line, t->col, "[sriov] needs a name: [sriov.NAME]");
		return 0;
	}
	if (t->nseg == 2 && toml_slice_eq(t->seg[0], "sriov")) {
		start_sriov(c, t);
		return 0;
	}
	for (i = 0; i < t->nseg && len < sizeof(name); i++)
		len += (size_t)fmt_snprintf(name + len, sizeof(name) - len, "%s%.*s", i ? "." : "",
					    (int)t->seg[i].len, t->seg[i].ptr);
	diag(c, t->line, t->col,
	     "unknown table [%s] (expected [argon], [guest.NAME], [nvme.NAME] or [sriov.NAME])",
	     name);
	return 0;
}

static int on_keyval(void *ctx, const struct toml_table *t, const struct toml_key *k,
		     const struct toml_value *v)
{
	struct cfg *c = ctx;
	const struct key_def *defs;
	char where[48], list[80];
	size_t n, len = 0;
	unsigned i;

	switch (c->kind) {
	case TBL_ROOT:
		diag(c, k->line, k->col,
		     "key '%.*s' is outside any table (expected [argon] or [guest.NAME] first)",
		     quote_len(k->name.len), k->name.ptr);
		return 0;
	case TBL_ARGON:
		defs = argon_keys;
		n = ARRAY_SIZE(argon_keys);
		fmt_snprintf(where, sizeof(where), "[argon]");
		break;
	case TBL_GUEST:
		defs = guest_keys;
		n = ARRAY_SIZE(guest_keys);
		fmt_snprintf(where, sizeof(where), "[guest.%s]", c->g->name);
		break;
	case TBL_NVME:
		defs = nvme_keys;
		n = ARRAY_SIZE(nvme_keys);
		fmt_snprintf(where, sizeof(where), "[nvme.%s]", c->n->name);
		break;
	case TBL_SRIOV:
		defs = sriov_keys;
		n = ARRAY_SIZE(sriov_keys);
		fmt_snprintf(where, sizeof(where), "[sriov.%s]", c->s->name);
		break;
	default:
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (toml_slice_eq(k->name, defs[i].name)) {
			c->seen |= 1u << i;
			defs[i].set(c, defs[i].name, v);
			return 0;
		}
		len += (size_t)fmt_snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					    defs[i].name);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	diag(c, k->line, k->col, "unknown key '%.*s' in %s (expected %s)", quote_len(k->name.len),
	     k->name.ptr, where, list);
	return 0;
}

static bool is_header_line(const struct cfg *c, unsigned line)
{
	const char *p = c->text, *end = c->text + c->len;
	unsigned n = 1;

	for (; p < end && n < line; p++)
		if (*p == '\n')
			n++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == '[';
}

static void on_error(void *ctx, unsigned line, unsigned col, const char *msg)
{
	struct cfg *c = ctx;

	c->nsyntax++;
	diag(c, line, col, "%s", msg);
	/* A broken header still ends the table before it, which is complete
	 * and can be checked; the keys after it are not passed on. */
	if (is_header_line(c, line)) {
		finish_table(c);
		c->kind = TBL_IGNORE;
	} else {
		c->body_syntax_err = true;
	}
}

/* Missing keys are found when a table ends, after its body was reported;
 * readers expect file order. Insertion sort keeps equal positions stable. */
static void sort_diags(struct config_diags *diags)
{
	unsigned i, j;

	for (i = 1; i < diags->count; i++) {
		struct config_diag d = diags->d[i];

		for (j = i; j > 0; j--) {
			const struct config_diag *prev = &diags->d[j - 1];

			if (prev->line < d.line || (prev->line == d.line && prev->col <= d.col))
				break;
			diags->d[j] = *prev;
		}
		diags->d[j] = d;
	}
}

void config_diag_add(struct config_diags *diags, struct config_pos at, const char *fmt, ...)
{
	struct config_diag *d;
	va_list ap;

	if (diags->count == CONFIG_MAX_DIAGS) {
		diags->dropped++;
		return;
	}
	d = &diags->d[diags->count++];
	d->line = at.line;
	d->col = at.col;
	va_start(ap, fmt);
	fmt_vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	sort_diags(diags);
}

unsigned config_check_smt(const struct argon_config *cfg, const struct config_cpu_core *cores,
			  unsigned ncpus, struct config_diags *diags)
{
	unsigned found = 0;

	if (cfg->smt_split == ARGON_SMT_ALLOW)
		return 0;
	for (unsigned j = 1; j < cfg->nguests; j++) {
		const struct argon_guest_config *g = &cfg->guests[j];

		for (unsigned c = 0; c < g->ncpus; c++) {
			unsigned cpu = g->cpus[c], other = 0;
			const struct argon_guest_config *owner = NULL;

			if (cpu >= ncpus)
				continue;
			/* The first CPU of an earlier guest on the same core. */
			for (unsigned i = 0; !owner && i < j; i++) {
				const struct argon_guest_config *h = &cfg->guests[i];

				for (unsigned k = 0; !owner && k < h->ncpus; k++) {
					other = h->cpus[k];
					if (other < ncpus && other != cpu &&
					    cores[other].socket == cores[cpu].socket &&
					    cores[other].core == cores[cpu].core)
						owner = h;
				}
			}
			if (!owner)
				continue;
			config_diag_add(diags, g->cpus_at[c],
					"CPU %u shares core %u.%u with CPU %u of guest '%s' "
					"(set smt_split = \"allow\" to permit)",
					cpu, cores[cpu].socket, cores[cpu].core, other,
					owner->name);
			found++;
		}
	}
	return found;
}

int config_parse(const char *text, size_t len, struct argon_config *out, struct config_diags *diags)
{
	static const struct toml_handler handler = {
		.table = on_table,
		.keyval = on_keyval,
		.error = on_error,
	};
	struct cfg c;
	int rc;

	memset(out, 0, sizeof(*out));
	out->log = ARGON_LOG_INFO;
	out->on_idle = ARGON_IDLE_POWEROFF;
	out->smt_split = ARGON_SMT_REFUSE;
	if (diags)
		memset(diags, 0, sizeof(*diags));
	if (!text) {
		text = "";
		len = 0;
	}
	memset(&c, 0, sizeof(c));
	c.text = text;
	c.len = len;
	c.out = out;
	c.diags = diags;
	c.kind = TBL_ROOT;
	rc = toml_parse(text, len, &handler, &c);
	if (rc < 0 && rc != -ERR_INVAL)
		return rc;
	finish_table(&c);
	check_pf_tables(&c);
	/* With a syntax error the guest may be in the line that failed. */
	if (!out->nguests && !c.nsyntax)
		diag(&c, 1, 1, "no guests defined (add a [guest.NAME] table)");
	if (diags)
		sort_diags(diags);
	return c.nerr ? -ERR_INVAL : 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	bool overflow = false;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -ERR_INVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	switch (*p) {
	case 'K':
	case 'k':
		mult = KiB;
		p++;
		break;
	case 'M':
	case 'm':
		mult = MiB;
		p++;
		break;
	case 'G':
	case 'g':
		mult = GiB;
		p++;
		break;
	default:
		break;
	}
	if (*p)
		return -ERR_INVAL;
	if (overflow || v > UINT64_MAX / mult)
		return -ERR_RANGE;
	*out = v * mult;
	return 0;
}

int config_diag_format(char *buf, size_t size, const char *file, const struct config_diag *d)
{
	return fmt_snprintf(buf, size, "%s:%u:%u: error: %s", file, d->line, d->col, d->msg);
}
