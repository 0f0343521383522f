#include "lib/cmdline.h"

#include "lib/string.h"

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	while (p && *p) {
		const char *word, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		end = p;
		if ((size_t)(end - word) < klen || strncmp(word, key, klen) != 0)
			continue;
		if (word + klen == end || word[klen] == '=') {
			const char *val = word + klen + (word + klen == end ? 0 : 1);
			size_t n = (size_t)(end - val);

			if (size) {
				if (n >= size)
					n = size - 1;
				memcpy(out, val, n);
				out[n] = '\0';
			}
			found = true;
		}
	}
	return found;
}
