/* The hostile-guest suite. Each attacker tries one class of values that
 * argon writes to real hardware on a guest's behalf and expects what real
 * hardware does: the architectural #GP, or a message that never leaves the
 * guest's own core. The victim, on another core in another guest, must see
 * none of it. Every verdict is a PASS/FAIL line; the summary and power-off
 * end each run. */
#include "tests/guest/hostile.h"

#include <stddef.h>

#include "lib/fmt.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/idt.h"
#include "vmm/host/apic.h"

#define VEC_GP 13
#define WRMSR_LEN 2   /* 0f 30 */
#define XSETBV_LEN 3  /* 0f 01 d1 */
#define MOV_CR_LEN 3  /* 0f 22 /r with rax */
#define MOV_CR8_LEN 4 /* 44 0f 22 c0 */
#define MSR_X2APIC_IRR 0x820u
#define MSR_X2APIC_SELF_IPI 0x83Fu
#define CR0_NW_BIT (1ULL << 29)
#define CR0_CD_BIT (1ULL << 30)

static unsigned n_passed, n_failed;

static bool has(const char *hay, const char *needle)
{
	for (; *hay; hay++) {
		size_t i = 0;

		while (needle[i] && hay[i] == needle[i])
			i++;
		if (!needle[i])
			return true;
	}
	return false;
}

/* The number after `key` on the command line, or dflt. */
uint64_t cmdline_u64(const char *cmdline, const char *key, uint64_t dflt)
{
	size_t n = 0;
	uint64_t v = 0;

	for (; *cmdline; cmdline++) {
		for (n = 0; key[n] && cmdline[n] == key[n]; n++)
			;
		if (!key[n])
			break;
	}
	if (!*cmdline || cmdline[n] < '0' || cmdline[n] > '9')
		return dflt;
	for (cmdline += n; *cmdline >= '0' && *cmdline <= '9'; cmdline++)
		v = v * 10 + (uint64_t)(*cmdline - '0');
	return v;
}

static void verdict(bool ok, const char *name, const char *detail)
{
	if (ok) {
		n_passed++;
		con_printf("PASS %s\n", name);
	} else {
		n_failed++;
		con_printf("FAIL %s: %s\n", name, detail);
	}
}

static __attribute__((noreturn)) void finish(const char *who)
{
	con_printf("argon-%s: %u passed, %u failed\n", who, n_passed, n_failed);
	power_off();
}

/* Runs one instruction that is expected to #GP; true if it did, at it. */
#define FAULTS(len, insn, ...)                                              \
	({                                                                  \
		uint64_t _before = trap_last().count, _at;                  \
		trap_expect(VEC_GP, (len));                                 \
		__asm__ volatile("leaq 1f(%%rip), %0\n1:\t" insn            \
				 : "=&r"(_at)                               \
				 : __VA_ARGS__                              \
				 : "memory");                               \
		trap_expect_none();                                         \
		trap_last().count == _before + 1 && trap_last().rip == _at; \
	})

static bool wrmsr_faults(uint32_t msr, uint64_t v)
{
	return FAULTS(WRMSR_LEN, "wrmsr", "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* The IRR's eight registers sit at 0x820 + 1 per 32 vectors in x2APIC. */
static bool irr_has(unsigned vector)
{
	return (rdmsr(MSR_X2APIC_IRR + vector / 32) >> (vector % 32)) & 1;
}

/* Any vector 32-255 pending (0-31 cannot be). */
static uint64_t irr_any(void)
{
	uint64_t any = 0;

	for (unsigned i = 1; i < 8; i++)
		any |= rdmsr(MSR_X2APIC_IRR + i);
	return any;
}

/* ---- the victim ---- */

#define VICTIM_BASE (16ull << 20)
#define VICTIM_SIZE (4ull << 20)
#define CHUNK 4096ull
#define PIT_HZ 1193182ull

/* TSC cycles per second from the 8254's channel 2 (argon counts it from
 * the TSC, so the two agree on any machine). */
uint64_t tsc_hz(void)
{
	uint64_t t0, t1;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xB0);				   /* ch 2, lo/hi, mode 0 */
	outb(0x42, 0xFF);
	outb(0x42, 0xFF);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	t1 = rdtsc();
	return (t1 - t0) * PIT_HZ / 0xFFFF;
}

static uint64_t chunk_sum(uint64_t base)
{
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)base;
	uint64_t s = 0;

	for (size_t i = 0; i < CHUNK / 8; i++)
		s = (s << 1 | s >> 63) ^ p[i];
	return s;
}

