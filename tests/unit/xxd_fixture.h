/* Loads a fixture kept as the text of an `xxd` dump (tests/unit/fixtures):
 * each line is "OFFSET: hhhh hhhh ...  ascii"; the hex column ends at the
 * first double space. */
#ifndef ARGON_TESTS_XXD_FIXTURE_H
#define ARGON_TESTS_XXD_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int xxd_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A malloc'd buffer with the bytes, or NULL. */
static uint8_t *xxd_load(const char *name, size_t *len)
{
	char path[512], line[256];
	uint8_t *buf = NULL;
	size_t size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ARGON_FIXTURES, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p, *colon = strchr(line, ':');
		unsigned long off;
		uint8_t bytes[16];
		size_t n = 0;

		if (!colon)
			continue;
		off = strtoul(line, NULL, 16);
		for (p = colon + 1; n < sizeof(bytes);) {
			if (p[0] == ' ' && p[1] == ' ')
				break;
			if (p[0] == ' ') {
				p++;
				continue;
			}
			if (xxd_hexval(p[0]) < 0 || xxd_hexval(p[1]) < 0)
				break;
			bytes[n++] = (uint8_t)(xxd_hexval(p[0]) << 4 | xxd_hexval(p[1]));
			p += 2;
		}
		if (off + n > size) {
			uint8_t *nb = realloc(buf, off + n);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			memset(buf + size, 0, off + n - size);
			size = off + n;
		}
		memcpy(buf + off, bytes, n);
	}
	fclose(f);
	*len = size;
	return buf;
}

#endif
