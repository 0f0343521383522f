/* Leaving boot services: fetch the final memory map and hand it over. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"
#include "lib/string.h"

static uint32_t mem_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
		return BOOT_MEM_USABLE;
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return BOOT_MEM_BOOT_RECLAIM;
	case EfiLoaderCode:
	case EfiLoaderData:
		return BOOT_MEM_ARGON;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
		return BOOT_MEM_FW_RUNTIME;
	case EfiACPIReclaimMemory:
		return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return BOOT_MEM_MMIO;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* Runs after ExitBootServices: no firmware calls, no allocation. Merges
 * neighbours of one type so that a fragmented map still fits. */
static void record_map(struct boot_info *bi, const UINT8 *map, UINTN size, UINTN dsize)
{
	bi->mem_count = 0;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
		uint64_t base = d->PhysicalStart, len = d->NumberOfPages * EFI_PAGE_SIZE;
		uint32_t type = mem_type(d->Type);
		struct boot_mem_range *last = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;

		if (last && last->type == type && last->base + last->size == base) {
			last->size += len;
			continue;
		}
		if (bi->mem_count == BOOT_MAX_MEM_RANGES) {
			/* Dropping a range only hides memory from the core. */
			continue;
		}
		bi->mem[bi->mem_count].base = base;
		bi->mem[bi->mem_count].size = len;
		bi->mem[bi->mem_count].type = type;
		bi->mem_count++;
	}
}

EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct boot_info *bi)
{
	UINTN size = 0, key, dsize;
	UINT32 dver;
	EFI_STATUS s;
	UINT8 *map = NULL;
	UINTN cap = 0;

	for (int attempt = 0; attempt < 8; attempt++) {
		size = cap;
		s = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)map,
				      &key, &dsize, &dver);
		if (s == EFI_BUFFER_TOO_SMALL) {
			if (map)
				FreePool(map);
			/* The allocation itself can add descriptors. */
			cap = size + 16 * sizeof(EFI_MEMORY_DESCRIPTOR) * 2;
			map = AllocatePool(cap);
			if (!map)
				return EFI_OUT_OF_RESOURCES;
			continue;
		}
		if (EFI_ERROR(s))
			return s;
		s = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (s == EFI_SUCCESS) {
			record_map(bi, map, size, dsize);
			return EFI_SUCCESS;
		}
		/* EFI_INVALID_PARAMETER: the map changed under us (an event
		 * allocated memory); fetch it again and retry. */
	}
	return s;
}
