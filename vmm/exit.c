/* The core's exit handlers: one per normalized kind, for every backend. */
#include "lib/err.h"
#include "vmm/console.h"
#include "vmm/cpuid_policy.h"
#include "vmm/emulate.h"
#include "vmm/guest.h"
#include "vmm/exit_stats.h"
#include "vmm/exit.h"
#include "vmm/guest_rules.h"
#include "vmm/host/apic.h"
#include "vmm/log.h"
#include "vmm/msr_policy.h"
#include "vmm/vcpu.h"
#include "vmm/x86.h"

#define X86_UD 6
#define X86_GP 13

typedef void (*exit_handler)(struct vcpu *v, const struct vm_exit *e);

static void skip_insn(struct vcpu *v, const struct vm_exit *e)
{
	v->regs.rip += e->insn_len;
}

static void stop_with_dump(struct vcpu *v, const char *what, const struct vm_exit *e)
{
	guest_stop(v->guest, GUEST_CRASH, "%s (exit %s, raw 0x%llx) at rip 0x%llx", what,
		   exit_kind_name(e->kind), (unsigned long long)e->raw_reason,
		   (unsigned long long)v->regs.rip);
	vcpu_ops->dump(v);
}

static void handle_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	struct cpuid_regs r = cpuid_policy(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx);

	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	skip_insn(v, e);
}

static void handle_msr_read(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val;

	if (msr_read(v, msr, &val)) {
		pr_debug("guest '%s': rdmsr 0x%x refused (#GP)\n", v->guest->name, msr);
		vcpu_ops->inject_exception(v, X86_GP, true, 0);
		return;
	}
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	skip_insn(v, e);
}

static void handle_msr_write(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	if (msr_write(v, msr, val)) {
		pr_debug("guest '%s': wrmsr 0x%x <- 0x%llx refused (#GP)\n", v->guest->name, msr,
			 (unsigned long long)val);
		vcpu_ops->inject_exception(v, X86_GP, true, 0);
		return;
	}
	skip_insn(v, e);
}

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
}

/* The UART's transmitter moves its FIFO to the guest's console queue when
 * the guest looks at it: room for a FIFO's worth first. A guest waits here
 * only when its own queue is full. */
static uint32_t uart_read(struct guest *g, unsigned reg)
{
	uint32_t val;

	console_make_room(&g->uart.out, VUART_FIFO);
	val = vuart_read(&g->uart, reg);
	console_kick();
	return val;
}

static void uart_write(struct guest *g, unsigned reg, uint32_t val)
{
	console_make_room(&g->uart.out, VUART_FIFO);
	vuart_write(&g->uart, reg, val);
	console_kick();
}

static uint32_t port_read(struct guest *g, uint16_t port, unsigned size)
{
	if (port >= ARGON_GUEST_UART_PORT && port < ARGON_GUEST_UART_PORT + VUART_PORTS)
		return uart_read(g, port - ARGON_GUEST_UART_PORT);
	if (size == 1 && (port == VRTC_INDEX_PORT || port == VRTC_DATA_PORT))
		return vrtc_read(&g->rtc, port);
	if (size == 1 && (port == VPIT_CH2_PORT || port == VPIT_PORT_B))
		return vpit_read(&g->pit, port);
	if (port == ARGON_GUEST_PM1A_CNT_PORT)
		return 0;
	/* Nothing decodes this port: the bus floats high. */
	return size_mask(size);
}

static void pm1_control(struct guest *g, uint32_t val)
{
	unsigned typ = (val >> ARGON_GUEST_PM1_SLP_TYP_OFF) & 7;

	if (!(val & ARGON_GUEST_PM1_SLP_EN))
		return;
	if (typ == ARGON_GUEST_SLP_TYP_S5)
		guest_stop(g, GUEST_POWEROFF, "powered off");
	else
		pr_info("guest '%s': sleep state %u is not supported; ignored\n", g->name, typ);
}

static void port_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
	struct guest *g = v->guest;

	if (port >= ARGON_GUEST_UART_PORT && port < ARGON_GUEST_UART_PORT + VUART_PORTS) {
		uart_write(g, port - ARGON_GUEST_UART_PORT, val);
	} else if (size == 1 && (port == VRTC_INDEX_PORT || port == VRTC_DATA_PORT)) {
		vrtc_write(&g->rtc, port, (uint8_t)val);
	} else if (size == 1 &&
		   (port == VPIT_CH2_PORT || port == VPIT_CMD_PORT || port == VPIT_PORT_B)) {
		vpit_write(&g->pit, port, (uint8_t)val);
	} else if ((port == ARGON_GUEST_PM1A_CNT_PORT && size >= 2) ||
		   (port == ARGON_GUEST_SLEEP_CTL_PORT && size == 1)) {
		/* The sleep control register of a hardware-reduced FADT is
		 * PM1a_CNT's high byte, so both writes mean the same. */
		pm1_control(g, port == ARGON_GUEST_SLEEP_CTL_PORT ? val << 8 : val);
	} else if (port == ARGON_GUEST_RESET_PORT && size == 1 && (val & ARGON_GUEST_RESET_CPU)) {
		guest_stop(g, GUEST_RESET, "reset");
	}
}

