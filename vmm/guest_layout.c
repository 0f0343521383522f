#include "vmm/guest_layout.h"

#include "lib/boot_params.h"
#include "vmm/guest_abi.h"

/* Below: RAM; from here up to 1 MiB: the EBDA, VGA and option-ROM holes
 * and argon's ACPI tables. */
#define LEGACY_HOLE_START 0x9F000u
#define LEGACY_HOLE_END 0x100000u

unsigned guest_ram_split(uint64_t size, uint64_t low_end,
			 struct guest_ram_piece out[GUEST_RAM_PIECES_MAX])
{
	uint64_t low = size < low_end ? size : low_end;

	if (!size)
		return 0;
	out[0] = (struct guest_ram_piece){0, low};
	if (low == size)
		return 1;
	out[1] = (struct guest_ram_piece){ARGON_GUEST_HIGH_RAM_BASE, size - low};
	return 2;
}

unsigned guest_linux_e820(const struct guest_ram_piece *ram, unsigned n,
			  struct e820_range out[GUEST_E820_MAX])
{
	unsigned k = 0;

	if (!n || ram[0].gpa != 0 || ram[0].size <= LEGACY_HOLE_END)
		return 0;
	out[k++] = (struct e820_range){0, LEGACY_HOLE_START, E820_RAM};
	out[k++] = (struct e820_range){LEGACY_HOLE_START, LEGACY_HOLE_END - LEGACY_HOLE_START,
				       E820_RESERVED};
	out[k++] = (struct e820_range){LEGACY_HOLE_END, ram[0].size - LEGACY_HOLE_END, E820_RAM};
	/* Linux takes an MCFG area only if the firmware reserved it. */
	out[k++] = (struct e820_range){ARGON_GUEST_ECAM_BASE, ARGON_GUEST_ECAM_SIZE, E820_RESERVED};
	for (unsigned i = 1; i < n && k < GUEST_E820_MAX; i++)
		out[k++] = (struct e820_range){ram[i].gpa, ram[i].size, E820_RAM};
	return k;
}
