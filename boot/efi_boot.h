/* Internal to the UEFI entry: the pieces of boot/ that talk to firmware. */
#ifndef ARGON_BOOT_EFI_BOOT_H
#define ARGON_BOOT_EFI_BOOT_H

#include <efi.h>
#include <efilib.h>

#include "vmm/boot_info.h"

/* Reads dir + name (name uses '/' separators) into fresh pages. */
int efi_read_file(EFI_FILE_HANDLE root, const CHAR16 *dir, const char *name, struct boot_file *out);

/* Loads every file that argon.conf (bi->files[0]) names into bi->files. */
void efi_load_config_files(EFI_FILE_HANDLE root, const CHAR16 *dir, struct boot_info *bi);

/* Leaves boot services and records the final memory map in bi. */
EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct boot_info *bi);

void efi_power_off(void);

#endif