/* Elements of a REP INS/OUTS done per exit: the rest runs after the next
 * entry (RIP stays on the instruction), so the guest's interrupts are
 * never held off for long. */
#define STRING_IO_BATCH 64

/* INS and OUTS, with or without REP, on argon's virtual ports. The memory
 * operand is ES:(R/E)DI for INS, DS or the override segment:(R/E)SI for
 * OUTS, walked through the guest's page tables; RFLAGS.DF picks the
 * direction. The instruction bytes give the prefixes (segment, address
 * size), the exit the port, size, direction and REP. A page fault on the
 * memory operand is not reflected to the guest: it stops the guest. */
static void handle_string_io(struct vcpu *v, const struct vm_exit *e)
{
	uint8_t code[X86_INSN_MAX];
	struct x86_insn in;
	size_t n;
	unsigned size = e->io.size;
	uint64_t *idx = e->io.in ? &v->regs.rdi : &v->regs.rsi;
	uint64_t count = 1, done = 0, fault_la = 0;
	enum x86_seg seg;
	int err = emul_fetch_decode(v, &in, code, &n);

	if (err || (in.op != X86_OP_INS && in.op != X86_OP_OUTS) ||
	    (in.op == X86_OP_INS) != e->io.in || in.mem_size != size) {
		guest_stop(v->guest, GUEST_CRASH,
			   "string port I/O at rip 0x%llx (port 0x%x): the instruction cannot be "
			   "decoded",
			   (unsigned long long)v->regs.rip, e->io.port);
		return;
	}
	seg = e->io.in ? X86_SEG_ES : in.seg == X86_SEG_NONE ? X86_SEG_DS : in.seg;
	if (e->io.rep) {
		count = v->regs.rcx & emul_addr_mask(in.addr_size);
		if (!count) {
			skip_insn(v, e);
			return;
		}
	}
	spin_lock(&v->guest->io_lock);
	for (; done < count && done < STRING_IO_BATCH; done++) {
		uint64_t la = emul_linear(v, seg, *idx, in.addr_size);
		uint32_t val = 0;

		if (e->io.in) {
			val = port_read(v->guest, e->io.port, size) & size_mask(size);
			err = emul_write(v, la, &val, size, &fault_la);
		} else {
			err = emul_read(v, la, &val, size, &fault_la);
			if (!err)
				port_write(v, e->io.port, size, val);
		}
		if (err)
			break;
		emul_addr_reg_set(idx, (v->regs.rflags & RFLAGS_DF) ? *idx - size : *idx + size,
				  in.addr_size);
	}
	spin_unlock(&v->guest->io_lock);
	if (e->io.rep)
		emul_addr_reg_set(&v->regs.rcx, count - done, in.addr_size);
	if (err) {
		guest_stop(v->guest, GUEST_CRASH,
			   "string port I/O at rip 0x%llx (port 0x%x): %s at linear address 0x%llx",
			   (unsigned long long)v->regs.rip, e->io.port,
			   err == -ERR_FAULT   ? "page fault"
			   : err == -ERR_RANGE ? "non-canonical address"
					       : "no RAM",
			   (unsigned long long)fault_la);
		return;
	}
	if (done == count)
		skip_insn(v, e);
}

static void handle_io(struct vcpu *v, const struct vm_exit *e)
{
	uint32_t mask = size_mask(e->io.size);

	if (e->io.string) {
		handle_string_io(v, e);
		return;
	}
	/* The guest's vCPUs share its devices. */
	spin_lock(&v->guest->io_lock);
	if (e->io.in) {
		uint32_t val = port_read(v->guest, e->io.port, e->io.size) & mask;

		/* A 32-bit IN zero-extends into RAX; smaller ones merge. */
		if (e->io.size == 4)
			v->regs.rax = val;
		else
			v->regs.rax = (v->regs.rax & ~(uint64_t)mask) | val;
	} else {
		port_write(v, e->io.port, e->io.size, (uint32_t)v->regs.rax & mask);
	}
	spin_unlock(&v->guest->io_lock);
	skip_insn(v, e);
}

static const struct gmem_range *gpa_range(const struct guest *g, uint64_t gpa)
{
	for (unsigned i = 0; i < g->mem_count; i++)
		if (gpa >= g->mem[i].gpa && gpa - g->mem[i].gpa < g->mem[i].size)
			return &g->mem[i];
	return NULL;
}

