/* The MSI-X table of a function assigned to a guest. The guest's table is
 * a shadow (every entry masked at first); the device's own table holds
 * only masked entries or remappable-format messages whose interrupt-
 * remapping entry argon filled: the guest's vector, delivered to one of
 * the guest's own cores. An entry goes live when MSI-X is enabled, the
 * function is unmasked and the entry is unmasked, and only if the guest's
 * message passes vmsix_check; otherwise the device's entry stays masked,
 * the refusal is counted and logged once for that entry.
 *
 * Pure: the remapping entries and the device's table are reached through
 * struct vmsix_hooks. The caller serializes calls per table. */
#ifndef ARGON_VMM_DEV_VMSIX_H
#define ARGON_VMM_DEV_VMSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMSIX_ENTRY_SIZE 16u
#define VMSIX_MAX_ENTRIES 2048u

/* One entry's dwords (PCI Local Bus 3.0, 6.8.2.6 ff.). */
#define VMSIX_ADDR_LO 0u
#define VMSIX_ADDR_HI 1u
#define VMSIX_DATA 2u
#define VMSIX_CTRL 3u
#define VMSIX_CTRL_MASKED 1u

/* A compatibility-format message (Intel SDM vol. 3, 11.11): address
 * 0xFEExxxxx with the destination APIC id in bits 19:12 (and bits 14:8 of
 * it in bits 11:5, the extended destination id), redirection hint bit 3,
 * destination mode bit 2 (1: logical); data: vector 7:0, delivery mode
 * 10:8, trigger mode bit 15. Bit 4 set means the remappable format. */
#define MSI_ADDR_BASE 0xFEE00000u
#define MSI_ADDR_BASE_MASK 0xFFF00000u
#define MSI_ADDR_DEST_OFF 12
#define MSI_ADDR_EXT_DEST_OFF 5
#define MSI_ADDR_REMAPPABLE (1u << 4)
#define MSI_ADDR_LOGICAL (1u << 2)
#define MSI_DATA_VECTOR_MASK 0xFFu
#define MSI_DATA_DELIVERY_OFF 8
#define MSI_DATA_LEVEL (1u << 15)
#define MSI_DELIVERY_FIXED 0u
#define MSI_DELIVERY_LOWEST 1u

struct vmsix_entry {
	uint32_t dw[4]; /* the guest's address low, high, data, vector control */
	int handle;	/* the interrupt-remapping entry, -1: none yet */
	uint32_t apic;	/* where it points, when routed */
	uint8_t vector;
	uint64_t msg_addr; /* the remappable message in the device's entry */
	uint32_t msg_data;
	bool routed; /* the remapping entry holds apic and vector */
	bool live;   /* the device's entry is unmasked */
	bool told;   /* a refusal was logged */
};

struct vmsix_hooks {
	/* Whether apic_id is one of the guest's own cores. */
	bool (*apic_is_guests)(void *ctx, uint32_t apic_id);
	/* Allocates an interrupt-remapping entry if *handle < 0, points it
	 * at apic with vector and gives the message the device must send. */
	int (*route)(void *ctx, int *handle, uint32_t apic, uint8_t vector, uint64_t *addr,
		     uint32_t *data);
	/* Makes the remapping entry deliver nothing. */
	void (*block)(void *ctx, int handle);
	/* Writes dword dw of the device's entry. */
	void (*phys_write)(void *ctx, unsigned entry, unsigned dw, uint32_t val);
	/* A refused message, once per entry until one is accepted. */
	void (*refused)(void *ctx, unsigned entry, const char *why);
	void *ctx;
};

struct vmsix {
	unsigned n;
	struct vmsix_entry *e; /* n of them */
	bool enabled, fmasked;
	uint64_t refused; /* messages refused and accesses ignored */
	const struct vmsix_hooks *hooks;
};

/* Sets up the shadow of a table of n entries (at most VMSIX_MAX_ENTRIES)
 * in entries, every one masked, and masks and clears the device's. */
void vmsix_init(struct vmsix *m, struct vmsix_entry *entries, unsigned n,
		const struct vmsix_hooks *hooks);

/* After a reset of the function: the shadow back to masked entries, the
 * device's entries masked and cleared, each remapping entry blocked (the
 * handles are kept for reuse). */
void vmsix_reset(struct vmsix *m);

/* Guest accesses at offset off of the table (off < n * 16): reads of any
 * size within one entry; writes of 4 or 8 bytes, naturally aligned (others
 * are ignored and counted). */
uint64_t vmsix_read(const struct vmsix *m, uint64_t off, unsigned size);
void vmsix_write(struct vmsix *m, uint64_t off, unsigned size, uint64_t val);

/* Writes the device's whole table again from argon's state: after the
 * device may have dropped writes (its memory decoding was off). */
void vmsix_resync(struct vmsix *m);

/* MSI-X enable and function mask as the guest set them. */
void vmsix_control(struct vmsix *m, bool enable, bool masked);

/* Checks a guest's message: 0 and the destination and vector, or
 * -ERR_INVAL with the reason in why. */
int vmsix_check(const uint32_t dw[4], bool (*apic_is_guests)(void *ctx, uint32_t apic_id),
		void *ctx, uint32_t *apic, uint8_t *vector, char *why, size_t why_size);

#endif
