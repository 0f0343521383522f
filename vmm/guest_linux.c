/* Booting a Linux bzImage with the 64-bit boot protocol (docs/linux-boot.md,
 * docs/guest-platform.md). */
#include "lib/bits.h"
#include "lib/bzimage.h"
#include "lib/cmdline.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/host/cpu.h"
#include "vmm/guest.h"
#include "vmm/guest_linux.h"
#include "vmm/guest_boot.h"
#include "vmm/guest_layout.h"
#include "vmm/log.h"
#include "vmm/host/tsc.h"
#include "vmm/dev/vacpi.h"

#define LINUX_CMDLINE_GPA ARGON_GUEST_CMDLINE /* 4 KiB in the boot area */
#define LINUX_CMDLINE_MAX ARGON_GUEST_CMDLINE_MAX
#define LINUX_BOOT_PARAMS_GPA 0x9000u

_Static_assert(LINUX_CMDLINE_GPA + LINUX_CMDLINE_MAX <= LINUX_BOOT_PARAMS_GPA, "boot area");
_Static_assert(LINUX_BOOT_PARAMS_GPA + 0x1000 <= ARGON_GUEST_BOOT_AREA_END, "boot area");

/* What argon adds to the guest's command line unless the user set it
 * (docs/guest-platform.md): the TSC frequency, so the timer path needs no
 * PIT or HPET, and reset through the FADT's reset register, which Linux
 * does not pick by itself on a hardware-reduced platform. */
static void build_cmdline(const struct guest *g, char *out, size_t size)
{
	const char *user = g->cfg->cmdline;
	int n = fmt_snprintf(out, size, "%s", user);

	if (tsc_khz && !cmdline_get(user, "tsc_early_khz", NULL, 0) && (size_t)n < size)
		n += fmt_snprintf(out + n, size - (size_t)n, "%stsc_early_khz=%llu", n ? " " : "",
				  (unsigned long long)tsc_khz);
	if (!cmdline_get(user, "reboot", NULL, 0) && (size_t)n < size)
		n += fmt_snprintf(out + n, size - (size_t)n, "%sreboot=acpi", n ? " " : "");
	/* Which boot of this guest this is: 1, then 2 after a restart. */
	if ((size_t)n < size)
		fmt_snprintf(out + n, size - (size_t)n, "%sargon.boot=%u", n ? " " : "", g->boots);
}

/* The guest's RAM pieces, in order, from its memory map. */
static unsigned ram_pieces(const struct guest *g, struct guest_ram_piece *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->mem_count && n < GUEST_RAM_PIECES_MAX; i++)
		if (g->mem[i].type == GMEM_RAM)
			p[n++] = (struct guest_ram_piece){g->mem[i].gpa, g->mem[i].size};
	return n;
}

static int build_acpi(struct guest *g, uint64_t *rsdp)
{
	struct vacpi_cpu cpus[GUEST_MAX_VCPUS];
	struct vacpi_config c = {
		.base_gpa = ARGON_GUEST_ACPI_BASE,
		.base = guest_ram_ptr(g, ARGON_GUEST_ACPI_BASE, ARGON_GUEST_ACPI_SIZE),
		.size = ARGON_GUEST_ACPI_SIZE,
		.cpus = cpus,
		.ncpus = g->vcpu_count,
		.ecam_base = ARGON_GUEST_ECAM_BASE,
		.bus_start = ARGON_GUEST_ECAM_BUS_START,
		.bus_end = ARGON_GUEST_ECAM_BUS_END,
		.mmio32_base = ARGON_GUEST_MMIO32_BASE,
		.mmio32_size = ARGON_GUEST_MMIO32_SIZE,
		.mmio64_base = g->pci.mmio64_base,
		.mmio64_size = g->pci.mmio64_size,
		.ioapic_addr = ARGON_GUEST_IOAPIC_BASE,
		.ioapic_id = ARGON_GUEST_IOAPIC_ID,
		.ioapic_gsi_base = ARGON_GUEST_IOAPIC_GSI_BASE,
		.com1_irq = ARGON_GUEST_UART_GSI,
	};
	int n;

	for (unsigned i = 0; i < g->vcpu_count; i++)
		cpus[i].apic_id = g->vcpus[i].pcpu->apic_id;
	n = vacpi_build(&c, rsdp);
	return n < 0 ? n : 0;
}

