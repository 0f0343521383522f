/* argon's test guest: checks what argon promises in vmm/guest_abi.h and
 * prints one line per check on the virtual UART:
 *
 *   argon-testguest: start
 *   PASS <name>            or   FAIL <name>: <detail>
 *   ...
 *   argon-testguest: touching 0x<RAM size> beyond RAM
 *   argon-testguest: <N> passed, <M> failed
 *
 * and then reads past the end of its RAM, where argon must stop it. */
#include "tests/guest/guest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bits.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/devices.h"
#include "tests/guest/hostile.h"
#include "tests/guest/hypercall.h"
#include "tests/guest/idt.h"
#include "tests/guest/passthrough.h"
#include "vmm/guest_abi.h"

/* RAM size as argon handed it over in RSI. The out-of-range read needs the
 * first byte past RAM inside argon's identity map (first 4 GiB) and clear
 * of the 32-bit MMIO hole: guest_main refuses sizes above 2 GiB. */
static uint64_t ram_bytes;
#define RAM_LIMIT (2 * GiB)

#define CPUID1_ECX_VMX BIT(5)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID_EXT_ECX_SVM BIT(2) /* leaf 0x80000001 */

#define MSR_VM_HSAVE_PA 0xC0010117u /* SVM's: must go with SVM hidden */
#define MSR_NOWHERE 0x40001234u	    /* no CPU or hypervisor defines it */

#define VEC_GP 13
#define RDMSR_LEN 2 /* 0f 32 */

#define PORT_UNASSIGNED_B 0x1234
#define PORT_UNASSIGNED_W 0x1236
#define PORT_UNASSIGNED_L 0x1238

#define HC_NUMBER_UNKNOWN 0xdeadu

extern char __image_end[]; /* guest.ld: first byte past the image */

static unsigned n_passed, n_failed;

/* A check returns true, or false with a reason in `why`. */
typedef bool (*check_fn)(char *why, size_t size);

bool guest_explain(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return false;
}

/* For a hypercall result that is not what the check wanted. */
static bool explain_hc(char *why, size_t size, const char *what, int64_t got)
{
	if (got == HYPERCALL_FAULTED)
		return guest_explain(why, size, "%s: %s raised #UD", what, hypercall_insn());
	return guest_explain(why, size, "%s returned %ld", what, got);
}

static int64_t exit_count(uint64_t kind)
{
	return hypercall(ARGON_HC_EXIT_COUNT, kind, 0, 0);
}

static bool check_cpuid_hypervisor_bit(char *why, size_t size)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.ecx & CPUID1_ECX_HYPERVISOR))
		return guest_explain(why, size, "CPUID.1:ECX = 0x%08x, bit 31 clear", r.ecx);
	return true;
}

static bool check_cpuid_hides_virt(char *why, size_t size)
{
	struct cpuid_regs r = cpuid(1, 0);
	struct cpuid_regs ext = cpuid(0x80000001u, 0);

	if (r.ecx & CPUID1_ECX_VMX)
		return guest_explain(why, size, "CPUID.1:ECX = 0x%08x shows VMX (bit 5)", r.ecx);
	if (ext.ecx & CPUID_EXT_ECX_SVM)
		return guest_explain(why, size, "CPUID.80000001h:ECX = 0x%08x shows SVM (bit 2)",
				     ext.ecx);
	return true;
}

static bool check_cpuid_signature(char *why, size_t size)
{
	struct cpuid_regs r = cpuid(ARGON_CPUID_BASE, 0);
	char sig[12];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	if (r.eax < ARGON_CPUID_MAX)
		return guest_explain(why, size, "leaf 0x%x EAX = 0x%08x, want >= 0x%x",
				     ARGON_CPUID_BASE, r.eax, ARGON_CPUID_MAX);
	if (memcmp(sig, ARGON_CPUID_SIGNATURE, sizeof(sig)) != 0)
		return guest_explain(why, size,
				     "leaf 0x%x EBX:ECX:EDX = %08x:%08x:%08x, not argon's",
				     ARGON_CPUID_BASE, r.ebx, r.ecx, r.edx);
	r = cpuid(ARGON_CPUID_BASE + 1, 0);
	if (r.eax != ARGON_ABI_VERSION)
		return guest_explain(why, size, "leaf 0x%x EAX = %u, want ABI version %u",
				     ARGON_CPUID_BASE + 1, r.eax, ARGON_ABI_VERSION);
	return true;
}

