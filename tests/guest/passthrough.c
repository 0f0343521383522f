/* Scenarios with an NVMe controller argon assigned to the guest (see
 * tests/guest/nvme.h), chosen by testguest.mode= on the command line:
 *
 *   nvme-io       the device works: a label written by the rig is read,
 *                 patterns written and read back with one page, two pages
 *                 and a PRP list.
 *   dma-escape    reads whose data pointer, and then whose PRP list, is
 *                 past the guest's RAM, where another guest's RAM would be
 *                 if identity-mapped, and in argon's own memory (those two
 *                 addresses are typed on the console: "VICTIM_HOST_BASE
 *                 ARGON_ADDR" in hex); the IOMMU must stop each access,
 *                 the reads through a PRP list must complete with an
 *                 error, and the guest goes on.
 *   irq-escape    MSI-X entry 0 aimed at another guest's core
 *                 (testguest.victim=APIC_ID), at the broadcast id, and
 *                 with NMI, SMI and INIT delivery; nothing may arrive here;
 *                 then a message to this core, which must arrive after an
 *                 I/O completion. It stops twice and waits for a typed line
 *                 ("holding ...") so that a test can read the physical
 *                 MSI-X table from outside.
 *   nvme-restart  boot 1 leaves the controller running (queues, MSI-X,
 *                 bus mastering) and triple-faults; boot 2 checks that the
 *                 controller is as after a reset, that boot 1's data is on
 *                 the disk, and that it works again.
 *   nvme-flr      writes, then asks for a function-level reset of the
 *                 device (PCIe Device Control bit 15) with the controller
 *                 running, waits the 100 ms the PCIe spec asks and then
 *                 until the function answers, finds the controller reset,
 *                 opens it again, reads back what it wrote before the
 *                 reset, and writes and reads again.
 *
 * Each ends with the summary and a power-off. Lines for tests start with
 * "ARGON-TEST ". */
#include "tests/guest/passthrough.h"

#include "lib/bits.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/guest.h"
#include "tests/guest/hostile.h"
#include "tests/guest/idt.h"
#include "tests/guest/nvme.h"
#include "vmm/host/apic.h"

#define PAGE 4096u
#define DATA_PAGES 16u
#define DATA_LBA_BYTES (1u * MiB) /* where the patterns go on the disk */
#define MSR_X2APIC_SVR 0x80Fu
#define MSR_X2APIC_ISR0 0x810u
#define SVR_ENABLE (1u << 8)
#define VEC_OTHER 0x61u
#define VEC_BROADCAST 0x62u
#define VEC_OWN 0x63u
#define VEC_NMI 2u
#define BROADCAST_ID 0xFFu
#define INPUT_TIMEOUT_S 120u
#define IRQ_WINDOW_MS 50u
#define IRQ_WAIT_S 5u
/* How long the attacker waits for the test to say argon logged a fault. */
#define FAULT_WAIT_S 60u
#define VICTIM_CHECKED_BASE (16ull << 20) /* hostile.c's victim region */

static struct nvme nv;
static uint64_t hz;
static uint64_t ram;
static const char *cmd;
static uint8_t wbuf[DATA_PAGES * PAGE] __attribute__((aligned(4096)));
static uint8_t rbuf[DATA_PAGES * PAGE] __attribute__((aligned(4096)));
static uint64_t prp_list[PAGE / 8] __attribute__((aligned(4096)));

static bool has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (!strncmp(hay, needle, n))
			return true;
	return false;
}

static void spin_ms(uint64_t ms)
{
	uint64_t start = rdtsc();

	while (rdtsc() - start < ms * hz / 1000)
		cpu_relax();
}

static uint8_t pattern(uint64_t seed, uint64_t i)
{
	uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ull;

	return (uint8_t)(x >> 56);
}

/* One transfer of pages at byte offset disk_off of the disk, data in buf:
 * PRP1 alone for a page, PRP2 as the second page for two, a PRP list
 * beyond. */
