#!/usr/bin/env bash
# A Linux guest given a whole NVMe controller (0000:00:06.0, the rig's
# --nvme 06) sees it on its PCI bus, Linux's nvme driver binds with MSI-X,
# and fio's 4 KiB random writes and reads verified with crc32c run clean.
# argon's exit counters, read by the guest (argon-exits) around 5 s of
# idle sleep and around the fio runs, show that argon is not on the I/O
# path: the guest's own exits during fio stay far below one per I/O.
#
# The bounds: if anything on the I/O path trapped to argon (a submission or
# completion doorbell, the MSI-X delivery, an interrupt acknowledge), every
# I/O would cost at least one exit, so exits >= I/Os. The test allows one
# exit per 10 I/Os beyond what the guest's idle rate accounts for over the
# same seconds (what fio costs once, e.g. the CPUIDs of its start-up, fits
# in that room), and fails even if only a tenth of the I/Os trapped. Device
# registers that trap are nested page faults: those must stay below one per
# 100 I/Os.
# Usage: passthrough-linux-nvme.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$3/bzImage" "$3/initrd.img" <<'CONF'
[guest.disk]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [1]
devices = ["0000:00:06.0"]
cmdline = "console=ttyS0 quiet argon.test=passthrough argon.idle_s=5 argon.fio_mb=8"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 600 --smp 2 --nvme 06 ||
	fail "machine did not power off by itself (qemu-run exit $?)"

g=disk
expect "$log" "^\[$g\] ARGON-TEST pt_nvme bdf=0000:00:[0-9a-f]{2}\.0 id=0x1b36:0x0010 driver=nvme\$" \
	"the guest sees QEMU's NVMe controller on its bus, bound to Linux's nvme driver"
msix=$(sed -n "s/^\[$g\] ARGON-TEST pt_msi_irqs msix=\([0-9]*\) msi=\([0-9]*\).*/\1 \2/p" "$log")
read -r n_msix n_msi <<<"${msix:-0 0}"
[ "$n_msix" -ge 2 ] && [ "$n_msi" -eq 0 ] ||
	fail "the driver's vectors are not MSI-X (msix=$n_msix msi=$n_msi): want admin + I/O queues"
# /proc/interrupts: nvme0q0 (admin) and at least one I/O queue, each an
# MSI-X vector of this function, and interrupts counted on them.
n_irq=$(grep -cE "^\[$g\] ARGON-TEST pt_irq [0-9]+: .*PCI-MSI.* nvme[0-9]+q[0-9]+\$" "$log" || true)
[ "$n_irq" -ge 2 ] || fail "fewer than 2 nvme queue interrupts in /proc/interrupts ($n_irq)"
for rw in randwrite randread; do
	expect "$log" "^\[$g\] ARGON-TEST pt_fio rw=$rw result=ok error=0 " "fio $rw with crc32c verification ran clean"
done

# Exit counters: per kind, after minus before.
counts() { # counts WHICH: "kind=N ..." of the pt_exits_WHICH line
	sed -n "s/^\[$g\] ARGON-TEST pt_exits_$1 //p" "$log" | tail -n1
}
idle_s=$(sed -n "s/^\[$g\] ARGON-TEST pt_idle_seconds=//p" "$log")
fio_s=$(sed -n "s/^\[$g\] ARGON-TEST pt_fio_seconds=//p" "$log")
read -r ios irqs < <(sed -n "s/^\[$g\] ARGON-TEST pt_fio_ios=\([0-9]*\) pt_fio_irqs=\([0-9]*\)/\1 \2/p" "$log")
for w in idle_before idle_after fio_before fio_after; do
	[[ "$(counts $w)" == cpuid=* ]] || fail "no exit counters in pt_exits_$w (argon-exits failed?)"
done
if [ "$failures" -eq 0 ]; then
	report=$(awk -v ib="$(counts idle_before)" -v ia="$(counts idle_after)" \
		-v fb="$(counts fio_before)" -v fa="$(counts fio_after)" \
		-v is="$idle_s" -v fs="$fio_s" -v ios="$ios" '
		function parse(s, out,   n, i, kv) { n = split(s, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); out[p[1]] = p[2]; order[i] = p[1] } return n }
		BEGIN {
			n = parse(ib, b1); parse(ia, a1); parse(fb, b2); parse(fa, a2)
			printf "%-12s %12s %12s\n", "exit kind", "idle /s", "fio /s"
			for (i = 1; i <= n; i++) {
				k = order[i]; di = a1[k] - b1[k]; df = a2[k] - b2[k]
				ti += di; tf += df
				if (di || df) printf "%-12s %12.1f %12.1f\n", k, di / is, df / fs
			}
			printf "%-12s %12.1f %12.1f\n", "total", ti / is, tf / fs
			extra = tf - ti / is * fs
			printf "fio: %d I/Os in %.2f s (%.0f IOPS), %d exits (%.4f per I/O), %.0f beyond the idle rate (%.4f per I/O), %d nested page faults\n", ios, fs, ios / fs, tf, tf / ios, extra, extra / ios, a2["npf"] - b2["npf"]
			printf "BOUND %.0f %d\n", extra, a2["npf"] - b2["npf"]
		}')
	printf '%s\n' "$report" | grep -v '^BOUND '
	read -r extra npf < <(printf '%s\n' "$report" | sed -n 's/^BOUND //p')
	[ "${ios:-0}" -ge 4096 ] || fail "fio did only ${ios:-0} I/Os (want 8 MiB written, verified and read again)"
	[ $((${irqs:-0} * 2)) -ge "${ios:-0}" ] || fail "${irqs:-0} nvme interrupts for ${ios:-0} I/Os: the driver did not run on interrupts"
	[ $((extra * 10)) -lt "${ios:-0}" ] ||
		fail "$extra exits beyond the idle rate during $ios I/Os: argon is on the I/O path (bound: 1 per 10 I/Os)"
	[ $((npf * 100)) -lt "${ios:-0}" ] ||
		fail "$npf nested page faults during $ios I/Os: device registers trap (bound: 1 per 100 I/Os)"
fi
expect "$log" "^\[$g\] ARGON-TEST end passthrough\$" "the scenario ran to its end"
expect "$log" "^argon: guest '$g' stopped: powered off\$" "the guest powered off"
finish
