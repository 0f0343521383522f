#include "tests/guest/nvme.h"

#include "lib/bits.h"
#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/guest.h"
#include "vmm/guest_abi.h"

#define PCI_VENDOR 0x00u
#define PCI_CLASS_REV 0x08u
#define PCI_HEADER_TYPE 0x0Eu
#define PCI_BAR0 0x10u
#define PCI_CAP_PTR 0x34u
#define PCI_CAP_MSIX 0x11u
#define PCI_CLASS_NVME 0x010802u
#define PCI_BAR_MEM_64 (2u << 1)
#define PCI_BAR_TYPE_MASK (3u << 1)

#define ADMIN_ENTRIES 64u
#define IO_ENTRIES 64u
#define QUEUE_BYTES 4096u
#define CMD_TIMEOUT_S 10u /* generous: emulation on a busy host */
#define READY_TIMEOUT_MIN_S 10u

static struct nvme_sqe admin_sq[QUEUE_BYTES / sizeof(struct nvme_sqe)]
	__attribute__((aligned(4096)));
static struct nvme_cqe admin_cq[QUEUE_BYTES / sizeof(struct nvme_cqe)]
	__attribute__((aligned(4096)));
static struct nvme_sqe io_sq[QUEUE_BYTES / sizeof(struct nvme_sqe)] __attribute__((aligned(4096)));
static struct nvme_cqe io_cq[QUEUE_BYTES / sizeof(struct nvme_cqe)] __attribute__((aligned(4096)));
static uint8_t id_buf[4096] __attribute__((aligned(4096)));

static uintptr_t cfg_addr(const struct nvme *n, uint16_t off)
{
	return ARGON_GUEST_ECAM_BASE + ((uintptr_t)n->bus << 20) + ((uintptr_t)n->dev << 15) +
	       ((uintptr_t)n->fn << 12) + off;
}

uint32_t nvme_cfg_read32(const struct nvme *n, uint16_t off)
{
	return *(volatile uint32_t *)cfg_addr(n, off);
}

uint16_t nvme_cfg_read16(const struct nvme *n, uint16_t off)
{
	return *(volatile uint16_t *)cfg_addr(n, off);
}

void nvme_cfg_write16(const struct nvme *n, uint16_t off, uint16_t val)
{
	*(volatile uint16_t *)cfg_addr(n, off) = val;
}

static volatile uint32_t *reg(const struct nvme *n, uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(n->bar0 + off);
}

uint32_t nvme_reg_read32(const struct nvme *n, uint32_t off)
{
	return *reg(n, off);
}

static void reg_write32(const struct nvme *n, uint32_t off, uint32_t v)
{
	*reg(n, off) = v;
}

static void reg_write64(const struct nvme *n, uint32_t off, uint64_t v)
{
	reg_write32(n, off, (uint32_t)v);
	reg_write32(n, off + 4, (uint32_t)(v >> 32));
}

static bool find_function(struct nvme *n)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id, cls;

			n->bus = 0;
			n->dev = (uint8_t)dev;
			n->fn = (uint8_t)fn;
			id = nvme_cfg_read32(n, PCI_VENDOR);
			if ((id & 0xFFFF) == 0xFFFF) {
				if (fn == 0)
					break;
				continue;
			}
			cls = nvme_cfg_read32(n, PCI_CLASS_REV) >> 8;
			if (cls == PCI_CLASS_NVME) {
				n->vendor = (uint16_t)id;
				n->device = (uint16_t)(id >> 16);
				return true;
			}
			/* Single-function device: no functions 1-7. */
			if (fn == 0 && !((nvme_cfg_read32(n, PCI_HEADER_TYPE & ~3u) >> 16) & 0x80))
				break;
		}
	}
	return false;
}