static bool transfer(uint8_t opcode, uint64_t disk_off, uint8_t *buf, unsigned pages, char *why,
		     size_t size)
{
	struct nvme_status st;
	uint64_t prp2 = 0;
	char sbuf[32];

	if (pages == 2)
		prp2 = (uint64_t)(uintptr_t)(buf + PAGE);
	else if (pages > 2) {
		for (unsigned i = 1; i < pages; i++)
			prp_list[i - 1] = (uint64_t)(uintptr_t)(buf + i * PAGE);
		prp2 = (uint64_t)(uintptr_t)prp_list;
	}
	if (!nvme_rw(&nv, opcode, disk_off / nv.block_size, pages * PAGE / nv.block_size,
		     (uint64_t)(uintptr_t)buf, prp2, &st, why, size))
		return false;
	if (!nvme_status_ok(st))
		return guest_explain(why, size, "%s of %u page(s) at 0x%lx: %s",
				     opcode == NVME_IO_READ ? "read" : "write", pages, disk_off,
				     nvme_status_str(st, sbuf, sizeof(sbuf)));
	return true;
}

static void open_or_die(void)
{
	char why[192];

	why[0] = '\0';
	if (!nvme_open(&nv, hz, why, sizeof(why)))
		guest_fail_fatal("nvme-open", "%s", why);
	con_printf("PASS nvme-open\n");
	con_printf("ARGON-TEST nvme bdf=00:%02x.%u id=%04x:%04x bar0=0x%lx serial=%s model=%s "
		   "blocks=%lu block_size=%u\n",
		   nv.dev, nv.fn, nv.vendor, nv.device, nv.bar0, nv.serial, nv.model, nv.blocks,
		   nv.block_size);
}

/* The rig's label in the first block: this is the disk the test gave. */
static bool check_label(char *why, size_t size)
{
	static const char want[] = "argon-nvme ";

	memset(rbuf, 0, PAGE);
	if (!transfer(NVME_IO_READ, 0, rbuf, 1, why, size))
		return false;
	if (memcmp(rbuf, want, sizeof(want) - 1) != 0)
		return guest_explain(why, size,
				     "block 0 starts with %02x %02x %02x %02x, not the "
				     "rig's label",
				     rbuf[0], rbuf[1], rbuf[2], rbuf[3]);
	for (size_t i = 0; i < 32; i++)
		if (rbuf[i] == '\n' || i == 31)
			rbuf[i] = '\0';
	con_printf("ARGON-TEST nvme label=\"%s\"\n", (const char *)rbuf);
	return true;
}

static bool write_read(uint64_t seed, char *why, size_t size)
{
	static const unsigned shapes[] = {1, 2, DATA_PAGES};
	uint64_t off = DATA_LBA_BYTES;

	for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
		unsigned pages = shapes[s];

		for (uint64_t i = 0; i < pages * PAGE; i++)
			wbuf[i] = pattern(seed + off, i);
		memset(rbuf, 0, sizeof(rbuf));
		if (!transfer(NVME_IO_WRITE, off, wbuf, pages, why, size) ||
		    !transfer(NVME_IO_READ, off, rbuf, pages, why, size))
			return false;
		for (uint64_t i = 0; i < pages * PAGE; i++)
			if (rbuf[i] != wbuf[i])
				return guest_explain(why, size,
						     "%u page(s) at disk 0x%lx: byte %lu reads "
						     "0x%02x, wrote 0x%02x",
						     pages, off, i, rbuf[i], wbuf[i]);
		off += pages * PAGE;
	}
	return true;
}

static bool check_write_read(char *why, size_t size)
{
	return write_read(0x1234, why, size);
}

static __attribute__((noreturn)) void nvme_io(void)
{
	open_or_die();
	guest_run_check("nvme-label", check_label);
	guest_run_check("nvme-write-read", check_write_read);
	guest_finish();
}

/* ---- DMA escape ---- */

static uint64_t parse_hex(const char **p)
{
	uint64_t v = 0;
	const char *s = *p;

	while (*s == ' ')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		v = v << 4 | d;
	}
	*p = s;
	return v;
}

