/* argonctl: scan, check, dmar, install. docs/argonctl.md. */
#include <stdlib.h>
#include <string.h>

#include "tools/argonctl/argonctl.h"

static int usage(void)
{
	fprintf(stderr, "usage: argonctl [SOURCE] scan [--json]\n"
			"       argonctl [SOURCE] check ARGON_CONF\n"
			"       argonctl [SOURCE] dmar [FILE]\n"
			"       argonctl [SOURCE] install ESP_DIR [--config FILE] [--efi FILE] "
			"[--boot-entry [--disk DEV --part N] [--label NAME]] [--dry-run] "
			"[--no-machine-check]\n"
			"SOURCE (default: this machine, through libpci and sysfs):\n"
			"  --pci-dump FILE   `lspci -xxxx` output of the machine\n"
			"  --dmar FILE       its ACPI DMAR (binary, or an xxd dump)\n"
			"  --cpus N [--threads T]  its CPUs (T hyperthreads per core)\n"
			"  --memory SIZE     its RAM (e.g. 256G)\n"
			"  --no-nvme-cli     do not ask nvme-cli about NVMe controllers\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct source_opts o = {.cpus = -1, .threads = 1};
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--no-nvme-cli")) {
			o.no_nvme_cli = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(a, "--pci-dump"))
			o.pci_dump = argv[++i];
		else if (!strcmp(a, "--dmar"))
			o.dmar = argv[++i];
		else if (!strcmp(a, "--cpus"))
			o.cpus = atoi(argv[++i]);
		else if (!strcmp(a, "--threads"))
			o.threads = atoi(argv[++i]);
		else if (!strcmp(a, "--sysfs"))
			o.sysfs = argv[++i];
		else if (!strcmp(a, "--memory")) {
			if (config_parse_size(argv[++i], &o.memory) || !o.memory)
				return usage();
		} else
			return usage();
	}
	if (i >= argc)
		return usage();
	if (!strcmp(argv[i], "scan")) {
		bool json = i + 1 < argc && !strcmp(argv[i + 1], "--json");

		if (argc > i + 1 + json)
			return usage();
		return cmd_scan(&o, json);
	}
	if (!strcmp(argv[i], "check"))
		return i + 2 == argc ? cmd_check(&o, argv[i + 1]) : usage();
	if (!strcmp(argv[i], "dmar"))
		return i + 2 >= argc ? cmd_dmar(&o, i + 1 < argc ? argv[i + 1] : NULL) : usage();
	if (!strcmp(argv[i], "install"))
		return cmd_install(&o, argc - i - 1, argv + i + 1);
	return usage();
}
