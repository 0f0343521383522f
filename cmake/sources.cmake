# Pure logic: no hardware access, no globals tied to the machine. Built into
# the hypervisor and, with sanitizers, into the host unit tests.
set(ARGON_PURE_SOURCES
  lib/err.c
  lib/fmt.c
  lib/str_copy.c
  lib/toml.c
  lib/config.c
  lib/elf64.c
  lib/bzimage.c
  lib/cmdline.c
  lib/ring.c
  lib/civil_time.c
  vmm/paging.c
  vmm/mem_range.c
  vmm/acpi_parse.c
  vmm/vacpi.c
  vmm/svm/svm_maps.c
  vmm/vpit_count.c
  vmm/vmx/vmcs_check.c
  vmm/vmx/vmx_maps.c
  vmm/vmx/vmx_cr.c
)

# Code that only runs on the bare machine.
set(ARGON_BARE_SOURCES
  lib/string.c
  vmm/console.c
  vmm/log.c
  vmm/panic.c
  vmm/cpu_tables.c
  vmm/isr.S
  vmm/exceptions.c
  vmm/host_paging.c
  vmm/page_alloc.c
  vmm/main.c
  vmm/guest.c
  vmm/lapic_reset.c
  vmm/guest_boot.c
  vmm/guest_linux.c
  vmm/exit.c
  vmm/exit_stats.c
  vmm/cpuid_policy.c
  vmm/msr_policy.c
  vmm/vuart.c
  vmm/vrtc.c
  vmm/vpit.c
  vmm/power.c
  vmm/host_acpi.c
  vmm/vcpu.c
  vmm/apic.c
  vmm/vlapic.c
  vmm/smp.c
  vmm/ap_trampoline.S
  vmm/cpu.c
  vmm/tsc.c
  vmm/boot_files.c
  vmm/svm/svm.c
  vmm/svm/svm_vcpu.c
  vmm/svm/svm_exit.c
  vmm/svm/svm_run.S
  vmm/vmx/vmx.c
  vmm/vmx/vmx_vcpu.c
  vmm/vmx/vmx_exit.c
  vmm/vmx/vmx_dump.c
  vmm/vmx/vmx_run.S
)

list(TRANSFORM ARGON_PURE_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/)
list(TRANSFORM ARGON_BARE_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/)