int guest_load_linux(struct guest *g, const struct boot_file *kernel,
		     const struct boot_file *initrd, struct vcpu_init_state *st)
{
	struct bzimage_info bi;
	struct linux_boot_layout layout;
	struct e820_range e820[GUEST_E820_MAX];
	struct guest_ram_piece ram[GUEST_RAM_PIECES_MAX];
	unsigned nram = ram_pieces(g, ram), ne820 = guest_linux_e820(ram, nram, e820);
	char *cmdline = guest_ram_ptr(g, LINUX_CMDLINE_GPA, LINUX_CMDLINE_MAX);
	void *zero_page = guest_ram_ptr(g, LINUX_BOOT_PARAMS_GPA, 0x1000);
	uint64_t initrd_size = initrd ? initrd->size : 0, rsdp;
	int err;

	if (!ne820) {
		pr_err("guest '%s': too little RAM for Linux\n", g->name);
		return -ERR_NOSPC;
	}
	err = bzimage_parse(kernel->data, kernel->size, &bi);
	if (err) {
		pr_err("guest '%s': %s is neither an ELF64 image nor a Linux bzImage with a "
		       "64-bit entry (%s)\n",
		       g->name, kernel->name, err_str(err));
		return err;
	}
	/* The kernel and initrd go below 4 GiB, in the first piece. */
	err = bzimage_plan(&bi, ram[0].size, initrd_size, 0x100000, &layout);
	if (err) {
		pr_err("guest '%s': kernel %s and initrd do not fit in %llu MiB (%s)\n", g->name,
		       kernel->name, (unsigned long long)(g->ram_size >> 20), err_str(err));
		return err;
	}
	err = build_acpi(g, &rsdp);
	if (err) {
		pr_err("guest '%s': cannot build ACPI tables (%s)\n", g->name, err_str(err));
		return err;
	}
	build_cmdline(g, cmdline, LINUX_CMDLINE_MAX);
	layout.cmdline = cmdline;
	layout.cmdline_gpa = LINUX_CMDLINE_GPA;
	layout.boot_params_gpa = LINUX_BOOT_PARAMS_GPA;
	layout.rsdp_gpa = rsdp;
	layout.e820 = e820;
	layout.e820_count = ne820;
	err = bzimage_fill_boot_params(zero_page, kernel->data, kernel->size, &bi, &layout);
	if (err) {
		pr_err("guest '%s': cannot build the zero page (%s)\n", g->name, err_str(err));
		return err;
	}
	memcpy(guest_ram_ptr(g, layout.kernel_load, bi.kernel_size),
	       (const uint8_t *)kernel->data + bi.kernel_offset, bi.kernel_size);
	if (initrd)
		memcpy(guest_ram_ptr(g, layout.initrd_gpa, initrd->size), initrd->data,
		       initrd->size);

	err = guest_boot_long_mode(g, layout.entry, LINUX_BOOT_CS, LINUX_BOOT_DS, st);
	if (err)
		return err;
	st->regs.rsi = LINUX_BOOT_PARAMS_GPA;
	/* Linux idles with HLT and takes its timer interrupts directly. */
	g->hlt_exits = false;
	pr_info("guest '%s': Linux boot protocol %u.%02u, kernel at 0x%llx, initrd %llu KiB at "
		"0x%llx, command line \"%s\"\n",
		g->name, bi.version >> 8, bi.version & 0xFF, (unsigned long long)layout.kernel_load,
		(unsigned long long)(initrd_size >> 10), (unsigned long long)layout.initrd_gpa,
		cmdline);
	return 0;
}
