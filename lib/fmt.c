#include "lib/fmt.h"

#include <stdint.h>

#include "lib/string.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters the full output would need */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	int left;
	int zero;
	int width;
	int prec; /* -1: none */
};

static void emit_str(struct out *o, const char *s, const struct spec *sp)
{
	size_t n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	int padn = sp->width - (int)n;

	if (!sp->left)
		pad(o, ' ', padn);
	while (n--)
		put(o, *s++);
	if (sp->left)
		pad(o, ' ', padn);
}

static void emit_num(struct out *o, uint64_t v, int neg, unsigned base, int upper,
		     const char *prefix, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix) + neg;
	int zeros, padn;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	zeros = sp->prec > n ? sp->prec - n : 0;
	padn = sp->width - plen - zeros - n;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += padn > 0 ? padn : 0;
		padn = 0;
	}
	if (!sp->left)
		pad(o, ' ', padn);
	if (neg)
		put(o, '-');
	while (*prefix)
		put(o, *prefix++);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', padn);
}

static int parse_int(const char **p, va_list *ap)
{
	int v = 0;

	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = {buf, size, 0};
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		struct spec sp = {0, 0, 0, -1};
		int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else
				break;
		}
		sp.width = parse_int(&fmt, &ap);
		if (sp.width < 0) {
			sp.left = 1;
			sp.width = -sp.width;
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = parse_int(&fmt, &ap);
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = 1;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			/* long and long long are both 64 bits here. */
			if (lng >= 1) /* NOLINT(bugprone-branch-clone): types differ */
				s = va_arg(ap, long long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (int16_t)(uint16_t)s;
			else if (lng <= -2)
				s = (int64_t)((uint64_t)s << 56) >> 56;
			emit_num(&o, s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s, s < 0, 10, 0,
				 "", &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (lng >= 1) /* NOLINT(bugprone-branch-clone): types differ */
				u = va_arg(ap, unsigned long long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			emit_num(&o, u, 0, *fmt == 'u' ? 10 : 16, *fmt == 'X', "", &sp);
			break;
		case 'p':
			emit_num(&o, (uintptr_t)va_arg(ap, void *), 0, 16, 0, "0x", &sp);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			emit_str(&o, str ? str : "(null)", &sp);
			break;
		}
		case 'c':
			pad(&o, ' ', sp.left ? 0 : sp.width - 1);
			put(&o, (char)va_arg(ap, int));
			pad(&o, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