static struct {
	const char *name;
	uint64_t addr;
} escape_target;

/* QEMU's VT-d keeps one fault record, which argon reads and clears from
 * its console CPU: a second fault while it is full is lost. So after each
 * fault the attacker waits until the test has seen argon log it and types
 * a line ("go": an empty line does not count). */
static void await_fault(const char *kind)
{
	char line[8];

	con_printf("ARGON-TEST dma-escape await-fault target=%s kind=%s\n", escape_target.name,
		   kind);
	if (!con_read_line(line, sizeof(line), FAULT_WAIT_S * hz))
		con_printf("ARGON-TEST dma-escape no go within %u s\n", FAULT_WAIT_S);
}

/* Two reads aimed at escape_target.addr. The first has it as PRP1: the
 * device writes a page of data there, which the IOMMU must stop (argon
 * logs the fault; the victim's checksums show nothing arrived). QEMU's
 * NVMe model drops a data write that faults and still completes the
 * command with success, so its status is reported, not judged. The second
 * reads three pages with PRP2 pointing there as the PRP list: the device
 * must fetch the list from that address, which the IOMMU must stop too,
 * and then the command ends with an error (a data transfer error). */
static bool check_escape(char *why, size_t size)
{
	struct nvme_status data_st, list_st;
	char sbuf[32], lbuf[32];

	if (!nvme_rw(&nv, NVME_IO_READ, 0, PAGE / nv.block_size, escape_target.addr, 0, &data_st,
		     why, size))
		return false;
	await_fault("data");
	if (!nvme_rw(&nv, NVME_IO_READ, 0, 3 * PAGE / nv.block_size, (uint64_t)(uintptr_t)rbuf,
		     escape_target.addr, &list_st, why, size))
		return false;
	await_fault("list");
	con_printf("ARGON-TEST dma-escape target=%s addr=0x%lx data_status=\"%s\" "
		   "prp_list_status=\"%s\"\n",
		   escape_target.name, escape_target.addr,
		   nvme_status_str(data_st, sbuf, sizeof(sbuf)),
		   nvme_status_str(list_st, lbuf, sizeof(lbuf)));
	if (nvme_status_ok(list_st))
		return guest_explain(why, size,
				     "a read with its PRP list at 0x%lx completed successfully",
				     escape_target.addr);
	return true;
}

static __attribute__((noreturn)) void dma_escape(void)
{
	char line[96];
	const char *p = line;
	uint64_t victim, argon;

	open_or_die();
	guest_run_check("nvme-label", check_label);
	guest_run_check("nvme-write-read", check_write_read);
	con_puts("ARGON-TEST dma-escape waiting for addresses\n");
	if (!con_read_line(line, sizeof(line), INPUT_TIMEOUT_S * hz))
		guest_fail_fatal("dma-escape-input", "no addresses typed within %u s",
				 INPUT_TIMEOUT_S);
	victim = parse_hex(&p);
	argon = parse_hex(&p);
	if (!victim || !argon)
		guest_fail_fatal("dma-escape-input", "cannot read \"%s\"", line);
	con_printf("ARGON-TEST dma-escape victim_host=0x%lx argon=0x%lx\n", victim, argon);

	escape_target.name = "past-ram";
	escape_target.addr = ram;
	guest_run_check("dma-escape-past-ram", check_escape);
	escape_target.name = "other-guest";
	escape_target.addr = victim + VICTIM_CHECKED_BASE;
	guest_run_check("dma-escape-other-guest", check_escape);
	escape_target.name = "argon";
	escape_target.addr = argon & ~(uint64_t)(PAGE - 1);
	guest_run_check("dma-escape-argon", check_escape);
	guest_run_check("nvme-after-escape", check_write_read);
	con_puts("ARGON-TEST dma-escape done, still running\n");
	guest_finish();
}

/* ---- interrupt escape ---- */