static bool check_hypercall_version(char *why, size_t size)
{
	int64_t v;

	v = hypercall(ARGON_HC_VERSION, 0, 0, 0);
	if (v != ARGON_ABI_VERSION)
		return explain_hc(why, size, "VERSION", v);
	v = hypercall(HC_NUMBER_UNKNOWN, 0, 0, 0);
	if (v != ARGON_HC_ERR_UNKNOWN)
		return explain_hc(why, size, "hypercall 0xdead", v);
	v = exit_count(ARGON_EXIT_KIND_COUNT);
	if (v != ARGON_HC_ERR_ARG)
		return explain_hc(why, size, "EXIT_COUNT(ARGON_EXIT_KIND_COUNT)", v);
	/* Reads as kind 0 if argon looks at EBX only. */
	v = exit_count(1ull << 32);
	if (v != ARGON_HC_ERR_ARG)
		return explain_hc(why, size, "EXIT_COUNT(1 << 32)", v);
	return true;
}

/* Runs after the CPUID checks, so the count cannot be zero. */
static bool check_exit_counts(char *why, size_t size)
{
	int64_t before, after;

	before = exit_count(ARGON_EXIT_CPUID);
	if (before <= 0)
		return explain_hc(why, size, "EXIT_COUNT(CPUID) after the CPUID checks", before);
	(void)cpuid(0, 0);
	after = exit_count(ARGON_EXIT_CPUID);
	if (after != before + 1)
		return guest_explain(why, size,
				     "EXIT_COUNT(CPUID) went from %ld to %ld over one CPUID",
				     before, after);
	return true;
}

static bool unassigned_ports_read_ones(char *why, size_t size, const char *when)
{
	uint8_t b = inb(PORT_UNASSIGNED_B);
	uint16_t w = inw(PORT_UNASSIGNED_W);
	uint32_t l = inl(PORT_UNASSIGNED_L);

	if (b != 0xFF)
		return guest_explain(why, size, "%s: inb 0x%x = 0x%02x", when, PORT_UNASSIGNED_B,
				     b);
	if (w != 0xFFFF)
		return guest_explain(why, size, "%s: inw 0x%x = 0x%04x", when, PORT_UNASSIGNED_W,
				     w);
	if (l != 0xFFFFFFFFu)
		return guest_explain(why, size, "%s: inl 0x%x = 0x%08x", when, PORT_UNASSIGNED_L,
				     l);
	return true;
}

static bool check_io_unassigned_port(char *why, size_t size)
{
	if (!unassigned_ports_read_ones(why, size, "before writes"))
		return false;
	outb(PORT_UNASSIGNED_B, 0x5A);
	outw(PORT_UNASSIGNED_W, 0x5A5A);
	outl(PORT_UNASSIGNED_L, 0x5A5A5A5Au);
	return unassigned_ports_read_ones(why, size, "after writes");
}

static bool check_msr_efer(char *why, size_t size)
{
	uint64_t efer = rdmsr(MSR_EFER);
	uint64_t want = efer | EFER_NXE;
	uint64_t with_nx;

	if ((efer & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA))
		return guest_explain(why, size, "EFER = 0x%lx, LME or LMA clear", efer);
	if (efer & EFER_SVME)
		return guest_explain(why, size, "EFER = 0x%lx shows SVME", efer);
	wrmsr(MSR_EFER, want);
	with_nx = rdmsr(MSR_EFER);
	wrmsr(MSR_EFER, efer); /* as argon set it up, whatever the outcome */
	if (with_nx != want)
		return guest_explain(why, size, "wrote EFER = 0x%lx, read back 0x%lx", want,
				     with_nx);
	if (rdmsr(MSR_EFER) != efer)
		return guest_explain(why, size, "restored EFER = 0x%lx, read back 0x%lx", efer,
				     rdmsr(MSR_EFER));
	return true;
}