static void handle_npf(struct vcpu *v, const struct vm_exit *e)
{
	const char *access = e->npf.fetch ? "fetch" : e->npf.write ? "write" : "read";

	const struct gmem_range *r = gpa_range(v->guest, e->npf.gpa);
	const struct mmio_region *m = mmio_find(v->guest, e->npf.gpa);

	if (m && !e->npf.fetch && !e->npf.table_walk) {
		mmio_emulate(v, e, m);
		return;
	}
	if (!r) {
		guest_stop(v->guest, GUEST_CRASH,
			   "access to unmapped guest-physical address 0x%llx (%s) at rip 0x%llx",
			   (unsigned long long)e->npf.gpa, access, (unsigned long long)v->regs.rip);
		return;
	}
	stop_with_dump(v, "nested page fault on mapped guest memory", e);
}

static void handle_hlt(struct vcpu *v, const struct vm_exit *e)
{
	/* Interrupts reach the guest directly, so a halt with interrupts on
	 * just goes on with the next instruction; with interrupts off nothing
	 * could ever wake it. */
	if (!(v->regs.rflags & RFLAGS_IF)) {
		guest_stop(v->guest, GUEST_CRASH, "halted with interrupts disabled at rip 0x%llx",
			   (unsigned long long)v->regs.rip);
		return;
	}
	skip_insn(v, e);
}

static void handle_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t nr = v->regs.rax, arg = v->regs.rbx;
	int64_t ret;

	switch (nr) {
	case ARGON_HC_VERSION:
		ret = ARGON_ABI_VERSION;
		break;
	case ARGON_HC_EXIT_COUNT:
		ret = arg < ARGON_EXIT_KIND_COUNT
			      ? (int64_t)guest_exit_count(v->guest, (enum argon_exit_kind)arg)
			      : ARGON_HC_ERR_ARG;
		break;
	default:
		ret = ARGON_HC_ERR_UNKNOWN;
		break;
	}
	v->regs.rax = (uint64_t)ret;
	skip_insn(v, e);
}

/* XSETBV exits unconditionally on VMX. The guest owns its core's XCR0
 * (argon never uses extended state), so a value that passes the
 * architecture's rules against the components the guest's own CPUID leaf
 * 0xD shows goes straight in; any other is the guest's #GP. */
static void handle_xsetbv(struct vcpu *v, const struct vm_exit *e)
{
	struct cpuid_regs d = cpuid_policy(v, 0xD, 0), h = cpuid(0xD, 0);
	uint64_t supported = (((uint64_t)d.edx << 32) | d.eax) & (((uint64_t)h.edx << 32) | h.eax);
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	if ((uint32_t)v->regs.rcx != 0 || !xcr0_valid(val, supported)) {
		pr_debug("guest '%s': xsetbv 0x%llx refused (#GP)\n", v->guest->name,
			 (unsigned long long)val);
		vcpu_ops->inject_exception(v, X86_GP, true, 0);
		return;
	}
	xsetbv(0, val);
	skip_insn(v, e);
}

/* A CR access the backend intercepts (VMX: a bit argon owns changes);
 * the backend loads the value and says whether the MOV would #GP. */
static void handle_cr(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t *reg = guest_gpr(&v->regs, e->cr.gpr);
	uint64_t opmask = e->cr.op64 ? ~0ULL : 0xFFFFFFFFULL, val;

	switch (e->cr.access) {
	case CR_ACCESS_READ:
		*reg = vcpu_ops->get_cr(v, e->cr.cr) & opmask;
		skip_insn(v, e);
		return;
	case CR_ACCESS_WRITE:
		val = *reg & opmask;
		break;
	case CR_ACCESS_CLTS:
		val = vcpu_ops->get_cr(v, 0) & ~CR0_TS;
		break;
	default: /* LMSW: PE, MP, EM, TS; it can set PE but not clear it */
		val = (vcpu_ops->get_cr(v, 0) & ~0xEULL) | (e->cr.lmsw_src & 0xFULL);
		break;
	}
	if (!vcpu_ops->set_cr || vcpu_ops->set_cr(v, e->cr.cr, val)) {
		vcpu_ops->inject_exception(v, X86_GP, true, 0);
		return;
	}
	skip_insn(v, e);
}

static void handle_shutdown(struct vcpu *v, const struct vm_exit *e)
{
	stop_with_dump(v, "triple fault", e);
}

static void handle_virt_insn(struct vcpu *v, const struct vm_exit *e)
{
	/* The guest sees no SVM or VMX, so these are undefined opcodes. */
	vcpu_ops->inject_exception(v, X86_UD, false, 0);
}