static void eoi_all(void)
{
	for (unsigned i = 0; i < 8; i++)
		while (rdmsr(MSR_X2APIC_ISR0 + i))
			wrmsr(MSR_X2APIC_EOI, 0);
}

static void wait_key(const char *what)
{
	char line[32];

	con_printf("ARGON-TEST irq-escape holding %s\n", what);
	if (!con_read_line(line, sizeof(line), INPUT_TIMEOUT_S * hz))
		guest_fail_fatal("irq-escape-hold", "nothing typed within %u s", INPUT_TIMEOUT_S);
}

static struct {
	const char *name;
	uint32_t dest;
	uint8_t vector;
	unsigned mode;
} attempt;
static uint32_t self_id, victim_id;

/* Entry 0 first gets a message to this core, which argon accepts (so the
 * refusal that follows is a new one, logged again), then the attempt's
 * message; a completion then makes the device send it. Nothing may arrive
 * on this core: argon refuses the message, so the device sends nothing
 * anywhere. */
static bool check_irq_refused(char *why, size_t size)
{
	uint64_t before_vec, before_nmi, got_vec, got_nmi;
	struct nvme_status st;
	char sbuf[32];
	bool done;

	nvme_msix_write(&nv, 0, msi_compat_addr(self_id), msi_compat_data(VEC_OWN, 0), false);
	/* What the device held pending for the entry arrives now. */
	__asm__ volatile("sti" ::: "memory");
	spin_ms(IRQ_WINDOW_MS);
	__asm__ volatile("cli" ::: "memory");
	eoi_all();
	before_vec = trap_vector_count(attempt.vector);
	before_nmi = trap_nmis();
	nvme_msix_write(&nv, 0, msi_compat_addr(attempt.dest),
			msi_compat_data(attempt.vector, attempt.mode), false);
	__asm__ volatile("sti" ::: "memory");
	done = nvme_rw(&nv, NVME_IO_READ, 0, PAGE / nv.block_size, (uint64_t)(uintptr_t)rbuf, 0,
		       &st, why, size);
	spin_ms(IRQ_WINDOW_MS);
	__asm__ volatile("cli" ::: "memory");
	eoi_all();
	got_vec = trap_vector_count(attempt.vector) - before_vec;
	got_nmi = trap_nmis() - before_nmi;
	con_printf("ARGON-TEST irq-escape attempt=%s dest=0x%x vector=0x%x mode=%u "
		   "delivered_here=%lu nmis_here=%lu\n",
		   attempt.name, attempt.dest, attempt.vector, attempt.mode,
		   attempt.vector >= 32 ? got_vec : 0, got_nmi);
	if (!done)
		return false;
	if (!nvme_status_ok(st))
		return guest_explain(why, size, "the read failed: %s",
				     nvme_status_str(st, sbuf, sizeof(sbuf)));
	if ((attempt.vector >= 32 && got_vec) || got_nmi)
		return guest_explain(why, size, "%lu interrupt(s), %lu NMI(s) arrived here",
				     got_vec, got_nmi);
	return true;
}

/* A message to this core's APIC id with the guest's vector: it arrives. */
static bool check_irq_own_core(char *why, size_t size)
{
	struct nvme_status st;
	uint64_t before, start;
	char sbuf[32];

	nvme_msix_write(&nv, 0, msi_compat_addr(self_id), msi_compat_data(VEC_OWN, 0), false);
	/* Anything the device held pending while the entry was masked comes
	 * now; then the count starts. */
	__asm__ volatile("sti" ::: "memory");
	spin_ms(IRQ_WINDOW_MS);
	__asm__ volatile("cli" ::: "memory");
	eoi_all();
	before = trap_vector_count(VEC_OWN);
	__asm__ volatile("sti" ::: "memory");
	if (!nvme_rw(&nv, NVME_IO_READ, 0, PAGE / nv.block_size, (uint64_t)(uintptr_t)rbuf, 0, &st,
		     why, size)) {
		__asm__ volatile("cli" ::: "memory");
		return false;
	}
	start = rdtsc();
	while (trap_vector_count(VEC_OWN) == before && rdtsc() - start < IRQ_WAIT_S * hz)
		cpu_relax();
	__asm__ volatile("cli" ::: "memory");
	eoi_all();
	con_printf("ARGON-TEST irq-escape own-core apic_id=0x%x vector=0x%x delivered=%lu\n",
		   self_id, VEC_OWN, trap_vector_count(VEC_OWN) - before);
	if (!nvme_status_ok(st))
		return guest_explain(why, size, "the read failed: %s",
				     nvme_status_str(st, sbuf, sizeof(sbuf)));
	if (trap_vector_count(VEC_OWN) == before)
		return guest_explain(why, size,
				     "no interrupt on vector 0x%x within %u s of the "
				     "completion",
				     VEC_OWN, IRQ_WAIT_S);
	return true;
}