/* RDMSR of an MSR argon does not emulate must raise #GP at the RDMSR
 * itself, with error code 0. */
static bool rdmsr_faults(char *why, size_t size, uint32_t msr)
{
	uint64_t before = trap_last().count;
	struct trap_record t;
	uint64_t insn;
	uint32_t lo, hi;

	trap_expect(VEC_GP, RDMSR_LEN);
	__asm__ volatile("leaq 1f(%%rip), %0\n"
			 "1:\trdmsr"
			 : "=&r"(insn), "=a"(lo), "=d"(hi)
			 : "c"(msr)
			 : "memory");
	trap_expect_none();
	t = trap_last();
	if (t.count != before + 1)
		return guest_explain(why, size, "RDMSR 0x%x returned 0x%08x%08x, no #GP", msr, hi,
				     lo);
	if (t.rip != insn)
		return guest_explain(why, size, "RDMSR 0x%x at 0x%lx: #GP reported at 0x%lx", msr,
				     insn, t.rip);
	if (t.error != 0)
		return guest_explain(why, size, "RDMSR 0x%x: #GP error code 0x%lx, want 0", msr,
				     t.error);
	return true;
}

static bool check_msr_unknown_gp(char *why, size_t size)
{
	return rdmsr_faults(why, size, MSR_VM_HSAVE_PA) && rdmsr_faults(why, size, MSR_NOWHERE);
}

#define MOV_TO_CR4_LEN 3 /* 0f 22 e0: mov %rax, %cr4 */

static bool cpu_is_intel(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	return !memcmp(&r.ebx, "Genu", 4) && !memcmp(&r.edx, "ineI", 4) &&
	       !memcmp(&r.ecx, "ntel", 4);
}

/* CR0.NE and CR4.VMXE are pinned under VMX, where argon owns them: the
 * guest still sees and changes CR0.NE as on hardware, sees no VMXE and
 * gets #GP setting it, as on a CPU without VMX. Under SVM the guest owns
 * its CR4 and an AMD CPU has no VMXE to set; QEMU's SVM model lets it be
 * set and then refuses the next VMRUN, so VMXE is probed on Intel only. */
static bool check_cr_owned_bits(char *why, size_t size)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), got, insn, before = trap_last().count;
	uint64_t flipped = cr0 ^ CR0_NE, vmxe = cr4 | CR4_VMXE;
	struct trap_record t;

	if (cr4 & CR4_VMXE)
		return guest_explain(why, size, "CR4 = 0x%lx shows VMXE", cr4);
	write_cr0(flipped);
	got = read_cr0();
	write_cr0(cr0);
	if (got != flipped)
		return guest_explain(why, size, "wrote CR0 = 0x%lx, read back 0x%lx", flipped, got);
	if (read_cr0() != cr0)
		return guest_explain(why, size, "restored CR0 = 0x%lx, read back 0x%lx", cr0,
				     read_cr0());
	if (!cpu_is_intel())
		return true;
	trap_expect(VEC_GP, MOV_TO_CR4_LEN);
	__asm__ volatile("leaq 1f(%%rip), %0\n"
			 "1:\tmov %%rax, %%cr4"
			 : "=&r"(insn)
			 : "a"(vmxe)
			 : "memory");
	trap_expect_none();
	t = trap_last();
	if (t.count != before + 1)
		return guest_explain(why, size, "setting CR4.VMXE raised no #GP; CR4 reads 0x%lx",
				     read_cr4());
	if (t.rip != insn)
		return guest_explain(why, size, "MOV to CR4 at 0x%lx: #GP reported at 0x%lx", insn,
				     t.rip);
	if (read_cr4() != cr4)
		return guest_explain(why, size, "CR4 = 0x%lx after the #GP, was 0x%lx", read_cr4(),
				     cr4);
	return true;
}

/* argon completes a HLT with interrupts enabled and resumes at the next
 * instruction; the IDT covers all vectors in case something comes in. */
