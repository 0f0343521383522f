#!/usr/bin/env bash
# DMA escape: the test guest "attacker" owns a whole NVMe controller
# (0000:00:06.0) and submits reads whose data pointer (PRP1), and then
# whose PRP list (PRP2), is (a) just past the end of its RAM, (b) where the
# guest "victim"'s RAM would be if the attacker's addresses were host
# addresses, 16 MiB in, inside the region the victim checksums, and (c)
# argon's own image. The two addresses come from argon's log and are typed
# on the attacker's console. The IOMMU must block each access: argon logs
# a DMA fault naming the attacker and the address, a write fault for the
# data and a read fault for the list; the reads through a PRP list complete
# with an error in the attacker (QEMU's NVMe model completes a read whose
# data write faulted with success, so that status is only shown), which
# goes on (its device still works) to its power-off; the victim's
# checksummed RAM is the same after the attack as before.
# Usage: passthrough-dma-escape.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The attacker is first: it has the console's input focus.
esp=$(new_esp "$1" "$2" <<'CONF'
[guest.attacker]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["0000:00:06.0"]
cmdline = "testguest.mode=dma-escape"

[guest.victim]
kernel = "testguest.elf"
memory = "64M"
cpus = [2]
cmdline = "testguest.mode=victim testguest.secs=20"
CONF
)
# Outside the ESP folder, which qemu-run copies whole.
keys=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/argon-console.XXXXXX")
trap 'rm -rf "$esp" "$keys" "$log"' EXIT

boot_typed "$esp" "$log" "$keys" --timeout 120 --smp 3 --nvme 06
if wait_line "$log" '^\[attacker\] ARGON-TEST dma-escape waiting for addresses$' 60 &&
	wait_line "$log" '^\[victim\] argon-victim: ready' 60; then
	victim_host=$(sed -n "s/^argon: guest 'victim': 64 MiB at host \(0x[0-9a-f]*\),.*/\1/p" "$log")
	argon_image=$(sed -n 's/^argon: image at \(0x[0-9a-f]*\),.*/\1/p' "$log")
	if [ -n "$victim_host" ] && [ -n "$argon_image" ]; then
		type_keys "$victim_host $argon_image\r"
		pace_dma_escape "$log" '0000:00:06\.0' "$victim_host" "$argon_image"
	else
		fail "argon did not log the victim's RAM ($victim_host) or its own image ($argon_image)"
		type_keys "0 0\r"
	fi
fi
rc=0
wait_boot || rc=$?
cat "$log"
[ "$rc" -eq 0 ] || fail "machine did not power off by itself (qemu-run exit $rc)"

victim_host=${victim_host:-0}
argon_image=${argon_image:-0}
expect "$log" "^\[attacker\] ARGON-TEST nvme bdf=00:01\.0 id=1b36:0010 .*serial=argon-pt-06 " \
	"the attacker drives its own controller"
expect "$log" "^\[attacker\] PASS nvme-write-read\$" "the device works before the attack"
expect "$log" "^\[attacker\] ARGON-TEST dma-escape victim_host=$victim_host argon=$argon_image\$" \
	"the attacker got the addresses"
# (a), (b), (c): an error completion in the guest and a fault in argon's
# log naming the attacker, its function and the very address.
expect_dma_escape_blocked "$log" '0000:00:06\.0' "$victim_host" "$argon_image"
grep '^\[attacker\] ARGON-TEST dma-escape target=' "$log" || true
expect_not "$log" "^argon: (warning: )?iommu: DMA fault: victim" "no fault from the victim, which has no device"
expect "$log" '^\[attacker\] PASS nvme-after-escape$' "the device still works after the faults"
expect "$log" '^\[attacker\] ARGON-TEST dma-escape done, still running$' "the attacker kept running"
expect "$log" '^\[attacker\] argon-testguest: [0-9]+ passed, 0 failed$' "the attacker's summary"
expect "$log" "^argon: guest 'attacker' stopped: powered off\$" "the attacker ended by its own power-off"

# The victim: its region's checksum before and after, and its own checks,
# with the attack inside its run.
before=$(sed -n 's/^\[victim\] ARGON-TEST victim-sum-before=//p' "$log")
after=$(sed -n 's/^\[victim\] ARGON-TEST victim-sum-after=//p' "$log")
[ -n "$before" ] && [ "$before" = "$after" ] ||
	fail "the victim's RAM changed: checksum $before before, $after after"
expect "$log" '^\[victim\] PASS victim-checksums$' "the victim saw its RAM unchanged all along"
expect "$log" '^\[victim\] PASS victim-no-interrupts$' "no interrupt reached the victim"
attack_end=$(grep -n '^\[attacker\] ARGON-TEST dma-escape done' "$log" | head -n1 | cut -d: -f1)
victim_end=$(grep -n '^\[victim\] ARGON-TEST victim-sum-after=' "$log" | head -n1 | cut -d: -f1)
[ -n "$attack_end" ] && [ -n "$victim_end" ] && [ "$attack_end" -lt "$victim_end" ] ||
	fail "the victim did not outlive the attack (lines ${attack_end:-?} and ${victim_end:-?})"
expect "$log" "^argon: guest 'victim' stopped: powered off\$" "the victim ended by its own power-off"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
finish