static __attribute__((noreturn)) void irq_escape(void)
{
	static const struct {
		const char *name;
		bool to_victim, broadcast;
		uint8_t vector;
		unsigned mode;
	} attempts[] = {
		{"other-guest", true, false, VEC_OTHER, MSI_DELIVERY_FIXED},
		{"broadcast", false, true, VEC_BROADCAST, MSI_DELIVERY_FIXED},
		{"nmi-self", false, false, VEC_NMI, MSI_DELIVERY_NMI},
		{"nmi-other-guest", true, false, VEC_NMI, MSI_DELIVERY_NMI},
		{"smi-self", false, false, 0, MSI_DELIVERY_SMI},
		{"init-self", false, false, 0, MSI_DELIVERY_INIT},
		{"extint-self", false, false, VEC_OTHER, MSI_DELIVERY_EXTINT},
	};
	uint64_t a;
	uint32_t d, c;

	self_id = (uint32_t)rdmsr(MSR_X2APIC_ID);
	victim_id = (uint32_t)cmdline_u64(cmd, "testguest.victim=", 0xFFFFFFFFu);
	if (victim_id == 0xFFFFFFFFu)
		guest_fail_fatal("irq-escape-args", "no testguest.victim=APIC_ID");
	open_or_die();
	if (!nvme_msix_find(&nv))
		guest_fail_fatal("irq-escape-msix", "no MSI-X capability");
	con_printf("ARGON-TEST irq-escape msix cap=0x%x entries=%u bir=%u offset=0x%x "
		   "self=0x%x victim=0x%x\n",
		   nv.msix_cap, nv.msix_size, nv.msix_bir, nv.msix_offset, self_id, victim_id);
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | 0xFF);
	nvme_msix_control(&nv, true, false);
	/* Entry 1 keeps a message to the other guest, unmasked; no queue
	 * uses it, so only the physical table shows what argon did. */
	if (nv.msix_size > 1)
		nvme_msix_write(&nv, 1, msi_compat_addr(victim_id),
				msi_compat_data(VEC_OTHER, MSI_DELIVERY_FIXED), false);
	for (size_t i = 0; i < ARRAY_SIZE(attempts); i++) {
		char name[48];

		attempt.name = attempts[i].name;
		attempt.dest = attempts[i].to_victim   ? victim_id
			       : attempts[i].broadcast ? BROADCAST_ID
						       : self_id;
		attempt.vector = attempts[i].vector;
		attempt.mode = attempts[i].mode;
		fmt_snprintf(name, sizeof(name), "irq-escape-%s", attempts[i].name);
		guest_run_check(name, check_irq_refused);
	}
	wait_key("refused");
	guest_run_check("irq-own-core", check_irq_own_core);
	nvme_msix_read(&nv, 0, &a, &d, &c);
	con_printf("ARGON-TEST irq-escape entry0 guest_view addr=0x%lx data=0x%x ctrl=0x%x\n", a, d,
		   c);
	wait_key("own-core");
	guest_run_check("nvme-write-read", check_write_read);
	guest_finish();
}

/* ---- restart ---- */

#define RESTART_SEED 0xB007u