static uint64_t sums[VICTIM_SIZE / CHUNK];

/* The whole region's checksum, for the ARGON-TEST lines a test compares. */
static uint64_t region_sum(void)
{
	uint64_t s = 0;

	for (size_t c = 0; c < VICTIM_SIZE / CHUNK; c++)
		s = (s << 7 | s >> 57) ^ chunk_sum(VICTIM_BASE + c * CHUNK);
	return s;
}

static __attribute__((noreturn)) void victim(const char *cmdline)
{
	uint64_t hz = tsc_hz(), secs = cmdline_u64(cmdline, "testguest.secs=", 6), start, last_beat,
		 max_gap = 0, beats = 0, bad = 0;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)VICTIM_BASE;

	for (uint64_t i = 0; i < VICTIM_SIZE / 8; i++)
		p[i] = (i * 0x9E3779B97F4A7C15ull) ^ VICTIM_BASE;
	for (size_t c = 0; c < VICTIM_SIZE / CHUNK; c++)
		sums[c] = chunk_sum(VICTIM_BASE + c * CHUNK);
	con_printf("ARGON-TEST victim-sum-before=0x%llx\n", (unsigned long long)region_sum());
	con_printf("argon-victim: ready, %llu MHz TSC, %llu s\n",
		   (unsigned long long)(hz / 1000000), (unsigned long long)secs);
	start = last_beat = rdtsc();
	for (size_t c = 0;; c = (c + 1) % (VICTIM_SIZE / CHUNK)) {
		uint64_t now;

		if (chunk_sum(VICTIM_BASE + c * CHUNK) != sums[c])
			bad++;
		now = rdtsc();
		if (now - last_beat >= hz / 5) {
			if (now - last_beat > max_gap)
				max_gap = now - last_beat;
			last_beat = now;
			con_printf("argon-victim: heartbeat %llu\n", (unsigned long long)++beats);
		}
		if (now - start >= secs * hz)
			break;
	}
	con_printf("ARGON-TEST victim-sum-after=0x%llx\n", (unsigned long long)region_sum());
	verdict(bad == 0, "victim-checksums", "RAM changed under the victim");
	verdict(irr_any() == 0 && trap_stray_interrupts() == 0, "victim-no-interrupts",
		"an interrupt or NMI reached the victim's core");
	con_printf("argon-victim: %llu heartbeats, longest gap %llu ms\n",
		   (unsigned long long)beats, (unsigned long long)(max_gap * 1000 / hz));
	finish("victim");
}

/* ---- ICR and SELF_IPI ---- */

#define ICR(mode, vec) (((uint64_t)(mode) << 8) | (1u << 14) | (vec))
#define DEST(id) ((uint64_t)(id) << 32)
#define SH_SELF (1ull << 18)
#define SH_ALL (2ull << 18)
#define SH_OTHERS (3ull << 18)
#define LOGICAL (1ull << 11)

static void icr_send_check(const char *name, uint64_t icr, int vec, bool to_self)
{
	bool gp = wrmsr_faults(MSR_X2APIC_ICR, icr), got = vec >= 0 && irr_has((unsigned)vec);

	verdict(!gp && got == to_self, name,
		gp    ? "#GP"
		: got ? "reached this core"
		      : "did not reach this core");
}