static bool check_hlt(char *why, size_t size)
{
	int64_t before, after;

	before = exit_count(ARGON_EXIT_HLT);
	if (before < 0)
		return explain_hc(why, size, "EXIT_COUNT(HLT)", before);
	__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
	after = exit_count(ARGON_EXIT_HLT);
	if (after != before + 1)
		return guest_explain(why, size, "EXIT_COUNT(HLT) went from %ld to %ld over one HLT",
				     before, after);
	return true;
}

static bool check_no_stray_interrupts(char *why, size_t size)
{
	uint64_t n = trap_stray_interrupts();

	if (n != 0)
		return guest_explain(why, size,
				     "%lu interrupts delivered to a guest with no devices", n);
	return true;
}

/* A bijective 64-bit mix (MurmurHash3's finalizer): every word gets a
 * different value, so aliased or swapped pages show up. */
static uint64_t ram_pattern(uint64_t addr, uint64_t seed)
{
	uint64_t x = addr ^ seed;

	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	x *= 0xC4CEB9FE1A85EC53ull;
	x ^= x >> 33;
	return x;
}

/* argon zeroes guest RAM before every start, restarts included. */
static bool check_ram_zeroed(char *why, size_t size)
{
	uint64_t start = ALIGN_UP((uint64_t)(uintptr_t)__image_end, 8);

	for (uint64_t a = start; a < ram_bytes; a += 8) {
		uint64_t got = *(volatile uint64_t *)(uintptr_t)a;

		if (got)
			return guest_explain(why, size, "0x%lx reads 0x%lx at start", a, got);
	}
	return true;
}

static void fill_ram(uint64_t seed)
{
	uint64_t start = ALIGN_UP((uint64_t)(uintptr_t)__image_end, 8);

	for (uint64_t a = start; a < ram_bytes; a += 8)
		*(volatile uint64_t *)(uintptr_t)a = ram_pattern(a, seed);
}

/* Everything from the end of the image (stack included in it) to the end
 * of RAM: write all, then read all, twice with different patterns. */
static bool check_ram_readback(char *why, size_t size)
{
	static const uint64_t seeds[] = {0x0123456789ABCDEFull, 0xFEDCBA9876543210ull};
	uint64_t start = ALIGN_UP((uint64_t)(uintptr_t)__image_end, 8);

	if (start >= ram_bytes)
		return guest_explain(why, size, "image ends at 0x%lx, past RAM end 0x%lx", start,
				     ram_bytes);
	for (size_t pass = 0; pass < ARRAY_SIZE(seeds); pass++) {
		for (uint64_t a = start; a < ram_bytes; a += 8)
			*(volatile uint64_t *)(uintptr_t)a = ram_pattern(a, seeds[pass]);
		for (uint64_t a = start; a < ram_bytes; a += 8) {
			uint64_t got = *(volatile uint64_t *)(uintptr_t)a;
			uint64_t want = ram_pattern(a, seeds[pass]);

			if (got != want)
				return guest_explain(why, size,
						     "pass %zu: 0x%lx reads 0x%lx, wrote 0x%lx",
						     pass + 1, a, got, want);
		}
	}
	return true;
}

static bool strstr_simple(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return true;
	return false;
}

static const struct {
	const char *name;
	check_fn fn;
} checks[] = {
	{"ram-zeroed", check_ram_zeroed},
	{"cpuid-hypervisor-bit", check_cpuid_hypervisor_bit},
	{"cpuid-hides-virt", check_cpuid_hides_virt},
	{"cpuid-signature", check_cpuid_signature},
	{"hypercall-version", check_hypercall_version},
	{"exit-counts", check_exit_counts},
	{"io-unassigned-port", check_io_unassigned_port},
	{"msr-efer", check_msr_efer},
	{"msr-unknown-gp", check_msr_unknown_gp},
	{"cr-owned-bits", check_cr_owned_bits},
	{"hlt", check_hlt},
	{"ram-readback", check_ram_readback},
	{"no-stray-interrupts", check_no_stray_interrupts},
	{"string-io-out", check_string_io_out},
	{"string-io-in", check_string_io_in},
	{"mmio-ioapic", check_mmio_ioapic},
	{"ecam-all-ones", check_ecam_all_ones},
	{"ecam-host-bridge", check_ecam_host_bridge},
};

