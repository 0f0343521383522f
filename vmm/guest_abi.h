/* What argon promises a guest, as numbers. Shared by the hypervisor and the
 * test guest; Linux guests see the same platform through ACPI tables. */
#ifndef ARGON_VMM_GUEST_ABI_H
#define ARGON_VMM_GUEST_ABI_H

/* CPUID leaf 0x40000100 returns the highest argon leaf in EAX and this
 * 12-byte signature in EBX, ECX, EDX; leaf 0x40000101 returns the ABI
 * version in EAX.
 *
 * Leaf 0x40000000, where a guest looks first, carries the KVM signature:
 * Linux keeps a firmware-enabled x2APIC without interrupt remapping only
 * under a hypervisor it knows (x86_init.hyper.x2apic_available). Leaf
 * 0x40000001 EAX offers one KVM feature, the extended destination id
 * (bit 15): MSI addresses and IOAPIC entries carry bits 14:8 of the
 * destination APIC id in address bits 11:5 (entry bits 55:49), so that a
 * guest on cores with APIC ids above 255 can direct its interrupts there
 * without interrupt remapping of its own. It is no paravirtual interface
 * (argon offers none, and Linux uses none without their feature bits).
 * Linux finds hypervisor signatures in 0x100 steps, so a guest that knows
 * argon finds it at 0x40000100. */
#define ARGON_CPUID_COMPAT_BASE 0x40000000u
#define ARGON_CPUID_COMPAT_SIGNATURE "KVMKVMKVM\0\0\0"
#define ARGON_CPUID_COMPAT_FEATURES (1u << 15) /* KVM_FEATURE_MSI_EXT_DEST_ID */
#define ARGON_CPUID_BASE 0x40000100u
#define ARGON_CPUID_MAX 0x40000101u
#define ARGON_CPUID_SIGNATURE "ArgonHV\0\0\0\0\0"
#define ARGON_ABI_VERSION 1u

/* Hypercalls: VMMCALL (AMD) or VMCALL (Intel) with the number in RAX and
 * arguments in RBX, RCX, RDX; the result comes back in RAX, negative on
 * error (-1: unknown hypercall, -2: bad argument). */
#define ARGON_HC_VERSION 0u    /* -> ARGON_ABI_VERSION */
#define ARGON_HC_EXIT_COUNT 1u /* RBX = enum argon_exit_kind -> count, whole guest */
#define ARGON_HC_ERR_UNKNOWN (-1L)
#define ARGON_HC_ERR_ARG (-2L)

/* Normalized exit kinds, as counted per guest and reported by argon when a
 * guest stops. The numbering is ABI (ARGON_HC_EXIT_COUNT). */
enum argon_exit_kind {
	ARGON_EXIT_CPUID = 0,
	ARGON_EXIT_MSR_READ = 1,
	ARGON_EXIT_MSR_WRITE = 2,
	ARGON_EXIT_IO = 3,
	ARGON_EXIT_NPF = 4, /* nested/EPT page fault: MMIO or a bad access */
	ARGON_EXIT_HLT = 5,
	ARGON_EXIT_HYPERCALL = 6,
	ARGON_EXIT_SHUTDOWN = 7, /* triple fault */
	ARGON_EXIT_XSETBV = 8,
	ARGON_EXIT_INTR = 9,
	ARGON_EXIT_NMI = 10,
	ARGON_EXIT_EXCEPTION = 11,
	ARGON_EXIT_VIRT_INSN = 12, /* VMRUN, VMLOAD, VMXON, ...: #UD for the guest */
	ARGON_EXIT_ENTRY_FAIL = 13,
	ARGON_EXIT_UNKNOWN = 14,
	ARGON_EXIT_INIT = 15, /* an INIT signal: argon's own kick to stop a vCPU */
	ARGON_EXIT_CR = 16,   /* a control-register access (VMX: bits argon owns) */
	/* MONITOR, MWAIT, GETSEC: not in the guest's CPUID, #UD */
	ARGON_EXIT_MISSING_INSN = 17,
	ARGON_EXIT_RDPMC = 18, /* the guest's CPUID shows no counters: #GP */
	ARGON_EXIT_INVD = 19,  /* done as a no-op: the cache is shared */
	ARGON_EXIT_IPI = 20,   /* a write of the x2APIC ICR (IPI, INIT, SIPI): a WRMSR
			       * exit counted here instead of under MSR_WRITE */
	ARGON_EXIT_KIND_COUNT
};

/* The name of each exit kind, as argon's exit lines and the guest-side
 * helper (tests/images/argon-exits.c) print it; "?" for none. */
