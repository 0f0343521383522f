/* A guest: its memory, its vCPUs (one per dedicated physical CPU), its
 * devices and its statistics. */
#ifndef ARGON_VMM_GUEST_H
#define ARGON_VMM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "vmm/boot_info.h"
#include "vmm/dev/vioapic.h"
#include "vmm/guest_abi.h"
#include "vmm/mmio.h"
#include "vmm/paging.h"
#include "vmm/vcpu.h"
#include "vmm/spinlock.h"
#include "vmm/dev/vpit.h"
#include "vmm/dev/vrtc.h"
#include "vmm/dev/vuart.h"

#define GUEST_MAX_VCPUS 8
#define GUEST_MAX_MEM_RANGES 8

enum gmem_type {
	GMEM_RAM,
	/* Read-only, every 2 MiB backed by the same host block of 0xFF bytes:
	 * a PCI configuration space (ECAM) with no device on any bus, where
	 * every read finds "no function here". */
	GMEM_ALL_ONES,
};

/* The guest-physical memory map: the one description from which the
 * nested page tables (and later the IOMMU tables) are built. */
struct gmem_range {
	uint64_t gpa;
	uint64_t hpa;
	uint64_t size;
	enum gmem_type type;
};

struct vcpu_stats {
	uint64_t exits[ARGON_EXIT_KIND_COUNT];
};

struct guest {
	char name[CONFIG_NAME_MAX];
	unsigned id; /* index in argon.conf, from 0 */
	const struct argon_guest_config *cfg;
	uint64_t ram_hpa;
	uint64_t ram_size;
	struct gmem_range mem[GUEST_MAX_MEM_RANGES];
	unsigned mem_count;
	struct paging npt;
	struct spinlock io_lock; /* the emulated devices below */
	struct vuart uart;
	int console; /* the UART's console source (vmm/console.h) */
	struct vrtc rtc;
	struct vpit pit;
	struct vioapic ioapic;
	struct mmio_region mmio[GUEST_MAX_MMIO]; /* trapped, not in the nested tables */
	unsigned mmio_count;
	unsigned vcpu_count;
	struct vcpu vcpus[GUEST_MAX_VCPUS];
	struct vcpu_stats stats[GUEST_MAX_VCPUS];
	const struct boot_info *bi;	   /* the kernel and initrd files, for restarts */
	struct vcpu_init_state boot_state; /* of vCPU 0 */
	uint64_t start_tsc;
	unsigned boots; /* 1 on the first boot */
	volatile unsigned vcpus_running;
	volatile unsigned generation; /* goes up when a restart is ready */
	volatile bool stopped;
	bool restart;		/* the stop was a reset or crash and on_exit says restart */
	volatile bool finished; /* stopped for good */
	bool hlt_exits;		/* HLT exits (test guests) or runs on the core (Linux) */
	char stop_reason[160];
};

/* Allocates and zeroes RAM, builds the nested tables, loads the kernel
 * and creates the vCPUs. Logs what went wrong on failure. */
int guest_create(struct guest *g, unsigned id, const struct argon_guest_config *cfg,
		 const struct boot_info *bi);

/* Adds an all-ones read-only range to the memory map (GMEM_ALL_ONES). */
int guest_add_all_ones(struct guest *g, uint64_t gpa, uint64_t size);
/* Maps every range of the memory map into the nested tables. */
int guest_build_npt(struct guest *g);

/* Host pointer for [gpa, gpa+len) if it is all guest RAM, else NULL. */
void *guest_ram_ptr(struct guest *g, uint64_t gpa, uint64_t len);

enum guest_end {
	GUEST_POWEROFF, /* the guest powered itself off: always stops */
	GUEST_RESET,	/* the guest reset itself: restarts if on_exit says so */
	GUEST_CRASH,	/* triple fault, a fatal access, an unhandled exit: likewise */
	GUEST_ERROR,	/* argon could not go on with it: always stops */
};

/* Ends the guest's current run: every vCPU leaves its run loop; then it
 * restarts (with zeroed RAM) or stays stopped, per `how` and on_exit. */
void guest_stop(struct guest *g, enum guest_end how, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Runs vCPU v of its guest on the calling CPU, which v is pinned to: from
 * creation through the guest's boot (vCPU 0) or its INIT/SIPI (the others)
 * to the guest's stop. The last vCPU out prints the guest's exit counters. */
void guest_vcpu_main(struct vcpu *v);

#endif