static uint64_t bar_addr(const struct nvme *n, unsigned bar)
{
	uint32_t lo = nvme_cfg_read32(n, (uint16_t)(PCI_BAR0 + 4 * bar));
	uint64_t a = lo & ~0xFull;

	if ((lo & PCI_BAR_TYPE_MASK) == PCI_BAR_MEM_64 && bar < 5)
		a |= (uint64_t)nvme_cfg_read32(n, (uint16_t)(PCI_BAR0 + 4 * (bar + 1))) << 32;
	return a;
}

static bool wait_ready(const struct nvme *n, bool ready)
{
	uint64_t limit = NVME_CAP_TO(n->cap) / 2 + 1, start = rdtsc();

	if (limit < READY_TIMEOUT_MIN_S)
		limit = READY_TIMEOUT_MIN_S;
	while (((nvme_reg_read32(n, NVME_REG_CSTS) & NVME_CSTS_RDY) != 0) != ready) {
		if (rdtsc() - start > limit * n->tsc_hz)
			return false;
		cpu_relax();
	}
	return true;
}

static void queue_init(struct nvme_queue *q, uint16_t qid, void *sq, void *cq, uint16_t size)
{
	memset(sq, 0, QUEUE_BYTES);
	memset(cq, 0, QUEUE_BYTES);
	q->sq = sq;
	q->cq = cq;
	q->qid = qid;
	q->size = size;
	q->sq_tail = 0;
	q->cq_head = 0;
	q->phase = 1;
}

/* Submits c on q and polls for its completion. */
static bool queue_run(struct nvme *n, struct nvme_queue *q, struct nvme_sqe *c,
		      struct nvme_cqe *out, char *why, size_t size)
{
	uint32_t dstrd = NVME_CAP_DSTRD(n->cap);
	const uint64_t *src = (const uint64_t *)c;
	volatile uint64_t *dst;
	uint64_t start;
	uint16_t status;

	c->cid = n->next_cid++;
	dst = (volatile uint64_t *)&q->sq[q->sq_tail];
	for (size_t i = 0; i < sizeof(*c) / 8; i++)
		dst[i] = src[i];
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->size);
	__asm__ volatile("sfence" ::: "memory");
	reg_write32(n, nvme_doorbell(q->qid, false, dstrd), q->sq_tail);
	start = rdtsc();
	for (;;) {
		status = q->cq[q->cq_head].status;
		if ((status & 1u) == q->phase)
			break;
		if (rdtsc() - start > CMD_TIMEOUT_S * n->tsc_hz)
			return guest_explain(why, size,
					     "queue %u: no completion of opcode 0x%02x within %u s "
					     "(CSTS 0x%x)",
					     q->qid, c->opcode, CMD_TIMEOUT_S,
					     nvme_reg_read32(n, NVME_REG_CSTS));
		cpu_relax();
	}
	__asm__ volatile("" ::: "memory");
	out->dw0 = q->cq[q->cq_head].dw0;
	out->dw1 = q->cq[q->cq_head].dw1;
	out->sq_head = q->cq[q->cq_head].sq_head;
	out->sq_id = q->cq[q->cq_head].sq_id;
	out->cid = q->cq[q->cq_head].cid;
	out->status = status;
	q->cq_head = (uint16_t)((q->cq_head + 1) % q->size);
	if (q->cq_head == 0)
		q->phase ^= 1u;
	reg_write32(n, nvme_doorbell(q->qid, true, dstrd), q->cq_head);
	if (out->cid != c->cid)
		return guest_explain(why, size, "queue %u: completion for command %u, sent %u",
				     q->qid, out->cid, c->cid);
	return true;
}

/* An admin command that must succeed. */
static bool admin(struct nvme *n, struct nvme_sqe *c, const char *what, char *why, size_t size)
{
	struct nvme_cqe cqe;
	struct nvme_status st;
	char buf[32];

	if (!queue_run(n, &n->admin, c, &cqe, why, size))
		return false;
	st = nvme_status_decode(cqe.status);
	if (!nvme_status_ok(st))
		return guest_explain(why, size, "%s failed: %s", what,
				     nvme_status_str(st, buf, sizeof(buf)));
	return true;
}

