/* Sweeps (docs/security.md): every MSR of the architectural and the AMD
 * ranges, every I/O port, and the MMIO regions that are not the guest's.
 * Nothing may fault inside argon; the guest gets what a CPU or bus
 * without the thing gives (#GP for an MSR, all-ones for a port nothing
 * decodes) or, for an address where nothing of its own is, is stopped
 * with a log line naming the address. */
#include <stddef.h>

#include "lib/fmt.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/hostile.h"
#include "tests/guest/idt.h"
#include "vmm/guest_abi.h"

#define VEC_GP 13
#define WRMSR_INSN_LEN 2

extern const uint8_t sweep_rdmsr_insn[], sweep_wrmsr_insn[];
uint64_t sweep_rdmsr(uint32_t msr, bool *gp);
bool sweep_wrmsr(uint32_t msr, uint64_t val);

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool msr_hook(struct trap_frame *f)
{
	if (f->vector != VEC_GP || (f->rip != (uint64_t)(uintptr_t)sweep_rdmsr_insn &&
				    f->rip != (uint64_t)(uintptr_t)sweep_wrmsr_insn))
		return false;
	f->r8 = 1;
	f->rip += WRMSR_INSN_LEN;
	return true;
}

/* Random values are not written where the guest would only wreck
 * itself, each covered by its own scenario: the APIC base and the x2APIC
 * registers (icr, lvt; a random timer or ICR floods the guest), and the
 * TSC (its own clock). */
static bool random_write_skipped(uint32_t msr)
{
	return msr == 0x10 || msr == 0x1B || (msr >= 0x800 && msr <= 0x8FF);
}

#define REFUSED_SHOWN 40u

void hostile_msr_sweep(void)
{
	static const uint32_t ranges[][2] = {
		{0x00000000u, 0x2000u}, {0xC0000000u, 0x2000u}, {0xC0010000u, 0x2000u}};
	uint64_t readable = 0, read_gp = 0, written = 0, write_gp = 0, random_ok = 0, random_gp = 0,
		 restore_bad = 0;
	uint32_t refused[REFUSED_SHOWN];

	trap_set_hook(msr_hook);
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (uint32_t i = 0; i < ranges[r][1]; i++) {
			uint32_t msr = ranges[r][0] + i;
			bool gp;
			uint64_t val = sweep_rdmsr(msr, &gp);

			if (gp) {
				read_gp++;
			} else {
				readable++;
				if (sweep_wrmsr(msr, val)) {
					if (write_gp < REFUSED_SHOWN)
						refused[write_gp] = msr;
					write_gp++;
				} else {
					written++;
				}
			}
			if (random_write_skipped(msr))
				continue;
			for (int k = 0; k < 2; k++) {
				if (sweep_wrmsr(msr, next_random())) {
					random_gp++;
				} else {
					random_ok++;
					/* Put back what was there, if it can be. */
					if (!gp && sweep_wrmsr(msr, val))
						restore_bad++;
				}
			}
		}
	}
	trap_set_hook(NULL);
	con_printf("argon-hostile: msr-sweep: %llu readable (%llu #GP), own value back: %llu "
		   "written, %llu #GP; random: %llu written, %llu #GP\n",
		   (unsigned long long)readable, (unsigned long long)read_gp,
		   (unsigned long long)written, (unsigned long long)write_gp,
		   (unsigned long long)random_ok, (unsigned long long)random_gp);
	con_puts("argon-hostile: msr-sweep: readable, own value refused:");
	for (uint64_t i = 0; i < write_gp && i < REFUSED_SHOWN; i++)
		con_printf(" 0x%x", refused[i]);
	con_puts("\n");
	hostile_verdict(readable + read_gp == 3 * 0x2000u, "msr-sweep-all-read", "MSRs missed");
	hostile_verdict(readable > 0 && read_gp > 0 && random_gp > 0, "msr-sweep-answers",
			"no readable MSR, or no #GP at all");
	hostile_verdict(restore_bad == 0, "msr-sweep-restored",
			"a value read back could not be written again");
	hostile_finish("hostile");
}

