/* The test guest's NVMe driver: polled, one admin queue and one I/O queue
 * pair, commands whose data pointers (PRPs) the caller chooses, so tests
 * can aim a device's DMA anywhere. It finds the controller on the guest's
 * PCI bus (argon's ECAM at ARGON_GUEST_ECAM_BASE), uses BAR0 where argon
 * placed it, and drives the MSI-X table through argon's trap. */
#ifndef ARGON_TESTGUEST_NVME_H
#define ARGON_TESTGUEST_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/guest/nvme_proto.h"

struct nvme_queue {
	volatile struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	uint16_t qid, size, sq_tail, cq_head;
	uint8_t phase;
};

struct nvme {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint64_t bar0;
	uint64_t cap;
	uint64_t tsc_hz;
	struct nvme_queue admin, io;
	uint16_t next_cid;
	uint64_t blocks;
	uint32_t block_size;
	char serial[21], model[41];
	uint8_t msix_cap;
	uint16_t msix_size;
	uint8_t msix_bir;
	uint32_t msix_offset;
	volatile uint32_t *msix_table;
};

#define PCI_COMMAND 0x04u
#define PCI_CMD_MEMORY (1u << 1)
#define PCI_CMD_BUS_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)

/* Finds the first NVMe function (class 01:08:02) on bus 0 and reads where
 * BAR0 is, touching nothing. */
bool nvme_find(struct nvme *n);

/* Finds the first NVMe function (class 01:08:02) on bus 0 of the guest's
 * PCI bus, enables memory decoding and bus mastering, resets and enables
 * the controller with its admin queue in the guest's RAM, identifies the
 * controller and namespace 1, and creates I/O queue pair 1 (its
 * completions signal MSI-X vector 0). false with the reason in why. */
bool nvme_open(struct nvme *n, uint64_t tsc_hz, char *why, size_t size);

/* One Read or Write of nlb blocks at slba of namespace 1 through the I/O
 * queue, data at prp1 (and prp2: the second page or a PRP list), polled.
 * true when it completed (its status in *st); false on timeout (why says
 * so). */
bool nvme_rw(struct nvme *n, uint8_t opcode, uint64_t slba, uint32_t nlb, uint64_t prp1,
	     uint64_t prp2, struct nvme_status *st, char *why, size_t size);

/* The function's configuration space, through the guest's ECAM. */
uint32_t nvme_cfg_read32(const struct nvme *n, uint16_t off);
uint16_t nvme_cfg_read16(const struct nvme *n, uint16_t off);
void nvme_cfg_write16(const struct nvme *n, uint16_t off, uint16_t val);

/* Controller registers. */
uint32_t nvme_reg_read32(const struct nvme *n, uint32_t off);

/* MSI-X: finds the capability and the table (false: none). */
bool nvme_msix_find(struct nvme *n);
/* MSI-X enable bit and function mask in Message Control. */
void nvme_msix_control(const struct nvme *n, bool enable, bool function_mask);
/* Writes entry i: message address, data and vector control (masked or
 * not), each as an aligned 32-bit store. */
void nvme_msix_write(const struct nvme *n, unsigned i, uint64_t addr, uint32_t data, bool masked);
/* Entry i as the guest reads it: address, data, vector control. */
void nvme_msix_read(const struct nvme *n, unsigned i, uint64_t *addr, uint32_t *data,
		    uint32_t *ctrl);

#endif