static bool controller_enable(struct nvme *n, char *why, size_t size)
{
	uint32_t cc = nvme_reg_read32(n, NVME_REG_CC), csts;

	if (cc & NVME_CC_EN) {
		reg_write32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
		if (!wait_ready(n, false))
			return guest_explain(why, size, "CSTS.RDY stays set after CC.EN = 0");
	}
	queue_init(&n->admin, 0, admin_sq, admin_cq, ADMIN_ENTRIES);
	reg_write32(n, NVME_REG_AQA, ((ADMIN_ENTRIES - 1u) << 16) | (ADMIN_ENTRIES - 1u));
	reg_write64(n, NVME_REG_ASQ, (uint64_t)(uintptr_t)admin_sq);
	reg_write64(n, NVME_REG_ACQ, (uint64_t)(uintptr_t)admin_cq);
	/* MPS 0 (4 KiB pages), CSS 0 (NVM), round robin. */
	reg_write32(n, NVME_REG_CC, NVME_CC_IOSQES_64 | NVME_CC_IOCQES_16 | NVME_CC_EN);
	if (!wait_ready(n, true)) {
		csts = nvme_reg_read32(n, NVME_REG_CSTS);
		return guest_explain(why, size, "controller not ready after CC.EN = 1 (CSTS 0x%x)",
				     csts);
	}
	csts = nvme_reg_read32(n, NVME_REG_CSTS);
	if (csts & NVME_CSTS_CFS)
		return guest_explain(why, size, "controller fatal status (CSTS 0x%x)", csts);
	return true;
}

bool nvme_find(struct nvme *n)
{
	memset(n, 0, sizeof(*n));
	if (!find_function(n))
		return false;
	n->bar0 = bar_addr(n, 0);
	return true;
}

bool nvme_open(struct nvme *n, uint64_t tsc_hz, char *why, size_t size)
{
	struct nvme_sqe c;
	uint16_t cmd;

	if (!nvme_find(n))
		return guest_explain(why, size, "no NVMe function (class 01:08:02) on bus 0");
	n->tsc_hz = tsc_hz;
	if (!n->bar0)
		return guest_explain(why, size, "%02x:%02x.%u: BAR0 reads 0", n->bus, n->dev,
				     n->fn);
	if (n->bar0 >= 4 * GiB)
		return guest_explain(why, size,
				     "BAR0 at 0x%lx, beyond the first 4 GiB this guest "
				     "maps",
				     n->bar0);
	cmd = nvme_cfg_read16(n, PCI_COMMAND);
	nvme_cfg_write16(
		n, PCI_COMMAND,
		(uint16_t)(cmd | PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER | PCI_CMD_INTX_DISABLE));
	n->cap = nvme_reg_read32(n, NVME_REG_CAP) | (uint64_t)nvme_reg_read32(n, NVME_REG_CAP + 4)
							    << 32;
	if (n->cap == ~0ull || !NVME_CAP_CSS_NVM(n->cap))
		return guest_explain(why, size, "CAP reads 0x%lx at BAR0 0x%lx", n->cap, n->bar0);
	if (!controller_enable(n, why, size))
		return false;
	nvme_cmd_identify(&c, 0, NVME_CNS_CONTROLLER, 0, (uint64_t)(uintptr_t)id_buf);
	if (!admin(n, &c, "Identify Controller", why, size))
		return false;
	nvme_id_ctrl_string(id_buf, false, n->serial, sizeof(n->serial));
	nvme_id_ctrl_string(id_buf, true, n->model, sizeof(n->model));
	nvme_cmd_identify(&c, 0, NVME_CNS_NAMESPACE, 1, (uint64_t)(uintptr_t)id_buf);
	if (!admin(n, &c, "Identify Namespace 1", why, size))
		return false;
	if (!nvme_id_ns_parse(id_buf, &n->blocks, &n->block_size))
		return guest_explain(why, size, "Identify Namespace 1: no usable format");
	nvme_cmd_set_num_queues(&c, 0, 1);
	if (!admin(n, &c, "Set Features (Number of Queues)", why, size))
		return false;
	queue_init(&n->io, 1, io_sq, io_cq, IO_ENTRIES);
	if (IO_ENTRIES - 1u > NVME_CAP_MQES(n->cap))
		return guest_explain(why, size, "CAP.MQES %u too small", NVME_CAP_MQES(n->cap));
	nvme_cmd_create_cq(&c, 0, 1, IO_ENTRIES, (uint64_t)(uintptr_t)io_cq, 0, true);
	if (!admin(n, &c, "Create I/O Completion Queue", why, size))
		return false;
	nvme_cmd_create_sq(&c, 0, 1, IO_ENTRIES, (uint64_t)(uintptr_t)io_sq, 1);
	return admin(n, &c, "Create I/O Submission Queue", why, size);
}