/* ---- ports ---- */

static bool port_skipped(uint16_t port)
{
	/* The guest's own console (its UART) and its power-off register
	 * (PM1a): writing those means output and a power-off, tested
	 * elsewhere; 0xCF9 comes last, on its own. */
	return (port >= ARGON_GUEST_UART_PORT && port < ARGON_GUEST_UART_PORT + 8) ||
	       (port >= ARGON_GUEST_PM1A_EVT_PORT && port < ARGON_GUEST_PM1A_CNT_PORT + 4) ||
	       port == ARGON_GUEST_RESET_PORT;
}

void hostile_io_sweep(void)
{
	static uint8_t buf[256];
	uint64_t floating = 0, decoded = 0;

	for (uint32_t p = 0; p <= 0xFFFF; p++) {
		uint16_t port = (uint16_t)p;
		uint8_t v = inb(port);

		if (v == 0xFF)
			floating++;
		else
			decoded++;
		if (port_skipped(port))
			continue;
		outb(port, v);
		outb(port, (uint8_t)next_random());
	}
	/* Word and dword accesses and string I/O across the legacy range. */
	for (uint32_t p = 0; p < 0x1000; p += 2) {
		if (port_skipped((uint16_t)p) || port_skipped((uint16_t)(p + 3)))
			continue;
		outw((uint16_t)p, inw((uint16_t)p));
		outl((uint16_t)p, inl((uint16_t)p));
	}
	__asm__ volatile("rep insb"
			 : "+D"((uint8_t *){buf}), "+c"((uint64_t){sizeof(buf)})
			 : "d"(0x80)
			 : "memory");
	__asm__ volatile("rep outsb"
			 : "+S"((const uint8_t *){buf}), "+c"((uint64_t){sizeof(buf)})
			 : "d"(0x80)
			 : "memory");
	/* The named ports once more with what resets or traps elsewhere:
	 * fast reset (0x92 bit 0), the keyboard controller's reset pulse
	 * (0x64 <- 0xFE), an APM SMI (0xB2), NMIs masked in the RTC index. */
	outb(0x92, (uint8_t)(inb(0x92) | 1));
	outb(0x64, 0xFE);
	outb(0xB2, 0x00);
	outb(0x70, 0x80);
	outb(0x70, 0x00);
	/* 0xCF9 without its reset bit (2) changes nothing. */
	outb(ARGON_GUEST_RESET_PORT, 0x02);
	outb(ARGON_GUEST_RESET_PORT, 0x08);
	con_printf("argon-hostile: io-sweep: %llu ports read all-ones, %llu something else\n",
		   (unsigned long long)floating, (unsigned long long)decoded);
	hostile_verdict(floating > 0xF000, "io-sweep-floating", "most ports should float");
	hostile_summary("hostile");
	/* Last: a full reset through 0xCF9 (bits 1-3), which argon must take
	 * as this guest's reset, like 0x06. */
	con_puts("argon-hostile: full reset through 0xCF9 now\n");
	outb(ARGON_GUEST_RESET_PORT, 0x0E);
	hostile_verdict(false, "cf9-full-reset", "0x0E on 0xCF9 did not reset the guest");
	hostile_finish("hostile");
}

/* ---- MMIO ---- */

/* One access per boot (argon stops the guest at the first access where
 * nothing of its own is; on_exit = "restart" brings it back for the
 * next); boot N makes access N-1, the boot after the last powers off.
 * Before the first, the accesses that must work: its own RAM in the
 * legacy range, the virtual IOAPIC, the all-ones PCI configuration
 * space. */
