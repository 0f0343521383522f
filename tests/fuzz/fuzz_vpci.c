/* libFuzzer target: the guest's PCI bus (vmm/dev/vpci.c) and MSI-X
 * shadow (vmm/dev/vmsix.c) under any sequence of guest accesses, on a fake
 * function whose first 256 bytes of configuration space come from the
 * input (capability lists with loops, overlaps and garbage included).
 * After every access: the device's BARs and expansion ROM were never
 * written, INTx stays disabled in the device once the guest wrote its
 * command register, no unmasked entry of the device's MSI-X table holds
 * anything but a remappable-format message, and the capability list the
 * guest walks shows only PCI Express, MSI-X and power management.
 *
 * Input: 256 bytes of configuration space (also used as its first 256
 * bytes of extended space), then 8-byte accesses: kind (1:
 * 0 ECAM read, 1 ECAM write, 2 table read, 3 table write), offset (2),
 * size (1), value (4). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/dev/vmsix.h"
#include "vmm/dev/vpci.h"

#define ENTRIES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t cfg[4096];
static uint32_t table[ENTRIES][4];
static int bar_written, cmd_written;

static uint32_t cfg_read(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned n)
{
	uint32_t v = 0;

	(void)ctx;
	(void)seg;
	(void)rid;
	if (off + n > sizeof(cfg))
		abort();
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

static void cfg_write(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned n, uint32_t val)
{
	(void)ctx;
	(void)seg;
	(void)rid;
	if (off + n > sizeof(cfg))
		abort();
	if ((off >= 0x10 && off < 0x28) || (off >= 0x30 && off < 0x34))
		bar_written = 1;
	if (off == 0x04)
		cmd_written = 1;
	for (unsigned i = 0; i < n; i++)
		cfg[off + i] = (uint8_t)(val >> (8 * i));
}

static bool is_guests(void *ctx, uint32_t apic)
{
	(void)ctx;
	return apic == 1 || apic == 0x300;
}

static int next_handle;

static int route(void *ctx, int *handle, uint32_t apic, uint8_t vector, uint64_t *addr,
		 uint32_t *data)
{
	(void)ctx;
	(void)apic;
	(void)vector;
	if (*handle < 0)
		*handle = next_handle++;
	*addr = 0xFEE00010u | (uint32_t)(*handle & 0x7FFF) << 5;
	*data = 0;
	return 0;
}

static void block(void *ctx, int handle)
{
	(void)ctx;
	(void)handle;
}

static void phys_write(void *ctx, unsigned entry, unsigned dw, uint32_t val)
{
	(void)ctx;
	if (entry >= ENTRIES || dw >= 4)
		abort();
	table[entry][dw] = val;
	if (!(table[entry][VMSIX_CTRL] & 1) &&
	    (table[entry][VMSIX_ADDR_HI] ||
	     (table[entry][VMSIX_ADDR_LO] & 0xFFF00010u) != 0xFEE00010u))
		abort();
}

static struct vmsix msix;
static struct vmsix_entry shadow[ENTRIES];
static const struct vmsix_hooks mhooks = {is_guests, route, block, phys_write, NULL, NULL};

static void msix_control(void *ctx, struct vpci_dev *d, bool enable, bool masked)
{
	(void)ctx;
	(void)d;
	vmsix_control(&msix, enable, masked);
}

static void memory_on(void *ctx, struct vpci_dev *d)
{
	(void)ctx;
	(void)d;
	vmsix_resync(&msix);
}

static int bar_move(void *ctx, struct vpci_dev *d, unsigned bar, uint64_t o, uint64_t n)
{
	(void)ctx;
	(void)d;
	(void)bar;
	(void)o;
	(void)n;
	return 0;
}

static void flr(void *ctx, struct vpci_dev *d)
{
	(void)ctx;
	(void)d;
	vmsix_reset(&msix);
}

static const struct vpci_hooks hooks = {
	.bar_move = bar_move, .flr = flr, .memory_on = memory_on, .msix_control = msix_control};

/* The guest's walk of its capability list: only ids 0x01, 0x10, 0x11. */
static void check_caps(struct vpci_bus *b)
{
	uint64_t at = vpci_read(b, 1u << 15 | 0x34, 1) & 0xFC;

	for (unsigned n = 0; at >= 0x40 && n < 64; n++) {
		uint64_t id = vpci_read(b, 1u << 15 | at, 1);

		if (id != 0x01 && id != 0x10 && id != 0x11)
			abort();
		at = vpci_read(b, 1u << 15 | (at + 1), 1) & 0xFC;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_cfg_ops ops = {cfg_read, cfg_write, NULL};
	struct pci_func f = {.rid = 8, .cap_pcie = 0x80, .cap_msix = 0x60};
	struct vpci_bus bus;
	struct vpci_dev *d;

	if (size < 256)
		return 0;
	memset(cfg, 0, sizeof(cfg));
	memcpy(cfg, data, 256);
	memcpy(cfg + 0x100, data, 256); /* an extended list too, from the same bytes */
	memset(table, 0, sizeof(table));
	bar_written = cmd_written = 0;
	next_handle = 0;
	f.bar[0] = (struct pci_bar){.addr = 0xFE000000, .size = 0x4000, .is_64 = true};
	f.bar[2] = (struct pci_bar){.addr = 0xFE100000, .size = 0x100};
	vpci_init(&bus, 0xC0000000, 0x20000000, 0x1000000000ull, 0x1000000000ull, &hooks);
	d = vpci_add(&bus, &f, &ops);
	if (!d || vpci_place_bars(&bus))
		abort();
	vmsix_init(&msix, shadow, ENTRIES, &mhooks);
	for (size_t at = 256; at + 8 <= size; at += 8) {
		const uint8_t *p = data + at;
		uint64_t off = (uint64_t)p[1] | (uint64_t)p[2] << 8;
		unsigned n = 1u << (p[3] & 3);
		uint32_t val = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			       (uint32_t)p[7] << 24;

		switch (p[0] & 3) {
		case 0:
			vpci_read(&bus, (off & 0x1FFF) | (p[0] & 4 ? 1u << 15 : 0), n);
			break;
		case 1:
			vpci_write(&bus, (off & 0xFFF) | 1u << 15, n, val);
			break;
		case 2:
			vmsix_read(&msix, off % (ENTRIES * 16), n);
			break;
		default:
			vmsix_write(&msix, off % (ENTRIES * 16), n,
				    (uint64_t)val | (uint64_t)(p[0] >> 2) << 32);
			break;
		}
		if (bar_written || (cmd_written && !(cfg[0x05] & 0x04)))
			abort();
		check_caps(&bus);
	}
	return 0;
}
