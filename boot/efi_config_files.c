/* Loading the files that argon.conf names. The core checks the config
 * again and reports its errors; here a broken config only means that
 * fewer files get loaded. */
#include "boot/efi_boot.h"
#include "lib/config.h"

static struct argon_config boot_config;

static void load_once(EFI_FILE_HANDLE root, const CHAR16 *dir, struct boot_info *bi,
		      const char *name)
{
	if (!name[0] || boot_find_file(bi, name))
		return;
	if (bi->file_count == BOOT_MAX_FILES) {
		Print(L"argon: too many files named in %a; %a not loaded\n", BOOT_CONFIG_NAME,
		      name);
		return;
	}
	Print(L"argon: reading %s%a\n", dir, name);
	if (efi_read_file(root, dir, name, &bi->files[bi->file_count]))
		Print(L"argon: cannot read %s%a\n", dir, name);
	bi->file_count++;
}

void efi_load_config_files(EFI_FILE_HANDLE root, const CHAR16 *dir, struct boot_info *bi)
{
	const struct boot_file *conf = &bi->files[0];

	config_parse(conf->data, conf->size, &boot_config, NULL);
	for (unsigned i = 0; i < boot_config.nguests && i < ARGON_MAX_GUESTS; i++) {
		load_once(root, dir, bi, boot_config.guests[i].kernel);
		load_once(root, dir, bi, boot_config.guests[i].initrd);
	}
}