/* Boot 2, before the driver touches anything: what boot 1 left must be
 * gone. Memory decoding goes on first, to read the registers. AQA, ASQ
 * and ACQ are only shown: a function-level reset clears them on hardware,
 * but QEMU's NVMe model keeps them across its reset. */
static bool check_reset_state(char *why, size_t size)
{
	uint16_t cmdreg = nvme_cfg_read16(&nv, PCI_COMMAND), msix = 0;
	uint32_t cc, csts, aqa;
	uint64_t asq;

	if (nvme_msix_find(&nv))
		msix = nvme_cfg_read16(&nv, (uint16_t)(nv.msix_cap + 2));
	nvme_cfg_write16(&nv, PCI_COMMAND, (uint16_t)(cmdreg | PCI_CMD_MEMORY));
	cc = nvme_reg_read32(&nv, NVME_REG_CC);
	csts = nvme_reg_read32(&nv, NVME_REG_CSTS);
	aqa = nvme_reg_read32(&nv, NVME_REG_AQA);
	asq = nvme_reg_read32(&nv, NVME_REG_ASQ) | (uint64_t)nvme_reg_read32(&nv, NVME_REG_ASQ + 4)
							   << 32;
	con_printf("ARGON-TEST nvme-restart found cc=0x%x csts=0x%x aqa=0x%x asq=0x%lx "
		   "command=0x%x msix_control=0x%x\n",
		   cc, csts, aqa, asq, cmdreg, msix);
	if ((cc & NVME_CC_EN) || (csts & NVME_CSTS_RDY))
		return guest_explain(why, size, "controller still enabled (CC 0x%x CSTS 0x%x)", cc,
				     csts);
	if (cmdreg & PCI_CMD_BUS_MASTER)
		return guest_explain(why, size, "bus mastering on at start (command 0x%x)", cmdreg);
	if (msix & MSIX_CTRL_ENABLE)
		return guest_explain(why, size, "MSI-X enabled at start (control 0x%x)", msix);
	return true;
}

static bool check_boot1_data(char *why, size_t size)
{
	memset(rbuf, 0, sizeof(rbuf));
	if (!transfer(NVME_IO_READ, DATA_LBA_BYTES, rbuf, 1, why, size))
		return false;
	for (uint64_t i = 0; i < PAGE; i++)
		if (rbuf[i] != pattern(RESTART_SEED + DATA_LBA_BYTES, i))
			return guest_explain(why, size,
					     "byte %lu reads 0x%02x, boot 1 wrote 0x%02x", i,
					     rbuf[i], pattern(RESTART_SEED + DATA_LBA_BYTES, i));
	return true;
}

static bool check_boot1_write(char *why, size_t size)
{
	return write_read(RESTART_SEED, why, size);
}

static __attribute__((noreturn)) void nvme_restart(void)
{
	if (cmdline_u64(cmd, "argon.boot=", 1) == 1) {
		open_or_die();
		guest_run_check("nvme-write-read", check_boot1_write);
		/* Leave everything running: MSI-X on with an unmasked entry,
		 * queues live, bus mastering on. */
		if (nvme_msix_find(&nv)) {
			wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | 0xFF);
			nvme_msix_control(&nv, true, false);
			nvme_msix_write(&nv, 0, msi_compat_addr((uint32_t)rdmsr(MSR_X2APIC_ID)),
					msi_compat_data(VEC_OWN, 0), false);
		}
		con_puts("ARGON-TEST nvme-restart boot=1 controller left running; crashing\n");
		guest_triple_fault();
	}
	if (!nvme_find(&nv))
		guest_fail_fatal("nvme-find", "no NVMe function on bus 0");
	guest_run_check("nvme-reset-state", check_reset_state);
	open_or_die();
	guest_run_check("nvme-boot1-data", check_boot1_data);
	guest_run_check("nvme-write-read", check_write_read);
	guest_finish();
}

/* ---- a reset the guest asks for ---- */

