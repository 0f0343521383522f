#!/usr/bin/env bash
# Speculation in a Linux guest: the kernel reads what the CPU argon shows
# offers (SPEC_CTRL, PRED_CMD, FLUSH_CMD and their CPUID bits pass through
# where the machine has them) and reports its mitigations under
# /sys/devices/system/cpu/vulnerabilities. The test types a command into
# the guest's shell and reads every entry back: Spectre v1 and v2 must be
# mitigated, and no entry may say "Vulnerable" where the emulated CPU has
# what its mitigation needs (docs/security.md lists what QEMU's -cpu max
# offers and what the guest reports).
# Usage: linux-spectre.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

images=$3
esp=$(new_esp "$1" "$images/bzImage" "$images/initrd-base.img" <<'CONF'
[guest.spec]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=shell"
CONF
)
keys=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
log=$esp/console.log
trap 'rm -rf "$esp" "$keys"' EXIT
boot_typed "$esp" "$log" "$keys" --timeout 300 --smp 2

ok=true
wait_line "$log" '^\[spec\] / # ' 200 || ok=false
if $ok; then
	type_keys 'grep . /sys/devices/system/cpu/vulnerabilities/* | sed s,^/sys/devices/system/cpu/vulnerabilities/,vuln:,; echo vulns-done\r'
	wait_line "$log" '^\[spec\] vulns-done$' 60 || ok=false
fi
if $ok; then
	type_keys 'echo cpu-flags: $(grep -o -w -e ibpb -e ibrs -e stibp -e ssbd -e virt_ssbd -e amd_ssbd -e md_clear -e flush_l1d /proc/cpuinfo | sort -u); echo flags-done\r'
	wait_line "$log" '^\[spec\] flags-done$' 60 || ok=false
fi
type_keys 'exit\r'
wait_boot || fail "machine did not power off by itself (qemu-run exit $?)"

grep -a '^\[spec\] vuln:' "$log" | sed 's/^\[spec\] vuln:/linux-spectre: /' || true
flags=$(sed -n 's/^\[spec\] cpu-flags: *//p' "$log" | tail -n1)
echo "linux-spectre: the guest's CPU flags: ${flags:-none of ibpb ibrs stibp ssbd md_clear flush_l1d}"
expect "$log" '^\[spec\] cpu-flags:' "the guest's CPU flags were read"
expect "$log" '^\[spec\] vuln:spectre_v1:Mitigation' "Spectre v1 mitigated"
expect "$log" '^\[spec\] vuln:spectre_v2:Mitigation' "Spectre v2 mitigated"
# What needs a CPU feature is mitigated when the guest's CPU has it:
# SSBD for speculative store bypass, IBPB for Spectre v2's IBPB.
if grep -qw -e ssbd -e virt_ssbd -e amd_ssbd <<<"$flags"; then
	expect "$log" '^\[spec\] vuln:spec_store_bypass:(Mitigation|Not affected)' "speculative store bypass mitigated (SSBD reaches the guest)"
	expect_not "$log" '^\[spec\] vuln:[a-z_0-9]+:Vulnerable' "nothing reported vulnerable"
else
	others=$(grep -a '^\[spec\] vuln:[a-z_0-9]*:Vulnerable' "$log" | grep -v '^\[spec\] vuln:spec_store_bypass:' || true)
	[ -z "$others" ] || fail "reported vulnerable although the CPU has what it needs: $others"
fi
if grep -qw ibpb <<<"$flags"; then
	expect "$log" '^\[spec\] vuln:spectre_v2:.*IBPB: (conditional|always-on)' "IBPB in use for Spectre v2"
fi
expect "$log" '^\[spec\] ARGON-TEST end shell$' "the shell ended"
finish