/* The guest's CPUID shows no MONITOR/MWAIT and no SMX, as a CPU
 * without them, where the instructions raise #UD. */
static void handle_missing_insn(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_ops->inject_exception(v, X86_UD, false, 0);
}

/* No performance counters in the guest's CPUID: every counter index is
 * out of range, #GP(0). */
static void handle_rdpmc(struct vcpu *v, const struct vm_exit *e)
{
	vcpu_ops->inject_exception(v, X86_GP, true, 0);
}

/* INVD would drop dirty lines of a cache the core shares with argon and
 * other guests; a guest that keeps its RAM coherent loses nothing when
 * it does nothing (as KVM does). */
static void handle_invd(struct vcpu *v, const struct vm_exit *e)
{
	skip_insn(v, e);
}

static void handle_entry_fail(struct vcpu *v, const struct vm_exit *e)
{
	stop_with_dump(v, "VM entry failed: invalid guest state", e);
}

/* argon's kick (vcpu_ops->kick) when the guest stops: the run loop then
 * sees v->stop. An INIT otherwise is spurious. */
static void handle_init(struct vcpu *v, const struct vm_exit *e)
{
}

/* An intercepted NMI is argon's kick, or one the guest's own core got (its
 * NMI IPI or watchdog): that one goes on into the guest. */
static void handle_nmi(struct vcpu *v, const struct vm_exit *e)
{
	if (!v->stop)
		vcpu_ops->inject_nmi(v);
}

/* #AC and #DB are the guest's own and go back to it as raised. They are
 * intercepted (as KVM does) because an exception that the guest's IDT or
 * stack makes recur during its own delivery (an #AC on a misaligned stack,
 * a #DB from a data breakpoint on the frame the CPU pushes: CVE-2015-5307,
 * CVE-2015-8104) would otherwise loop inside the CPU without ever reaching
 * an instruction boundary, where argon's kick could land. Intercepted,
 * each delivery is one exit, so a guest that loops so forever still stops
 * when argon stops it. Any other exception exit is one argon did not ask
 * for. */
static void handle_exception(struct vcpu *v, const struct vm_exit *e)
{
	if (e->exc.vector == X86_EXC_AC || e->exc.vector == X86_EXC_DB) {
		vcpu_ops->reflect_exception(v, e);
		return;
	}
	stop_with_dump(v, "unexpected exception", e);
}

static void handle_unexpected(struct vcpu *v, const struct vm_exit *e)
{
	stop_with_dump(v, "unexpected exit", e);
}

static const exit_handler handlers[ARGON_EXIT_KIND_COUNT] = {
	[ARGON_EXIT_CPUID] = handle_cpuid,
	[ARGON_EXIT_MSR_READ] = handle_msr_read,
	[ARGON_EXIT_MSR_WRITE] = handle_msr_write,
	[ARGON_EXIT_IO] = handle_io,
	[ARGON_EXIT_NPF] = handle_npf,
	[ARGON_EXIT_HLT] = handle_hlt,
	[ARGON_EXIT_HYPERCALL] = handle_hypercall,
	[ARGON_EXIT_SHUTDOWN] = handle_shutdown,
	[ARGON_EXIT_XSETBV] = handle_xsetbv,
	[ARGON_EXIT_VIRT_INSN] = handle_virt_insn,
	[ARGON_EXIT_ENTRY_FAIL] = handle_entry_fail,
	[ARGON_EXIT_INIT] = handle_init,
	[ARGON_EXIT_NMI] = handle_nmi,
	[ARGON_EXIT_CR] = handle_cr,
	[ARGON_EXIT_EXCEPTION] = handle_exception,
	[ARGON_EXIT_MISSING_INSN] = handle_missing_insn,
	[ARGON_EXIT_RDPMC] = handle_rdpmc,
	[ARGON_EXIT_INVD] = handle_invd,
};

/* The counter an exit goes to: its kind, except that a WRMSR of the x2APIC
 * ICR is counted as an IPI, so that the interprocessor interrupts a guest
 * sends show on their own. */
static enum argon_exit_kind counted_kind(const struct vcpu *v, const struct vm_exit *e)
{
	if (e->kind >= ARGON_EXIT_KIND_COUNT)
		return ARGON_EXIT_UNKNOWN;
	if (e->kind == ARGON_EXIT_MSR_WRITE && (uint32_t)v->regs.rcx == MSR_X2APIC_ICR)
		return ARGON_EXIT_IPI;
	return e->kind;
}

void exit_handle(struct vcpu *v, const struct vm_exit *e)
{
	exit_handler h = e->kind < ARGON_EXIT_KIND_COUNT ? handlers[e->kind] : NULL;

	v->guest->stats[v->index].exits[counted_kind(v, e)]++;
	if (h)
		h(v, e);
	else
		handle_unexpected(v, e);
}
