/* A guest: its memory, its vCPUs (one per dedicated physical CPU), its
 * devices and its statistics. */
#ifndef ARGON_VMM_GUEST_H
#define ARGON_VMM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/ratelimit.h"
#include "vmm/boot_info.h"
#include "vmm/dev/vioapic.h"
#include "vmm/dev/vmsix.h"
#include "vmm/dev/vpci.h"
#include "vmm/guest_abi.h"
#include "vmm/mmio.h"
#include "vmm/paging.h"
#include "vmm/vcpu.h"
#include "vmm/spinlock.h"
#include "vmm/dev/vpit.h"
#include "vmm/dev/vrtc.h"
#include "vmm/dev/vuart.h"

#define GUEST_MAX_VCPUS 8
#define GUEST_NPT_KEPT_MAX 64
/* RAM in up to two pieces, and each BAR of an assigned function in up to
 * two (the pages around its MSI-X table). */
#define GUEST_MAX_MEM_RANGES (2 + 2 * PCI_NUM_BARS * VPCI_MAX_DEVS)

enum gmem_type {
	GMEM_RAM,
	/* Registers of a function assigned to the guest (part of a BAR),
	 * mapped uncached. Never in the IOMMU's tables. */
	GMEM_DEVICE,
};

/* The guest-physical memory map: the one description from which the
 * nested page tables (and later the IOMMU tables) are built. */
struct gmem_range {
	uint64_t gpa;
	uint64_t hpa;
	uint64_t size;
	enum gmem_type type;
};

/* A function assigned to the guest: its virtual configuration space, its
 * MSI-X shadow and where its BARs sit in the guest's memory map. */
struct guest_pci_fn {
	struct guest *guest;
	struct pci_func *f;
	uint16_t dma_rid; /* the requester id its DMA and messages carry */
	struct vpci_dev *vd;
	bool has_msix;
	struct pci_msix_info mi;
	struct vmsix msix;
	struct vmsix_entry *shadow;
	size_t shadow_pages;
	volatile uint8_t *table; /* the device's MSI-X table, in argon's map */
	/* A reset failed or the BARs could not be put back: argon does not
	 * touch the function's registers until a reset or restore works. */
	bool bars_lost;
	/* An NVMe VF's controller check after each reset of argon's
	 * (nvme_pf_vf_isolate_later): the latest posted, the latest ended.
	 * The guest finds the VF still in its reset (vd->not_ready) in
	 * between. */
	uint32_t check_posted, check_ended;
	/* Per BAR: its ranges in the memory map (-1: none) and its trapped
	 * region (-1: none): the MSI-X table's pages, or the whole BAR when
	 * it is smaller than a page and so cannot be mapped alone. */
	struct guest_pci_bar {
		int mem[2];
		int mmio;
		uint64_t trap_off, trap_size; /* in the BAR */
	} bar[PCI_NUM_BARS];
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
	struct spinlock pci_lock; /* the PCI bus and MSI-X shadows; the console never takes it */
	/* MSI-X refusal warnings: a guest alternating valid and invalid
	 * messages gets a few lines a minute, not one per message. */
	struct ratelimit msix_warn;
	/* The debug log of trapped MMIO accesses (vmm/mmio.h), under io_lock. */
	struct ratelimit mmio_log;
	struct vpci_bus pci;
	struct guest_pci_fn pcifn[VPCI_MAX_DEVS];
	struct iommu_domain *iommu; /* NULL: no function assigned */
	/* Nested tables unlinked while the guest runs: kept, not freed, as a
	 * running vCPU may still hold translations through them. */
	uint64_t npt_kept[GUEST_NPT_KEPT_MAX];
	unsigned npt_kept_count;
	struct pt_mem_ops npt_mem;
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

/* Maps every range of the memory map into the nested tables. */
int guest_build_npt(struct guest *g);

/* The guest's PCI bus (vmm/dev/vpci_guest.c): its trapped ECAM, and for
 * each function in cfg->devices an IOMMU domain holding exactly the
 * guest's RAM, the function reset and attached, its BARs in the memory map
 * and its MSI-X table trapped. Before guest_build_npt. */
int guest_pci_create(struct guest *g);
/* Before a restart zeroes RAM: interrupts blocked, every function reset,
 * the guest's view of them back to power-on. */
void guest_pci_restart(struct guest *g);
/* Waits until the checks that guest_pci_restart posted for the guest's
 * VFs have ended (on the console CPU), so that its next boot starts with
 * them usable. */
void guest_pci_wait_ready(struct guest *g);
/* When the guest stops for good: functions reset and detached (their DMA
 * blocked), interrupt-remapping entries freed. */
void guest_pci_release(struct guest *g);
/* One line of counters for the guest's stop report. */
void guest_pci_print_stats(const struct guest *g);

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