static inline const char *argon_exit_kind_name(unsigned kind)
{
	static const char *const names[ARGON_EXIT_KIND_COUNT] = {
		[ARGON_EXIT_CPUID] = "cpuid",
		[ARGON_EXIT_MSR_READ] = "msr-read",
		[ARGON_EXIT_MSR_WRITE] = "msr-write",
		[ARGON_EXIT_IO] = "io",
		[ARGON_EXIT_NPF] = "npf",
		[ARGON_EXIT_HLT] = "hlt",
		[ARGON_EXIT_HYPERCALL] = "hypercall",
		[ARGON_EXIT_SHUTDOWN] = "shutdown",
		[ARGON_EXIT_XSETBV] = "xsetbv",
		[ARGON_EXIT_INTR] = "intr",
		[ARGON_EXIT_NMI] = "nmi",
		[ARGON_EXIT_EXCEPTION] = "exception",
		[ARGON_EXIT_VIRT_INSN] = "virt-insn",
		[ARGON_EXIT_ENTRY_FAIL] = "entry-fail",
		[ARGON_EXIT_UNKNOWN] = "unknown",
		[ARGON_EXIT_INIT] = "init",
		[ARGON_EXIT_CR] = "cr",
		[ARGON_EXIT_MISSING_INSN] = "missing-insn",
		[ARGON_EXIT_RDPMC] = "rdpmc",
		[ARGON_EXIT_INVD] = "invd",
		[ARGON_EXIT_IPI] = "ipi",
	};

	return kind < ARGON_EXIT_KIND_COUNT && names[kind] ? names[kind] : "?";
}

/* Guest entry state for an ELF guest: 64-bit long mode, interrupts off,
 * CS = ARGON_GUEST_CS (64-bit code), the other selectors ARGON_GUEST_DS,
 * the first 4 GiB of guest-physical space identity-mapped with 2 MiB pages
 * from tables that argon puts at ARGON_GUEST_BOOT_AREA, RIP = ELF entry,
 * RSP = 0 (the guest sets its own stack), RDI = guest-physical address of
 * the NUL-terminated command line (ARGON_GUEST_CMDLINE: argon.conf's
 * cmdline with " argon.boot=N" appended, N = 1 on the first boot, 2 after
 * the first restart, ...), RSI = the guest's RAM size in bytes
 * (RAM is guest-physical [0, RSI)). The ELF's PT_LOAD segments must lie in
 * guest RAM at or above ARGON_GUEST_LOAD_MIN. */
#define ARGON_GUEST_CS 0x08u
#define ARGON_GUEST_DS 0x10u
#define ARGON_GUEST_BOOT_AREA 0x1000u
#define ARGON_GUEST_BOOT_AREA_END 0x10000u
#define ARGON_GUEST_CMDLINE 0x8000u /* inside the boot area */
#define ARGON_GUEST_CMDLINE_MAX 0x1000u
#define ARGON_GUEST_LOAD_MIN 0x100000u

/* Virtual 16550 UART (console only). */
#define ARGON_GUEST_UART_PORT 0x3F8u

/* ACPI fixed hardware as the guest's FADT describes it: PM1a control block
 * (16 bits). Writing SLP_EN with SLP_TYP = ARGON_GUEST_SLP_TYP_S5 powers the
 * guest off; writing 0x06 to the reset port restarts it (or stops it, per
 * the guest's on_exit). */
#define ARGON_GUEST_PM1A_CNT_PORT 0x604u
#define ARGON_GUEST_PM1_SLP_TYP_OFF 10
#define ARGON_GUEST_PM1_SLP_EN (1u << 13)
#define ARGON_GUEST_SLP_TYP_S5 0u
#define ARGON_GUEST_RESET_PORT 0xCF9u
#define ARGON_GUEST_RESET_VALUE 0x06u
/* Any write with this bit (RST_CPU; 0x06 soft/hard, 0x0E full reset)
 * resets the guest, as on a PC's reset control register. */
#define ARGON_GUEST_RESET_CPU 0x04u

/* The guest's FADT is hardware-reduced (no SCI can exist without a PIC or
 * IOAPIC; see docs/guest-platform.md), so ACPI-aware guests power off
 * through its sleep control register instead of PM1a_CNT: one byte at
 * ARGON_GUEST_SLEEP_CTL_PORT, SLP_TYP in bits 4:2 and SLP_EN in bit 5.
 * That is the high byte of PM1a_CNT with the same fields, so argon can
 * treat a byte written there as PM1a_CNT = value << 8. The sleep status
 * register (WAK_STS, bit 7) is likewise the high byte of PM1a_STS. The
 * PM1a event block is still described, for guests that ignore the
 * hardware-reduced flag. */