bool nvme_rw(struct nvme *n, uint8_t opcode, uint64_t slba, uint32_t nlb, uint64_t prp1,
	     uint64_t prp2, struct nvme_status *st, char *why, size_t size)
{
	struct nvme_sqe c;
	struct nvme_cqe cqe;

	nvme_cmd_rw(&c, 0, opcode, 1, slba, nlb, prp1, prp2);
	if (!queue_run(n, &n->io, &c, &cqe, why, size))
		return false;
	*st = nvme_status_decode(cqe.status);
	return true;
}

bool nvme_msix_find(struct nvme *n)
{
	uint8_t off = (uint8_t)(nvme_cfg_read32(n, PCI_CAP_PTR) & 0xFC);
	unsigned guard = 48;

	while (off && guard--) {
		uint32_t hdr = nvme_cfg_read32(n, off);

		if ((hdr & 0xFF) == PCI_CAP_MSIX) {
			uint32_t tbl = nvme_cfg_read32(n, (uint16_t)(off + 4));

			n->msix_cap = off;
			n->msix_size = (uint16_t)MSIX_CTRL_TABLE_SIZE(hdr >> 16);
			n->msix_bir = (uint8_t)(tbl & 7u);
			n->msix_offset = tbl & ~7u;
			if (n->msix_bir > 5)
				return false;
			n->msix_table = (volatile uint32_t *)(uintptr_t)(bar_addr(n, n->msix_bir) +
									 n->msix_offset);
			return true;
		}
		off = (uint8_t)((hdr >> 8) & 0xFC);
	}
	return false;
}

void nvme_msix_control(const struct nvme *n, bool enable, bool function_mask)
{
	uint16_t ctrl = nvme_cfg_read16(n, (uint16_t)(n->msix_cap + 2));

	ctrl = (uint16_t)(ctrl & ~(MSIX_CTRL_ENABLE | MSIX_CTRL_FUNC_MASK));
	if (enable)
		ctrl |= MSIX_CTRL_ENABLE;
	if (function_mask)
		ctrl |= MSIX_CTRL_FUNC_MASK;
	nvme_cfg_write16(n, (uint16_t)(n->msix_cap + 2), ctrl);
}

void nvme_msix_write(const struct nvme *n, unsigned i, uint64_t addr, uint32_t data, bool masked)
{
	volatile uint32_t *e = n->msix_table + i * (MSIX_ENTRY_SIZE / 4);

	/* Masked while it changes, as drivers do. */
	e[3] = MSIX_ENTRY_MASKED;
	e[0] = (uint32_t)addr;
	e[1] = (uint32_t)(addr >> 32);
	e[2] = data;
	e[3] = masked ? MSIX_ENTRY_MASKED : 0;
}

void nvme_msix_read(const struct nvme *n, unsigned i, uint64_t *addr, uint32_t *data,
		    uint32_t *ctrl)
{
	volatile uint32_t *e = n->msix_table + i * (MSIX_ENTRY_SIZE / 4);

	*addr = e[0] | (uint64_t)e[1] << 32;
	*data = e[2];
	*ctrl = e[3];
}