static __attribute__((noreturn)) void hostile_icr(const char *cmdline)
{
	uint32_t self = (uint32_t)rdmsr(MSR_X2APIC_ID);
	uint32_t other = (uint32_t)cmdline_u64(cmdline, "testguest.victim=", 1);
	static const unsigned reserved[] = {12, 13, 16, 17, 20, 24, 31};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char name[32];

		fmt_snprintf(name, sizeof(name), "icr-reserved-bit-%u", reserved[i]);
		verdict(wrmsr_faults(MSR_X2APIC_ICR,
				     DEST(self) | ICR(0, 0x40) | (1ull << reserved[i])),
			name, "no #GP");
	}
	icr_send_check("icr-fixed-self", DEST(self) | ICR(0, 0x41), 0x41, true);
	icr_send_check("icr-fixed-level-self", DEST(self) | ICR(0, 0x42) | (1u << 15), 0x42, true);
	icr_send_check("icr-fixed-other-guest", DEST(other) | ICR(0, 0x50), 0x50, false);
	icr_send_check("icr-broadcast", DEST(0xFFFFFFFFu) | ICR(0, 0x43), 0x43, true);
	icr_send_check("icr-shorthand-self", SH_SELF | ICR(0, 0x44), 0x44, true);
	icr_send_check("icr-shorthand-all", SH_ALL | ICR(0, 0x45), 0x45, true);
	icr_send_check("icr-shorthand-others", SH_OTHERS | ICR(0, 0x51), 0x51, false);
	icr_send_check("icr-logical-cluster-all",
		       LOGICAL | DEST(((uint64_t)(self >> 4) << 16) | 0xFFFF) | ICR(0, 0x46), 0x46,
		       true);
	icr_send_check("icr-logical-other-guest",
		       LOGICAL | DEST(((uint64_t)(other >> 4) << 16) | (1u << (other & 0xF))) |
			       ICR(0, 0x52),
		       0x52, (other >> 4) == (self >> 4) && (other & 0xF) == (self & 0xF));
	icr_send_check("icr-lowest-broadcast", DEST(0xFFFFFFFFu) | ICR(1, 0x47), 0x47, true);
	icr_send_check("icr-illegal-vector", DEST(self) | ICR(0, 0x0E), -1, false);
	icr_send_check("icr-smi-self", DEST(self) | ICR(2, 0), -1, false);
	icr_send_check("icr-smi-broadcast", SH_ALL | ICR(2, 0), -1, false);
	icr_send_check("icr-mode-3", DEST(self) | ICR(3, 0x53), 0x53, false);
	icr_send_check("icr-mode-7", DEST(self) | ICR(7, 0x54), 0x54, false);
	icr_send_check("icr-nmi-other-guest", DEST(other) | ICR(4, 0), -1, false);
	icr_send_check("icr-nmi-others", SH_OTHERS | ICR(4, 0), -1, false);
	icr_send_check("icr-init-other-guest", DEST(other) | ICR(5, 0), -1, false);
	icr_send_check("icr-init-broadcast-others", SH_OTHERS | ICR(5, 0), -1, false);
	icr_send_check("icr-sipi-other-guest", DEST(other) | ICR(6, 0x10), -1, false);
	icr_send_check("icr-sipi-broadcast", DEST(0xFFFFFFFFu) | ICR(6, 0x10), -1, false);
	/* SELF_IPI stays a pass-through MSR: only a vector, only this core,
	 * and argon never writes it (its reserved bits are the CPU's #GP). */
	verdict(!wrmsr_faults(MSR_X2APIC_SELF_IPI, 0x48) && irr_has(0x48), "self-ipi",
		"vector 0x48 not pending");
	finish("hostile");
}

/* ---- LVTs ---- */

#define LVT_MASKED (1u << 16)

static void lvt_check(const char *name, uint32_t msr, uint32_t val, uint32_t want)
{
	char why[64];
	bool gp = wrmsr_faults(msr, val);
	uint32_t got = gp ? 0 : (uint32_t)rdmsr(msr);

	fmt_snprintf(why, sizeof(why), gp ? "#GP" : "reads 0x%x, not 0x%x", got, want);
	verdict(!gp && got == want, name, why);
}