#define ARGON_GUEST_PM1A_EVT_PORT 0x600u
#define ARGON_GUEST_PM1_EVT_LEN 4u
#define ARGON_GUEST_PM1_CNT_LEN 2u
#define ARGON_GUEST_SLEEP_STS_PORT (ARGON_GUEST_PM1A_EVT_PORT + 1u)
#define ARGON_GUEST_SLEEP_CTL_PORT (ARGON_GUEST_PM1A_CNT_PORT + 1u)
#define ARGON_GUEST_SLEEP_CTL_TYP_OFF 2
#define ARGON_GUEST_SLEEP_CTL_SLP_EN (1u << 5)

/* The guest-physical address map of a Linux guest (docs/guest-platform.md):
 *
 *   0 .. ARGON_GUEST_LOW_RAM_END      RAM (less the holes below 1 MiB)
 *   ARGON_GUEST_ACPI_BASE             argon's ACPI tables, RSDP first
 *   ARGON_GUEST_ECAM_BASE             virtual PCIe ECAM, trapped
 *   ARGON_GUEST_MMIO32_BASE           window for the BARs argon places
 *   ARGON_GUEST_IOAPIC_BASE           the virtual IOAPIC (one page, trapped)
 *   ARGON_GUEST_LAPIC_BASE            local APIC (used in x2APIC mode)
 *   4 GiB ..                          the rest of the RAM
 *
 * The ACPI tables sit in the legacy BIOS area, which Linux never uses as
 * RAM and scans for the RSDP on 16-byte boundaries; boot_params.acpi_rsdp_addr
 * points at it too. */
#define ARGON_GUEST_ACPI_BASE 0xE0000u
#define ARGON_GUEST_ACPI_SIZE 0x20000u /* to 1 MiB */

/* ECAM for buses 0-255 (1 MiB per bus), as on QEMU's q35, so RAM below
 * 4 GiB ends where it starts. */
#define ARGON_GUEST_ECAM_BASE 0xB0000000u
#define ARGON_GUEST_ECAM_BUS_START 0u
#define ARGON_GUEST_ECAM_BUS_END 255u
#define ARGON_GUEST_ECAM_SIZE ((ARGON_GUEST_ECAM_BUS_END - ARGON_GUEST_ECAM_BUS_START + 1u) << 20)
#define ARGON_GUEST_LOW_RAM_END ARGON_GUEST_ECAM_BASE

/* The guest's PCI bus is bus 0 of that ECAM: a host bridge at 00:00.0
 * with these ids (not in the public PCI id database: no driver binds to
 * it) and class 0600, each function assigned to the guest at 00:NN.0 with
 * NN = 1, 2, ... in the order of its `devices` list. Every other bus,
 * device and function reads all ones. */
#define ARGON_GUEST_PCI_HOST_VENDOR 0x1AF0u
#define ARGON_GUEST_PCI_HOST_DEVICE 0xA760u
#define ARGON_GUEST_PCI_HOST_CLASS 0x060000u

/* 32-bit MMIO window of the PCI host bridge: right after ECAM, ending
 * well below 0xFEC00000. */
#define ARGON_GUEST_MMIO32_BASE 0xC0000000u
#define ARGON_GUEST_MMIO32_SIZE 0x20000000u

#define ARGON_GUEST_LAPIC_BASE 0xFEE00000u

/* The virtual IOAPIC (vmm/dev/vioapic.h): GSIs 0-23, its registers at the
 * usual address, every pin masked at power-on. The guest's UART is on
 * GSI 4 (ISA IRQ 4, edge, active high). */
#define ARGON_GUEST_IOAPIC_BASE 0xFEC00000u
#define ARGON_GUEST_IOAPIC_ID 0u
#define ARGON_GUEST_IOAPIC_GSI_BASE 0u
#define ARGON_GUEST_UART_GSI 4u

/* RAM of a Linux guest that does not fit below ARGON_GUEST_LOW_RAM_END
 * continues here, as on PCs. */
#define ARGON_GUEST_HIGH_RAM_BASE 0x100000000ull

_Static_assert(ARGON_GUEST_ECAM_BASE + ARGON_GUEST_ECAM_SIZE <= ARGON_GUEST_MMIO32_BASE,
	       "ECAM overlaps the MMIO window");
_Static_assert(ARGON_GUEST_MMIO32_BASE + ARGON_GUEST_MMIO32_SIZE <= 0xFEC00000u,
	       "MMIO window reaches the APIC range");

#endif
