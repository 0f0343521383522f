/* Where a Linux guest's RAM goes in its guest-physical space, and the e820
 * map that tells the guest. Pure: host tests check the layouts. */
#ifndef ARGON_VMM_GUEST_LAYOUT_H
#define ARGON_VMM_GUEST_LAYOUT_H

#include <stdint.h>

#include "lib/bzimage.h"

#define GUEST_RAM_PIECES_MAX 2

/* A run of guest RAM at guest-physical gpa. */
struct guest_ram_piece {
	uint64_t gpa;
	uint64_t size;
};

/* Splits size bytes of RAM around the 32-bit hole: [0, low_end) first,
 * the rest from ARGON_GUEST_HIGH_RAM_BASE. Returns the number of pieces,
 * 1 or 2 (0 for size 0). */
unsigned guest_ram_split(uint64_t size, uint64_t low_end,
			 struct guest_ram_piece out[GUEST_RAM_PIECES_MAX]);

/* The e820 map of a Linux guest whose RAM is the pieces of
 * guest_ram_split (the first at GPA 0): RAM below the legacy area, the
 * legacy area and ACPI tables reserved, RAM from 1 MiB, the ECAM window
 * reserved, RAM above 4 GiB. Returns the number of entries (at most
 * GUEST_E820_MAX), or 0 if the first piece does not reach past 1 MiB. */
#define GUEST_E820_MAX 6
unsigned guest_linux_e820(const struct guest_ram_piece *ram, unsigned n,
			  struct e820_range out[GUEST_E820_MAX]);

#endif