static __attribute__((noreturn)) void hostile_lvt(void)
{
	static const struct {
		const char *name;
		uint32_t msr;
	} lvts[] = {{"thermal", 0x833}, {"perf", 0x834}, {"lint0", 0x835}, {"lint1", 0x836}};
	static const struct {
		const char *name;
		uint32_t mode;
	} refused[] = {{"smi", 2},    {"init", 5},   {"extint", 7},
		       {"mode-1", 1}, {"mode-3", 3}, {"mode-6", 6}};
	uint32_t max_lvt = (uint32_t)(rdmsr(0x803) >> 16) & 0xFF;

	for (size_t l = 0; l < sizeof(lvts) / sizeof(lvts[0]); l++) {
		char name[48];

		if (lvts[l].msr == 0x833 && max_lvt < 5)
			continue;
		for (size_t m = 0; m < sizeof(refused) / sizeof(refused[0]); m++) {
			fmt_snprintf(name, sizeof(name), "lvt-%s-%s", lvts[l].name,
				     refused[m].name);
			lvt_check(name, lvts[l].msr, (refused[m].mode << 8) | 0x31,
				  LVT_MASKED | 0x31);
		}
		fmt_snprintf(name, sizeof(name), "lvt-%s-fixed", lvts[l].name);
		lvt_check(name, lvts[l].msr, LVT_MASKED | 0x32, LVT_MASKED | 0x32);
		fmt_snprintf(name, sizeof(name), "lvt-%s-nmi", lvts[l].name);
		lvt_check(name, lvts[l].msr, LVT_MASKED | 0x400, LVT_MASKED | 0x400);
		fmt_snprintf(name, sizeof(name), "lvt-%s-reserved", lvts[l].name);
		verdict(wrmsr_faults(lvts[l].msr, (1u << 17) | LVT_MASKED), name, "no #GP");
	}
	verdict(wrmsr_faults(0x837, LVT_MASKED | (2u << 8) | 0xFE), "lvt-error-smi", "no #GP");
	lvt_check("lvt-error-masked", 0x837, LVT_MASKED | 0xFE, LVT_MASKED | 0xFE);
	if (max_lvt < 6)
		verdict(wrmsr_faults(0x82F, (2u << 8) | LVT_MASKED), "lvt-cmci-absent", "no #GP");
	finish("hostile");
}

/* ---- XSETBV ---- */

