#!/usr/bin/env bash
# SMP Linux under VMX: an unmodified Debian kernel with two vCPUs on a
# two-CPU Bochs (built with SMP by tests/rig/build-bochs-smp). The guest
# starts its second vCPU with INIT and SIPI, whose real-mode trampoline
# turns on protected mode, CR0.NE and long mode (CR accesses argon owns
# under VMX), and the initramfs sees both CPUs online.
# Usage: vmx-linux-smp.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

argon_elf=$(dirname "$1")/argon.elf
dir=$(new_esp "$argon_elf" "$3/bzImage" "$3/initrd-base.img" <<'CONF'
[guest.linux]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [0, 1]
cmdline = "console=ttyS0 argon.test=info"
CONF
)
trap 'rm -rf "$dir"' EXIT

log=$dir/console.log
start=$SECONDS
boot_bochs "$dir" "$log" "" 400 --smp 2 ||
	fail "machine did not power off by itself (bochs-run exit $?)"
echo "vmx-linux-smp: the Bochs run took $((SECONDS - start)) s"

expect "$log" '^argon: backend vmx enabled on CPU 0$' "VMX backend"
expect "$log" '^argon: 1 of 1 other CPU\(s\) up$' "argon started the second CPU"
expect "$log" "^argon: guest 'linux': .* 2 vCPU\\(s\\)" "a guest with two vCPUs"
expect "$log" '^\[linux\] .*smp: Brought up 1 node, 2 CPUs$' "the kernel brought up its second CPU"
expect "$log" '^\[linux\] ARGON-TEST begin info$' "the kernel reached its initramfs"
[ "$(test_value "$log" linux nproc)" = 2 ] || fail "the guest does not see two CPUs online"
expect_not "$log" '^\[linux\] .*(Kernel panic|BUG:|traps: .* trap|CPU1: failed|do not respond)' \
	"no panic, bug, trap or stuck CPU"
expect "$log" "^argon: guest 'linux' stopped: powered off$" "the guest powered itself off"
expect "$log" '^argon: exits guest=linux total=[1-9].* cr=[1-9]' "CR-access exits counted"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
