/* Reading argon.conf and the files it names from the config's folder. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"
#include "lib/err.h"
#include "lib/string.h"

#define PATH_MAX_CHARS 256

/* dir is "\EFI\argon\"; name is relative with '/' separators. */
static int make_path(const CHAR16 *dir, const char *name, CHAR16 *out, UINTN max)
{
	UINTN n = 0;

	for (; *dir; dir++) {
		if (n + 1 >= max)
			return -ERR_RANGE;
		out[n++] = *dir;
	}
	for (; *name; name++) {
		if (n + 1 >= max)
			return -ERR_RANGE;
		out[n++] = *name == '/' ? L'\\' : (CHAR16)(unsigned char)*name;
	}
	out[n] = 0;
	return 0;
}

int efi_read_file(EFI_FILE_HANDLE root, const CHAR16 *dir, const char *name, struct boot_file *out)
{
	CHAR16 path[PATH_MAX_CHARS];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	EFI_PHYSICAL_ADDRESS addr = 0;
	UINTN size;
	EFI_STATUS s;
	int err;

	str_copy(out->name, name, sizeof(out->name));
	out->data = NULL;
	out->size = 0;
	err = make_path(dir, name, path, PATH_MAX_CHARS);
	if (err)
		return out->err = err;
	s = uefi_call_wrapper(root->Open, 5, root, &fh, path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s))
		return out->err = (s == EFI_NOT_FOUND ? -ERR_NOENT : -ERR_IO);
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return out->err = -ERR_IO;
	}
	size = info->FileSize;
	FreePool(info);
	/* Pages, not pool: kernels and initrds are large, and the core later
	 * copies from them with no alignment worries. One spare zero page
	 * keeps text files NUL-terminated. */
	s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			      EFI_SIZE_TO_PAGES(size) + 1, &addr);
	if (EFI_ERROR(s)) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return out->err = -ERR_NOMEM;
	}
	memset((void *)(UINTN)addr, 0, (EFI_SIZE_TO_PAGES(size) + 1) * EFI_PAGE_SIZE);
	s = uefi_call_wrapper(fh->Read, 3, fh, &size, (void *)(UINTN)addr);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(s)) {
		uefi_call_wrapper(BS->FreePages, 2, addr, EFI_SIZE_TO_PAGES(size) + 1);
		return out->err = -ERR_IO;
	}
	out->data = (const void *)(UINTN)addr;
	out->size = size;
	out->err = 0;
	return 0;
}
