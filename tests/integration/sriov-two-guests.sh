#!/usr/bin/env bash
# Two Linux guests from one config, each given one NVMe VF that argon
# created from [nvme.disk0] on the rig's SR-IOV controller (00:02.0): guest
# alpha VF 1 with namespace 1, guest beta VF 2 with namespace 2. Each sees
# one NVMe controller with its own namespace alone, Linux's nvme driver
# binds with MSI-X, and both run fio 4 KiB random writes and reads verified
# with crc32c at the same time (each waits for a line typed on its
# console, and the test types them once both wait), clean. argon's exit counters, read by each
# guest around 5 s of idle and around its fio runs, show no exits per I/O.
# alpha writes a marker into its namespace; beta searches its whole
# namespace for it after alpha wrote it and does not find it, while alpha
# finds it on its own after dropping its caches. argon's boot report (JSON
# lines, parsed with jq) names for each guest the controller id and the
# namespace that the guest itself reads from its controller.
# Usage: sriov-two-guests.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

marker="vfs-$$-$RANDOM"
esp=$(linux_esp "$1" "$3" <<CONF
[nvme.disk0]
pf = "0000:00:02.0"
vfs = 2
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1, 2]

[guest.alpha]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [1]
devices = ["0000:00:02.0/vf1"]
cmdline = "console=ttyS0 quiet argon.test=passthrough argon.idle_s=5 argon.fio_mb=24 argon.marker=$marker argon.marker_write=1 argon.fio_go=1"

[guest.beta]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [2]
devices = ["0000:00:02.0/vf2"]
cmdline = "console=ttyS0 quiet argon.test=passthrough argon.idle_s=5 argon.fio_mb=24 argon.marker=$marker argon.fio_go=1"
CONF
)
# Outside the ESP folder, which qemu-run copies whole.
keys=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/argon-console.XXXXXX")
trap 'rm -rf "$esp" "$keys" "$log"' EXIT

boot_typed "$esp" "$log" "$keys" --timeout 600 --smp 3
# Both guests at the start line, then "go" to alpha (the input focus at
# first) and, after Ctrl-A three times, to beta.
if wait_line "$log" "^\[alpha\] ARGON-TEST pt_fio_wait\$" 400 &&
	wait_line "$log" "^\[beta\] ARGON-TEST pt_fio_wait\$" 400; then
	type_keys 'go\r'
	wait_line "$log" "^\[alpha\] ARGON-TEST pt_fio_go\$" 60 || true
	type_keys '\001\001\001'
	wait_line "$log" "^argon: console input goes to 'beta'" 30 || true
	type_keys 'go\r'
fi
rc=0
wait_boot || rc=$?
[ "$rc" -eq 0 ] || fail "machine did not power off by itself (qemu-run exit $rc)"

# The boot report: one JSON object per assigned function.
json=$(grep '^{"argon":"assigned-function"' "$log" || true)
[ "$(printf '%s\n' "$json" | grep -c .)" -eq 2 ] || fail "want 2 assigned-function JSON lines"
printf '%s\n' "$json" | jq -e . >/dev/null || fail "the boot report's JSON lines do not parse"

# exits_bound GUEST: prints the guest's exit rates, fails when fio's I/Os
# cost exits or nested page faults (the bounds of passthrough-linux-nvme).
exits_bound() {
	local g=$1 report extra npf ios irqs idle_s fio_s
	counts() { sed -n "s/^\[$g\] ARGON-TEST pt_exits_$1 //p" "$log" | tail -n1; }
	idle_s=$(sed -n "s/^\[$g\] ARGON-TEST pt_idle_seconds=//p" "$log")
	fio_s=$(sed -n "s/^\[$g\] ARGON-TEST pt_fio_seconds=//p" "$log")
	read -r ios irqs < <(sed -n "s/^\[$g\] ARGON-TEST pt_fio_ios=\([0-9]*\) pt_fio_irqs=\([0-9]*\)/\1 \2/p" "$log")
	for w in idle_before idle_after fio_before fio_after; do
		[[ "$(counts $w)" == cpuid=* ]] || { fail "$g: no exit counters in pt_exits_$w"; return; }
	done
	report=$(awk -v ib="$(counts idle_before)" -v ia="$(counts idle_after)" \
		-v fb="$(counts fio_before)" -v fa="$(counts fio_after)" \
		-v is="$idle_s" -v fs="$fio_s" -v ios="$ios" -v g="$g" '
		function parse(s, out,   n, i, kv) { n = split(s, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); out[p[1]] = p[2]; order[i] = p[1] } return n }
		BEGIN {
			n = parse(ib, b1); parse(ia, a1); parse(fb, b2); parse(fa, a2)
			printf "%s: %-12s %12s %12s\n", g, "exit kind", "idle /s", "fio /s"
			for (i = 1; i <= n; i++) {
				k = order[i]; di = a1[k] - b1[k]; df = a2[k] - b2[k]
				ti += di; tf += df
				if (di || df) printf "%s: %-12s %12.1f %12.1f\n", g, k, di / is, df / fs
			}
			printf "%s: %-12s %12.1f %12.1f\n", g, "total", ti / is, tf / fs
			extra = tf - ti / is * fs
			printf "%s: fio: %d I/Os in %.2f s (%.0f IOPS), %d exits (%.4f per I/O), %.0f beyond the idle rate (%.4f per I/O), %d nested page faults\n", g, ios, fs, ios / fs, tf, tf / ios, extra, extra / ios, a2["npf"] - b2["npf"]
			printf "BOUND %.0f %d\n", extra, a2["npf"] - b2["npf"]
		}')
	printf '%s\n' "$report" | grep -v '^BOUND '
	read -r extra npf < <(printf '%s\n' "$report" | sed -n 's/^BOUND //p')
	[ "${ios:-0}" -ge 4096 ] || fail "$g: fio did only ${ios:-0} I/Os"
	[ $((${irqs:-0} * 2)) -ge "${ios:-0}" ] || fail "$g: ${irqs:-0} nvme interrupts for ${ios:-0} I/Os"
	[ $((extra * 10)) -lt "${ios:-0}" ] ||
		fail "$g: $extra exits beyond the idle rate during $ios I/Os (bound: 1 per 10 I/Os)"
	[ $((npf * 100)) -lt "${ios:-0}" ] ||
		fail "$g: $npf nested page faults during $ios I/Os (bound: 1 per 100 I/Os)"
}

