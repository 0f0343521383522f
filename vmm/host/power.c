#include "lib/err.h"
#include "vmm/host/host_acpi.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

static void pm1_write(const struct acpi_gas *reg, uint16_t val)
{
	if (!reg->address)
		return;
	if (reg->space_id == ACPI_GAS_SPACE_IO)
		outw((uint16_t)reg->address, val);
	else if (reg->space_id == ACPI_GAS_SPACE_MEM)
		*(volatile uint16_t *)phys_to_virt(reg->address) = val;
}

static void acpi_s5(const struct boot_info *bi)
{
	struct acpi_sleep_info si;
	uint64_t fadt;
	int err;

	if (!bi->rsdp_pa)
		return;
	err = acpi_find_table(&host_acpi_mem, bi->rsdp_pa, "FACP", &fadt);
	if (!err)
		err = acpi_get_sleep_info(&host_acpi_mem, fadt, &si);
	if (err) {
		pr_warn("no ACPI S5 power-off (%s)\n", err_str(err));
		return;
	}
	pm1_write(&si.pm1a_cnt,
		  (uint16_t)((si.slp_typa << ACPI_PM1_CNT_SLP_TYP_OFF) | ACPI_PM1_CNT_SLP_EN));
	pm1_write(&si.pm1b_cnt,
		  (uint16_t)((si.slp_typb << ACPI_PM1_CNT_SLP_TYP_OFF) | ACPI_PM1_CNT_SLP_EN));
	/* Real chipsets take a moment to cut power. */
	for (uint64_t t = rdtsc(); rdtsc() - t < 1000000000ULL;)
		cpu_relax();
}

void machine_power_off(const struct boot_info *bi)
{
	pr_info("powering off\n");
	acpi_s5(bi);
	if (bi->fw_power_off)
		bi->fw_power_off();
	pr_err("power-off failed; halting\n");
	halt_forever();
	__builtin_unreachable();
}
