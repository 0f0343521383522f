/* UEFI entry: find our folder on the ESP, read argon.conf and the files it
 * names, reserve what the core needs, leave boot services, enter the core.
 * This folder is the only code that talks to UEFI. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"
#include "lib/bits.h"
#include "lib/string.h"

#define EARLY_POOL_SIZE (8 * MiB)
#define CORE_STACK_SIZE (64 * KiB)

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
void boot_enter_core(struct boot_info *bi, uint64_t stack_top, void (*entry)(struct boot_info *))
	__attribute__((noreturn));

static EFI_RUNTIME_SERVICES *runtime;

void efi_power_off(void)
{
	if (runtime)
		uefi_call_wrapper(runtime->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
}

static EFI_STATUS fail(const CHAR16 *what, EFI_STATUS status)
{
	Print(L"argon: %s: %r\n", what, status);
	return status;
}

/* The folder of our own image, from the last file-path nodes of its
 * device path, e.g. "\EFI\BOOT\" for \EFI\BOOT\BOOTX64.EFI. */
static void image_dir(EFI_DEVICE_PATH *dp, CHAR16 *out, UINTN max)
{
	UINTN len = 0, cut = 0;

	for (; !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
		for (CHAR16 *c = fp->PathName; *c && len + 2 < max; c++) {
			if (len && out[len - 1] == L'\\' && *c == L'\\')
				continue;
			out[len++] = *c;
		}
	}
	for (UINTN i = 0; i < len; i++)
		if (out[i] == L'\\')
			cut = i + 1;
	out[cut] = 0;
	if (cut == 0) {
		out[0] = L'\\';
		out[1] = 0;
	}
}

static uint64_t find_rsdp(EFI_SYSTEM_TABLE *st)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	uint64_t v1 = 0;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (uint64_t)(UINTN)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			v1 = (uint64_t)(UINTN)t->VendorTable;
	}
	return v1;
}

static EFI_STATUS alloc_pages(uint64_t size, uint64_t *pa)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	EFI_STATUS s;

	s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			      EFI_SIZE_TO_PAGES(size), &addr);
	if (EFI_ERROR(s))
		return s;
	memset((void *)(UINTN)addr, 0, size);
	*pa = addr;
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_HANDLE root;
	struct boot_info *bi;
	CHAR16 dir[BOOT_FILE_NAME_MAX];
	uint64_t pa;
	EFI_STATUS s;

	InitializeLib(image, st);
	runtime = st->RuntimeServices;
	Print(L"argon: UEFI loader\n");

	s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s))
		return fail(L"no loaded-image protocol", s);
	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return fail(L"cannot open the boot volume", EFI_NOT_FOUND);
	image_dir(li->FilePath, dir, ARRAY_SIZE(dir));

	s = alloc_pages(sizeof(*bi), &pa);
	if (EFI_ERROR(s))
		return fail(L"no memory for boot info", s);
	bi = (struct boot_info *)(UINTN)pa;
	bi->magic = BOOT_INFO_MAGIC;
	bi->loader = "uefi";
	bi->fw_power_off = efi_power_off;
	bi->image_base = (uint64_t)(UINTN)li->ImageBase;
	bi->image_size = li->ImageSize;
	bi->rsdp_pa = find_rsdp(st);
	for (UINTN i = 0; dir[i] && i + 1 < sizeof(bi->config_dir); i++)
		bi->config_dir[i] = (char)dir[i];
	if (li->LoadOptionsSize && li->LoadOptions) {
		CHAR16 *opt = li->LoadOptions;
		UINTN n = li->LoadOptionsSize / sizeof(CHAR16);

		for (UINTN i = 0; i < n && opt[i] && i + 1 < sizeof(bi->cmdline); i++)
			bi->cmdline[i] = (char)opt[i];
	}

	Print(L"argon: reading %s%a\n", dir, BOOT_CONFIG_NAME);
	bi->file_count = 1;
	if (efi_read_file(root, dir, BOOT_CONFIG_NAME, &bi->files[0]) == 0)
		efi_load_config_files(root, dir, bi);
	else
		Print(L"argon: cannot read %s%a\n", dir, BOOT_CONFIG_NAME);

	s = alloc_pages(EARLY_POOL_SIZE, &bi->early_pool_base);
	if (EFI_ERROR(s))
		return fail(L"no memory for the early pool", s);
	bi->early_pool_size = EARLY_POOL_SIZE;
	s = alloc_pages(CORE_STACK_SIZE, &bi->stack_base);
	if (EFI_ERROR(s))
		return fail(L"no memory for the core stack", s);
	bi->stack_size = CORE_STACK_SIZE;

	Print(L"argon: leaving boot services\n");
	s = efi_exit_boot_services(image, bi);
	if (EFI_ERROR(s))
		return fail(L"ExitBootServices failed", s);
	boot_enter_core(bi, bi->stack_base + bi->stack_size, core_main);
}
