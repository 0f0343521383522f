/* vf-bars-unset.efi: firmware that leaves VF BARs empty, for the rig.
 * OVMF sizes and assigns every SR-IOV function's VF BARs; this UEFI
 * application, started as the boot option in its place, writes 0 to the
 * VF BARs of each function that has an SR-IOV capability (VF Enable and
 * VF MSE are off: no VF decodes them), says which on the console, and
 * then loads and starts argon.efi from its own folder, so that argon
 * finds them as firmware that does not handle SR-IOV leaves them. */
#include <efi.h>
#include <efilib.h>

#define ECAP_FIRST 0x100
#define ECAP_ID_SRIOV 0x0010
#define SRIOV_CTRL 0x08
#define SRIOV_VF_BAR0 0x24
#define SRIOV_VF_ENABLE_MSE 0x9u
#define WALK_MAX 64

static UINT32 cfg_read(EFI_PCI_IO_PROTOCOL *io, UINT32 off)
{
	UINT32 v = 0xffffffffu;

	uefi_call_wrapper(io->Pci.Read, 5, io, EfiPciIoWidthUint32, off, 1, &v);
	return v;
}

static void cfg_write(EFI_PCI_IO_PROTOCOL *io, UINT32 off, UINT32 v)
{
	uefi_call_wrapper(io->Pci.Write, 5, io, EfiPciIoWidthUint32, off, 1, &v);
}

/* The offset of the SR-IOV capability, 0 if none. */
static UINT32 find_sriov(EFI_PCI_IO_PROTOCOL *io)
{
	UINT32 off = ECAP_FIRST;

	for (unsigned n = 0; n < WALK_MAX && off >= ECAP_FIRST; n++) {
		UINT32 hdr = cfg_read(io, off);

		if (hdr == 0 || hdr == 0xffffffffu)
			return 0;
		if ((hdr & 0xffff) == ECAP_ID_SRIOV)
			return off;
		off = (hdr >> 20) & 0xffc;
	}
	return 0;
}

static void unset_all(void)
{
	EFI_HANDLE *handles = NULL;
	UINTN count = 0;

	if (EFI_ERROR(LibLocateHandle(ByProtocol, &PciIoProtocol, NULL, &count, &handles)))
		return;
	for (UINTN i = 0; i < count; i++) {
		EFI_PCI_IO_PROTOCOL *io;
		UINTN seg, bus, dev, fn;
		UINT32 pos;

		if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, handles[i], &PciIoProtocol,
						(void **)&io)))
			continue;
		pos = find_sriov(io);
		if (!pos || (cfg_read(io, pos + SRIOV_CTRL) & SRIOV_VF_ENABLE_MSE))
			continue;
		for (UINT32 b = 0; b < 6; b++)
			cfg_write(io, pos + SRIOV_VF_BAR0 + 4 * b, 0);
		uefi_call_wrapper(io->GetLocation, 5, io, &seg, &bus, &dev, &fn);
		Print(L"vf-bars-unset: %04x:%02x:%02x.%x: VF BARs set to 0\n", seg, bus, dev, fn);
	}
	FreePool(handles);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_LOADED_IMAGE *li;
	EFI_DEVICE_PATH *path;
	EFI_HANDLE argon;
	EFI_STATUS s;

	InitializeLib(image, st);
	unset_all();
	s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s))
		return s;
	path = FileDevicePath(li->DeviceHandle, L"\\EFI\\BOOT\\argon.efi");
	s = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, path, NULL, 0, &argon);
	if (EFI_ERROR(s)) {
		Print(L"vf-bars-unset: cannot load argon.efi: %r\n", s);
		return s;
	}
	return uefi_call_wrapper(BS->StartImage, 3, argon, NULL, NULL);
}
