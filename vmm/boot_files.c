#include "lib/string.h"
#include "vmm/boot_info.h"

const struct boot_file *boot_find_file(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->file_count; i++)
		if (!strcmp(bi->files[i].name, name))
			return &bi->files[i];
	return NULL;
}
