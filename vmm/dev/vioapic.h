/* A guest's virtual IOAPIC (82093AA register model, version 0x20 with the
 * EOI register): 24 input pins at ARGON_GUEST_IOAPIC_BASE, GSIs 0-23. Its
 * only job is to turn a device's interrupt (the UART's, on pin 4) into a
 * fixed interrupt with the guest's vector on one of the guest's own cores.
 * The guest owns its cores' physical LAPICs, so that interrupt is a plain
 * IPI that arrives through the guest's IDT; nothing is injected.
 *
 * An edge on a masked pin is lost: it latches nothing and is not sent when
 * the pin is unmasked (the 82093AA keeps no pending state for edge pins).
 * A level pin that is high when unmasked, or when its remote IRR clears,
 * is sent again.
 *
 * The register model (vioapic_init ... vioapic_set_line) is pure and
 * tested on the host; it sends through a callback. The guest glue below it
 * runs in argon. */
#ifndef ARGON_VMM_DEV_VIOAPIC_H
#define ARGON_VMM_DEV_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VIOAPIC_PINS 24u
#define VIOAPIC_VERSION 0x20u
#define VIOAPIC_MMIO_SIZE 0x1000u /* the page the guest maps; registers below 0x44 */

/* Registers at offsets from the base (MMIO). */
#define VIOAPIC_IOREGSEL 0x00u
#define VIOAPIC_IOWIN 0x10u
#define VIOAPIC_EOI 0x40u

/* Indirect registers (IOREGSEL). */
#define VIOAPIC_REG_ID 0x00u
#define VIOAPIC_REG_VER 0x01u
#define VIOAPIC_REG_ARB 0x02u
#define VIOAPIC_REG_RTE0 0x10u /* pin n: low 0x10 + 2n, high 0x11 + 2n */
#define VIOAPIC_ID_OFF 24
#define VIOAPIC_ID_LEN 4
#define VIOAPIC_VER_MAXREDIR_OFF 16

/* Redirection table entry fields (82093AA 3.2.4). */
#define RTE_VECTOR_MASK 0xFFull
#define RTE_DELMOD_OFF 8
#define RTE_DELMOD_LEN 3
#define RTE_DELMOD_FIXED 0u
#define RTE_DELMOD_LOWEST 1u
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_DELIVS (1ull << 12) /* read only */
#define RTE_POLARITY_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14) /* read only */
#define RTE_TRIGGER_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_DEST_OFF 56
#define RTE_DEST_LEN 8
/* Bits 14:8 of the destination APIC id, for guests told of the extended
 * destination id (vmm/guest_abi.h): reserved on the 82093AA, where Linux
 * puts them as it does in MSI addresses. */
#define RTE_EXT_DEST_OFF 49
#define RTE_EXT_DEST_LEN 7
/* What the guest may write: vector, delivery mode, destination mode,
 * polarity, trigger, mask and the destination with its extension. */
#define RTE_WRITABLE                                                                 \
	((0x1FFFFull & ~(RTE_DELIVS | RTE_REMOTE_IRR)) | (0xFFull << RTE_DEST_OFF) | \
	 (0x7Full << RTE_EXT_DEST_OFF))

/* One interrupt message, as the IOAPIC sends it on the bus. dest is the
 * 8-bit destination with the extended destination id's bits 14:8 above
 * it, except the physical broadcast 0xFF (no extension), which becomes
 * 0xFFFFFFFF as an x2APIC LAPIC reads it. */
struct vioapic_msg {
	uint8_t vector;
	bool logical;
	bool lowest; /* lowest priority: one of the destination's cores */
	uint32_t dest;
};

typedef void (*vioapic_send_fn)(void *ctx, const struct vioapic_msg *m);

struct vioapic {
	uint8_t id;
	uint8_t regsel;
	uint32_t lines; /* input pin levels (level-triggered pins), bit per pin */
	uint64_t rte[VIOAPIC_PINS];
	vioapic_send_fn send;
	void *send_ctx;
};

/* Power-on state: every pin masked, edge, active high, vector 0. */
void vioapic_init(struct vioapic *io, uint8_t id, vioapic_send_fn send, void *ctx);

/* An MMIO access at offset off of the IOAPIC page, size 1, 2, 4 or 8.
 * IOREGSEL takes its low byte; IOWIN and EOI are 32-bit registers (a
 * smaller access reaches their low bytes). Anything else reads 0 and
 * ignores writes. */
uint32_t vioapic_read(struct vioapic *io, uint64_t off, unsigned size);
void vioapic_write(struct vioapic *io, uint64_t off, unsigned size, uint32_t val);

/* An edge on input pin `pin` (active edge; polarity is the device's
 * business). Sent if the pin is unmasked and edge-triggered; a level pin
 * treats it as a pulse: sent if unmasked and remote IRR is clear. */
void vioapic_edge(struct vioapic *io, unsigned pin);
/* The level of input pin `pin` (asserted or not). */
void vioapic_set_line(struct vioapic *io, unsigned pin, bool asserted);

/* ---- in argon ---- */

struct guest;

/* Sets up the guest's IOAPIC (power-on state) and its MMIO page. */
int vioapic_guest_init(struct guest *g);
/* Back to the power-on state, for a restart. */
void vioapic_guest_reset(struct guest *g);
/* An edge on input pin gsi of the guest's IOAPIC. The caller holds
 * g->io_lock; any core may call it. It takes no other lock (the IPI is a
 * write to the calling core's own ICR), and sends nothing while the
 * guest is stopping or restarting. */
void vioapic_assert_edge(struct guest *g, unsigned gsi);

#endif