static const struct {
	const char *what;
	uint64_t gpa; /* 0: just past the guest's RAM */
	bool write;
} mmio_probes[] = {
	{"xapic", 0xFEE00030ull, false},
	{"xapic", 0xFEE000B0ull, true},
	{"hpet", 0xFED00000ull, false},
	{"hpet", 0xFED00010ull, true},
	{"iommu", 0xFED90000ull, false},
	{"iommu", 0xFED90018ull, true},
	{"flash", 0xFFFFFFF0ull, false},
	{"flash", 0xFFC00000ull, true},
	{"mmio32", 0xC0000000ull, false},
	{"mmio32", 0xC0000000ull, true},
	{"above-ram", 0, false},
	{"above-ram", 0, true},
	{"above-4g", 0x100000000ull, false},
	{"above-4g", 0x100001000ull, true},
};

#define PTE_P_RW 0x3ull
#define PTE_PS 0x80ull
#define HIGH_PD 0x30000ull /* a page of the guest's RAM for the 4 GiB map */

/* The identity map covers 4 GiB: 2 MiB more at 4 GiB, for the probes. */
static void map_above_4g(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xFFFull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xFFFFFFFFF000ull);
	uint64_t *pd = (uint64_t *)(uintptr_t)HIGH_PD;

	for (unsigned i = 0; i < 512; i++)
		pd[i] = 0;
	pd[0] = 0x100000000ull | PTE_P_RW | PTE_PS;
	pdpt[4] = HIGH_PD | PTE_P_RW;
	write_cr3(read_cr3());
}

void hostile_mmio_sweep(const char *cmdline, uint64_t ram_bytes)
{
	uint64_t boot = cmdline_u64(cmdline, "argon.boot=", 1);
	size_t count = sizeof(mmio_probes) / sizeof(mmio_probes[0]), i;
	volatile uint32_t *p;

	if (boot == 1) {
		volatile uint32_t *legacy = (volatile uint32_t *)(uintptr_t)0xA0000;
		volatile uint32_t *ioapic = (volatile uint32_t *)(uintptr_t)ARGON_GUEST_IOAPIC_BASE;
		volatile uint32_t *ecam = (volatile uint32_t *)(uintptr_t)ARGON_GUEST_ECAM_BASE;
		uint32_t ver;

		legacy[0] = 0x12345678u;
		hostile_verdict(legacy[0] == 0x12345678u, "mmio-legacy-is-ram",
				"0xA0000 is not the guest's RAM");
		ioapic[0] = 1; /* IOREGSEL: the version register */
		ver = ioapic[4];
		hostile_verdict((ver & 0xFF) == 0x11 || (ver & 0xFF) == 0x20, "mmio-ioapic-version",
				"no IOAPIC version");
		/* A guest with no assigned function sees argon's host bridge
		 * and nothing behind it. */
		hostile_verdict(ecam[0] == (ARGON_GUEST_PCI_HOST_DEVICE << 16 |
					    ARGON_GUEST_PCI_HOST_VENDOR) &&
					ecam[(1u << 15) / 4] == 0xFFFFFFFFu,
				"mmio-ecam-host-bridge-only",
				"a device besides the host bridge in the configuration space");
	}
	if (boot > count) {
		hostile_verdict(boot == count + 1, "mmio-sweep-boots", "boot number");
		hostile_finish("hostile");
	}
	i = (size_t)boot - 1;
	map_above_4g();
	p = (volatile uint32_t *)(uintptr_t)(mmio_probes[i].gpa
						     ? mmio_probes[i].gpa
						     : ram_bytes +
							       (mmio_probes[i].write ? 0x1000 : 0));
	con_printf("argon-hostile: mmio probe %llu: %s %s at 0x%llx\n", (unsigned long long)boot,
		   mmio_probes[i].write ? "write" : "read", mmio_probes[i].what,
		   (unsigned long long)(uintptr_t)p);
	if (mmio_probes[i].write)
		*p = 0x5A5A5A5Au;
	else
		(void)*p;
	con_printf("argon-hostile: mmio probe %llu went through\n", (unsigned long long)boot);
	hostile_verdict(false, "mmio-probe-stopped", "the access went through");
	hostile_finish("hostile");
}