static void run_check(const char *name, check_fn fn)
{
	char why[192];

	why[0] = '\0';
	if (fn(why, sizeof(why))) {
		n_passed++;
		con_printf("PASS %s\n", name);
	} else {
		n_failed++;
		con_printf("FAIL %s: %s\n", name, why);
	}
}

static void print_summary(void)
{
	con_printf("argon-testguest: %u passed, %u failed\n", n_passed, n_failed);
}

void guest_run_check(const char *name, bool (*fn)(char *why, size_t size))
{
	run_check(name, fn);
}

void guest_finish(void)
{
	print_summary();
	power_off();
}

void guest_fail_fatal(const char *name, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	n_failed++;
	con_printf("FAIL %s: %s\n", name, why);
	print_summary();
	power_off();
}

/* Not counted in the summary: its verdict is argon's log line naming this
 * address, after which the guest is gone. */
static __attribute__((noreturn)) void touch_beyond_ram(void)
{
	con_printf("argon-testguest: touching 0x%lx beyond RAM\n", ram_bytes);
	print_summary();
	(void)*(volatile uint64_t *)(uintptr_t)ram_bytes;
	con_puts("FAIL out-of-range: read returned\n");
	power_off();
}

/* "testguest.mode=triple-fault" on the command line: fault with no usable
 * IDT, so the CPU shuts down; argon must stop this guest and nothing else. */
void guest_triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = {0, 0};

	con_puts("argon-testguest: triple fault now\n");
	__asm__ volatile("lidt %0\n\tint3" : : "m"(no_idt));
	con_puts("FAIL triple-fault: execution went on\n");
	power_off();
}

void guest_main(const char *cmdline, uint64_t ram)
{
	char why[192];

	ram_bytes = ram;
	idt_init();
	con_printf("argon-testguest: start, %lu MiB RAM, cmdline \"%s\"\n", ram >> 20,
		   cmdline ? cmdline : "");
	if (ram % 4096 || ram > RAM_LIMIT || ram < 4 * MiB)
		guest_fail_fatal("ram-size", "argon handed over %lu bytes of RAM", ram);
	if (cmdline && strstr_simple(cmdline, "testguest.mode=triple-fault"))
		guest_triple_fault();
	if (cmdline && strstr_simple(cmdline, "testguest.mode=ecam-write"))
		ecam_write();
	/* The first boot leaves RAM full of data and crashes; the next one
	 * (argon.boot=2, after argon's restart) must find it zeroed. */
	if (cmdline && strstr_simple(cmdline, "testguest.mode=crash-first") &&
	    strstr_simple(cmdline, "argon.boot=1")) {
		fill_ram(0x5A5A5A5A5A5A5A5Aull);
		guest_triple_fault();
	}
	if (cmdline && strstr_simple(cmdline, "testguest.mode=timer-crash") &&
	    strstr_simple(cmdline, "argon.boot=1")) {
		lapic_arm_and_crash();
		guest_triple_fault();
	}
	hypercall_init();
	if (cmdline && strstr_simple(cmdline, "testguest.mode=nmi"))
		hostile_nmi_main(strstr_simple(cmdline, "testguest.nmi-peer"));
	passthrough_run(cmdline, ram);
	hostile_run(cmdline, ram);
	if (cmdline && strstr_simple(cmdline, "testguest.mode=timer-crash")) {
		run_check("lapic-reset", check_lapic_reset);
		run_check("lapic-quiet", check_lapic_quiet);
	}
	if (cmdline && strstr_simple(cmdline, "testguest.mode=smp")) {
		why[0] = '\0';
		if (check_ap_start(why, sizeof(why))) {
			n_passed++;
			con_puts("PASS ap-start\n");
		} else {
			n_failed++;
			con_printf("FAIL ap-start: %s\n", why);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		run_check(checks[i].name, checks[i].fn);
	/* After its restart, crash-first ends with a power-off: another crash
	 * would only restart it again. */
	if (cmdline && (strstr_simple(cmdline, "testguest.mode=crash-first") ||
			strstr_simple(cmdline, "testguest.mode=timer-crash"))) {
		print_summary();
		power_off();
	}
	touch_beyond_ram();
}