#define FLR_SEED 0xF1F1u
#define PCI_CAP_LIST 0x34u
#define PCI_CAP_ID_PCIE 0x10
#define PCIE_DEVCTL 0x08
#define PCIE_DEVCTL_FLR (1u << 15)

static bool check_flr(char *why, size_t size)
{
	uint8_t off = (uint8_t)(nvme_cfg_read32(&nv, PCI_CAP_LIST) & 0xFC);
	uint32_t cc, csts;
	uint64_t t;

	for (unsigned guard = 48; off && guard--;) {
		uint32_t hdr = nvme_cfg_read32(&nv, off);

		if ((hdr & 0xFF) == PCI_CAP_ID_PCIE)
			break;
		off = (uint8_t)((hdr >> 8) & 0xFC);
	}
	if (!off)
		return guest_explain(why, size, "no PCI Express capability");
	nvme_cfg_write16(
		&nv, (uint16_t)(off + PCIE_DEVCTL),
		(uint16_t)(nvme_cfg_read16(&nv, (uint16_t)(off + PCIE_DEVCTL)) | PCIE_DEVCTL_FLR));
	for (t = rdtsc(); rdtsc() - t < hz / 10;)
		__asm__ volatile("pause");
	/* Then, as Linux does, until the function answers again (a
	 * function still in its reset reads all ones), for up to 10 s. */
	for (t = rdtsc(); nvme_cfg_read32(&nv, PCI_COMMAND) == 0xFFFFFFFFu;)
		if (rdtsc() - t > 10 * hz)
			return guest_explain(why, size,
					     "the function does not answer 10 s after its reset");
	nvme_cfg_write16(&nv, PCI_COMMAND, PCI_CMD_MEMORY);
	cc = nvme_reg_read32(&nv, NVME_REG_CC);
	csts = nvme_reg_read32(&nv, NVME_REG_CSTS);
	con_printf("ARGON-TEST nvme-flr found cc=0x%x csts=0x%x command=0x%x\n", cc, csts,
		   nvme_cfg_read16(&nv, PCI_COMMAND));
	if ((cc & NVME_CC_EN) || (csts & NVME_CSTS_RDY))
		return guest_explain(why, size, "controller still enabled (CC 0x%x CSTS 0x%x)", cc,
				     csts);
	return true;
}

static bool check_flr_data(char *why, size_t size)
{
	memset(rbuf, 0, sizeof(rbuf));
	if (!transfer(NVME_IO_READ, DATA_LBA_BYTES, rbuf, 1, why, size))
		return false;
	for (uint64_t i = 0; i < PAGE; i++)
		if (rbuf[i] != pattern(FLR_SEED + DATA_LBA_BYTES, i))
			return guest_explain(why, size,
					     "byte %lu reads 0x%02x, before the reset 0x%02x", i,
					     rbuf[i], pattern(FLR_SEED + DATA_LBA_BYTES, i));
	return true;
}

static bool check_flr_write(char *why, size_t size)
{
	return write_read(FLR_SEED, why, size);
}

static __attribute__((noreturn)) void nvme_flr(void)
{
	open_or_die();
	guest_run_check("nvme-write-read", check_flr_write);
	guest_run_check("nvme-flr", check_flr);
	open_or_die();
	guest_run_check("nvme-flr-data", check_flr_data);
	guest_run_check("nvme-write-read", check_write_read);
	guest_finish();
}

bool passthrough_run(const char *cmdline, uint64_t ram_bytes)
{
	static const struct {
		const char *mode;
		void (*fn)(void);
	} modes[] = {
		{"testguest.mode=nvme-io", nvme_io},
		{"testguest.mode=dma-escape", dma_escape},
		{"testguest.mode=irq-escape", irq_escape},
		{"testguest.mode=nvme-restart", nvme_restart},
		{"testguest.mode=nvme-flr", nvme_flr},
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (has(cmdline, modes[i].mode)) {
			cmd = cmdline;
			ram = ram_bytes;
			hz = tsc_hz();
			modes[i].fn();
		}
	}
	return false;
}
