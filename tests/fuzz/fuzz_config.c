/* libFuzzer target: argon.conf parsing must never crash, leak or read out
 * of bounds on any input, and every diagnostic it reports must point into
 * the text and format cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct argon_config cfg;
	static struct config_diags diags;
	char line[CONFIG_MSG_MAX + 64];
	char *text = malloc(size ? size : 1);
	unsigned lines = 1;
	int err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	err = config_parse(text, size, &cfg, &diags);
	if ((err == 0) != (diags.count == 0 && diags.dropped == 0))
		abort();
	for (unsigned i = 0; i < diags.count && i < CONFIG_MAX_DIAGS; i++) {
		if (diags.d[i].line < 1 || diags.d[i].line > lines + 1 || diags.d[i].col < 1)
			abort();
		config_diag_format(line, sizeof(line), "argon.conf", &diags.d[i]);
	}
	if (!err && cfg.nguests > ARGON_MAX_GUESTS)
		abort();
	free(text);
	return 0;
}