static bool xsetbv_faults(uint32_t index, uint64_t v)
{
	return FAULTS(XSETBV_LEN, "xsetbv", "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static __attribute__((noreturn)) void hostile_xsetbv(void)
{
	static const struct {
		const char *name;
		uint64_t xcr0;
	} bad[] = {
		{"xcr0-zero", 0},
		{"xcr0-no-x87", 0x2},
		{"xcr0-avx-no-sse", 0x5},
		{"xcr0-opmask-only", 0x27},
		{"xcr0-zmm-hi256-only", 0x47},
		{"xcr0-hi16-zmm-only", 0x87},
		{"xcr0-avx512-no-avx", 0xE3},
		{"xcr0-bndreg-only", 0xB},
		{"xcr0-bndcsr-only", 0x13},
		{"xcr0-tilecfg-only", 0x20007},
		{"xcr0-tiledata-only", 0x40007},
		{"xcr0-pt-supervisor", 0x103},
		{"xcr0-bit-63", 0x8000000000000003ull},
	};
	struct cpuid_regs c1 = cpuid(1, 0);

	if (!(c1.ecx & (1u << 26))) {
		con_puts("argon-hostile: no XSAVE, nothing to try\n");
		finish("hostile");
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	{
		struct cpuid_regs d = cpuid(0xD, 0);

		con_printf("argon-hostile: XCR0 components shown 0x%llx\n",
			   (unsigned long long)(((uint64_t)d.edx << 32) | d.eax));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		verdict(xsetbv_faults(0, bad[i].xcr0), bad[i].name, "no #GP");
	verdict(xsetbv_faults(1, 0x3), "xcr1", "no #GP");
	verdict(!xsetbv_faults(0, 0x3), "xcr0-x87-sse", "#GP");
	finish("hostile");
}

/* ---- CR0, CR3, CR4, CR8, EFER ---- */

static bool mov_cr_faults(unsigned cr, uint64_t v)
{
	switch (cr) {
	case 0:
		return FAULTS(MOV_CR_LEN, "mov %%rax, %%cr0", "a"(v));
	case 3:
		return FAULTS(MOV_CR_LEN, "mov %%rax, %%cr3", "a"(v));
	case 4:
		return FAULTS(MOV_CR_LEN, "mov %%rax, %%cr4", "a"(v));
	default:
		return FAULTS(MOV_CR8_LEN, "mov %%rax, %%cr8", "a"(v));
	}
}

static bool cpu_is_amd(void)
{
	struct cpuid_regs v = cpuid(0, 0);

	return v.ebx == 0x68747541u; /* "Auth" */
}

/* EFER writes exit to argon on both backends; CR writes only under VMX
 * (on SVM the CPU checks them itself: nothing of argon's runs). */
static __attribute__((noreturn)) void hostile_cr(void)
{
	uint64_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);

	verdict(wrmsr_faults(MSR_EFER, efer | (1ull << 1)), "efer-reserved-bit-1", "no #GP");
	verdict(wrmsr_faults(MSR_EFER, efer | EFER_SVME), "efer-svme", "no #GP");
	verdict(wrmsr_faults(MSR_EFER, efer & ~EFER_LME), "efer-clear-lme-paging", "no #GP");
	verdict(wrmsr_faults(MSR_EFER, efer | (1ull << 63)), "efer-bit-63", "no #GP");
	if (!cpu_is_amd()) {
		verdict(mov_cr_faults(0, cr0 | (1ull << 32)), "cr0-bit-32", "no #GP");
		verdict(mov_cr_faults(0, cr0 & ~CR0_PE), "cr0-clear-pe-paging", "no #GP");
		verdict(mov_cr_faults(0, (cr0 | CR0_NW_BIT) & ~CR0_CD_BIT), "cr0-nw-without-cd",
			"no #GP");
		verdict(mov_cr_faults(0, cr0 & ~CR0_PG), "cr0-clear-pg-long-mode", "no #GP");
		verdict(mov_cr_faults(4, cr4 & ~CR4_PAE), "cr4-clear-pae-long-mode", "no #GP");
		verdict(mov_cr_faults(4, cr4 | (1ull << 15)), "cr4-reserved-bit-15", "no #GP");
		verdict(mov_cr_faults(4, cr4 | (1ull << 40)), "cr4-bit-40", "no #GP");
		verdict(mov_cr_faults(3, cr3 | (1ull << 62)), "cr3-reserved-bit-62", "no #GP");
		verdict(mov_cr_faults(8, 16), "cr8-above-15", "no #GP");
	}
	verdict(read_cr0() == cr0 && read_cr3() == cr3 && read_cr4() == cr4 &&
			rdmsr(MSR_EFER) == efer,
		"cr-unchanged", "a refused write changed a register");
	finish("hostile");
}

bool hostile_run(const char *cmdline, uint64_t ram_bytes)
{
	if (!cmdline)
		return false;
	if (has(cmdline, "testguest.mode=victim")) {
		if (ram_bytes < VICTIM_BASE + VICTIM_SIZE) {
			verdict(false, "victim-ram", "needs 20 MiB of RAM");
			finish("victim");
		}
		victim(cmdline);
	}
	if (has(cmdline, "testguest.mode=hostile-icr"))
		hostile_icr(cmdline);
	if (has(cmdline, "testguest.mode=hostile-lvt"))
		hostile_lvt();
	if (has(cmdline, "testguest.mode=hostile-xsetbv"))
		hostile_xsetbv();
	if (has(cmdline, "testguest.mode=hostile-cr"))
		hostile_cr();
	return false;
}