vf=1
for g in alpha beta; do
	ns_conf=$vf
	expect "$log" "^argon: 0000:00:02.0: VF $vf is 0000:00:02.$vf, controller $vf, 4 queues, 2 vectors, namespace $ns_conf\$" \
		"$g: VF $vf created"
	expect "$log" "^\[$g\] ARGON-TEST pt_nvme bdf=0000:00:[0-9a-f]{2}\.0 id=0x1b36:0x0010 driver=nvme\$" \
		"$g: sees its VF with the ids argon synthesized, bound to Linux's nvme driver"
	read -r n_msix n_msi <<<"$(sed -n "s/^\[$g\] ARGON-TEST pt_msi_irqs msix=\([0-9]*\) msi=\([0-9]*\).*/\1 \2/p" "$log")"
	[ "${n_msix:-0}" -ge 2 ] && [ "${n_msi:-1}" -eq 0 ] || fail "$g: vectors are not MSI-X (msix=$n_msix msi=$n_msi)"
	# What the guest reads from its controller, and what argon reported.
	read -r cntlid nsid nslist <<<"$(sed -n "s/^\[$g\] ARGON-TEST pt_ident cntlid=\([0-9]*\) nsid=\([0-9]*\) namespaces=\(.*\)/\1 \2 \3/p" "$log")"
	[ "${nslist:-}" = "nvme0n1," ] || fail "$g: sees namespaces '${nslist:-}', want exactly one"
	expect "$log" "^\[$g\] ARGON-TEST pt_label=argon-nvme_ns$ns_conf\$" \
		"$g: block 0 of its namespace holds the rig's label of namespace $ns_conf"
	[ "${cntlid:-x}" = "$vf" ] && [ "${nsid:-x}" = "$ns_conf" ] ||
		fail "$g: its controller says cntlid=${cntlid:-?} nsid=${nsid:-?}, want $vf and $ns_conf"
	rep=$(printf '%s\n' "$json" | jq -r --arg g "$g" \
		'select(.guest == $g) | "\(.host) \(.pf) \(.vf) \(.vendor):\(.device) \(.present) \(.flr) \(.msix.alone_on_page) \(.irq_remap) \(.iommu != null) \(.nvme.cntlid) \(.nvme.nsid) \(.nvme.queues) \(.nvme.vectors) \(.msix.entries)"')
	[ "$rep" = "0000:00:02.$vf 0000:00:02.0 $vf 1b36:0010 true true true true true $cntlid $nsid 4 2 2" ] ||
		fail "$g: the JSON boot report says '$rep', the guest sees cntlid $cntlid nsid $nsid"
	for rw in randwrite randread; do
		expect "$log" "^\[$g\] ARGON-TEST pt_fio rw=$rw result=ok error=0 " "$g: fio $rw with crc32c ran clean"
	done
	[ "$failures" -eq 0 ] && exits_bound "$g"
	expect "$log" "^\[$g\] ARGON-TEST end passthrough\$" "$g: the scenario ran to its end"
	expect "$log" "^argon: guest '$g' stopped: powered off\$" "$g: powered off"
	expect "$log" "^argon: 0000:00:02.0: VF $vf: controller $vf offline, its 4 queues and 2 vectors back with the primary\$" \
		"$g: its VF's controller offline and its resources reclaimed after the stop"
	vf=$((vf + 1))
done

# At the same time: both started fio before either finished it.
order=$(grep -nE "^\[(alpha|beta)\] ARGON-TEST pt_exits_fio_(before|after) " "$log" | sed 's/^\([0-9]*\):\[\([a-z]*\)\] ARGON-TEST pt_exits_fio_\([a-z]*\) .*/\2-\3/' | tr '\n' ' ')
case $order in
"alpha-before beta-before "* | "beta-before alpha-before "*) ;;
*) fail "the two fio runs did not overlap (order: $order)" ;;
esac

# Isolation by content: alpha's marker is in alpha's namespace only.
expect "$log" "^\[alpha\] ARGON-TEST pt_marker_written at=28MiB\$" "alpha wrote its marker"
expect "$log" "^\[alpha\] ARGON-TEST pt_marker_after found=1\$" "alpha reads its marker back from the device"
expect "$log" "^\[beta\] ARGON-TEST pt_marker_before found=0\$" "beta's namespace does not hold it at boot"
expect "$log" "^\[beta\] ARGON-TEST pt_marker_after found=0\$" "beta's namespace does not hold it after alpha wrote it"
w=$(grep -n "^\[alpha\] ARGON-TEST pt_marker_written" "$log" | head -n1 | cut -d: -f1)
r=$(grep -n "^\[beta\] ARGON-TEST pt_marker_after" "$log" | head -n1 | cut -d: -f1)
[ -n "$w" ] && [ -n "$r" ] && [ "$w" -lt "$r" ] || fail "beta did not search after alpha wrote (lines ${w:-?} ${r:-?})"
expect_not "$log" "^argon: (error|warning): " "no error or warning from argon"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ended"
finish
