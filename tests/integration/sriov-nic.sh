#!/usr/bin/env bash
# Network VFs from argon's igb PF driver: one config gives the rig's Intel
# 82576 (qemu-run --igb 05) two VFs ([sriov.nic0]), VF 1 to guest alpha
# and VF 2 to guest beta, each a Linux (Debian's generic kernel, which has
# igbvf) with a shell on its console. Linux's igbvf binds each VF, gets
# the MAC argon gave it (the table's macs) through the PF/VF mailbox and
# brings the link up; beta's attempt to take alpha's MAC is refused and
# beta keeps its own; alpha takes 10.9.0.1, beta 10.9.0.2; beta pings
# alpha, resets itself (on_exit = "restart": argon resets the VF), brings
# the VF up again in its second boot, then fetches a 512 KiB file of random bytes from alpha's httpd,
# and both print its SHA-256: they must match; beta's exits during the
# copy, besides the CPUIDs of starting processes, stay below one per ten
# packets. The frames go from one VF to the other inside
# the card (the PF's own port reaches nothing). A second boot checks that
# bad [sriov.NAME] tables are refused at their line:column and that no
# guest starts then; a third that a PF the driver refuses at boot stops
# only the guest given its VF.
# Usage: sriov-nic.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

images=$3
esp=$(new_esp "$1" "$images/bzImage-amd64" "$images/initrd-nic.img" <<'CONF'
[sriov.nic0]
pf = "0000:00:05.0"
vfs = 2
macs = ["02:a1:00:00:00:01", "02:a1:00:00:00:02"]

[guest.alpha]
kernel = "bzImage-amd64"
initrd = "initrd-nic.img"
memory = "256M"
cpus = [1]
devices = ["0000:00:05.0/vf1"]
cmdline = "console=ttyS0 quiet argon.test=shell"

[guest.beta]
kernel = "bzImage-amd64"
initrd = "initrd-nic.img"
memory = "256M"
cpus = [2]
devices = ["0000:00:05.0/vf2"]
cmdline = "console=ttyS0 quiet argon.test=shell"
on_exit = "restart"
CONF
)
keys=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/argon-console.XXXXXX")
bad=
trap 'rm -rf "$esp" "$keys" "$log" ${bad:+"$bad"}' EXIT

# type_line TEXT: TEXT and Enter on the serial port, as it is.
type_line() {
	printf '%s\r' "$1" >&"$TYPE_FD"
}
# The tags are printed as "NIC%s" -TAG, so that the shell's echo of a
# command line never matches what the command prints.
# up IP: "NIC-DEV driver vendor device mac", the interface up with a static
# address, then "NIC-LINK" once the driver reports carrier.
up() {
	local c='printf "NIC%s %s %s %s %s\n" -DEV "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" "$(cat /sys/class/net/eth0/device/vendor)" "$(cat /sys/class/net/eth0/device/device)" "$(cat /sys/class/net/eth0/address)"; '
	c+="ip link set eth0 up; ip addr add $1/24 dev eth0; "
	c+='until [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]; do sleep 0.2; done; printf "NIC%s\n" -LINK'
	type_line "$c"
}

# wait_count LOG REGEX N SECONDS: like wait_line, for the N-th such line.
wait_count() {
	local end=$((SECONDS + $4))
	until [ "$(grep -Ec -- "$2" "$1")" -ge "$3" ]; do
		if [ $SECONDS -ge $end ] || ! kill -0 "$BOOT_PID" 2>/dev/null; then
			fail "no line $3 matching /$2/ within $4 s"
			return 1
		fi
		sleep 0.2
	done
}

boot_typed "$esp" "$log" "$keys" --timeout 600 --smp 3 --igb 05
# Typing goes to a shell once it shows its prompt (what is typed before
# may be lost while it sets its terminal up).
if wait_line "$log" '^\[alpha\] / # ' 300 && wait_line "$log" '^\[beta\] / # ' 300; then
	# alpha has the input focus first.
	up 10.9.0.1
	wait_line "$log" '^\[alpha\] NIC-LINK' 60 || true
	type_line 'mkdir -p /www; dd if=/dev/urandom of=/www/f bs=1024 count=512 2>/dev/null; httpd -p 8080 -h /www; printf "NIC%s %s\n" -SUM "$(sha256sum /www/f | cut -d" " -f1)"'
	wait_line "$log" '^\[alpha\] NIC-SUM ' 60 || true
	type_keys '\001\001\001'
	wait_line "$log" "^argon: console input goes to 'beta'" 30 || true
	# beta tries to take alpha's address: argon refuses, beta keeps its own.
	type_line 'ip link set eth0 address 02:a1:00:00:00:01; printf "NIC%s %s\n" -ADDR "$(cat /sys/class/net/eth0/address)"'
	wait_line "$log" '^\[beta\] NIC-ADDR ' 60 || true
	up 10.9.0.2
	wait_line "$log" '^\[beta\] NIC-LINK' 60 || true
	type_line 'printf "NIC%s %s\n" -PING "$(ping -c 4 -W 5 10.9.0.1 | grep "packets transmitted")"'
	wait_line "$log" '^\[beta\] NIC-PING ' 60 || true
	# beta resets itself with its VF running: argon resets the VF (FLR) and
	# the PF driver clears what beta had set; beta's second boot brings the
	# VF up again from scratch.
	prompts=$(grep -c '^\[beta\] / # ' "$log")
	type_line 'reboot -f'
	wait_count "$log" '^\[beta\] argon test shell' 2 300 || true
	wait_count "$log" '^\[beta\] / # ' $((prompts + 1)) 120 || true
	up 10.9.0.2
	wait_count "$log" '^\[beta\] NIC-LINK' 2 60 || true
	# The copy, with argon's exit counters and the interface's packet
	# counters read around it (nothing is printed meanwhile).
	type_line 's=/sys/class/net/eth0/statistics; a=$(argon-exits); r=$(cat $s/rx_packets); t=$(cat $s/tx_packets); timeout 60 wget -q -O /tmp/f http://10.9.0.1:8080/f; b=$(argon-exits); printf "NIC%s %s %s\n" -PKTS $(($(cat $s/rx_packets) - r)) $(($(cat $s/tx_packets) - t)); printf "NIC%s %s\n" -EXITS0 "$a" -EXITS1 "$b" -GOT "$(sha256sum /tmp/f | cut -d" " -f1)"; poweroff -f'
	wait_line "$log" '^\[beta\] NIC-GOT ' 120 || true
	type_keys '\001\001\001'
	wait_line "$log" "^argon: console input goes to 'alpha'" 30 || true
	type_line 'poweroff -f'
fi
rc=0
wait_boot || rc=$?
[ "$rc" -eq 0 ] || fail "machine did not power off by itself (qemu-run exit $rc)"
rm -rf "$esp"

expect "$log" '^argon: 0000:00:05.0: igb: 2 VFs in their own pools' "argon's igb driver set up the PF"
for g in alpha beta; do
	vf=1
	[ "$g" = alpha ] || vf=2
	expect "$log" "^argon: 0000:00:05.0: igb: VF $vf MAC 02:a1:00:00:00:0$vf \\(macs\\)\$" \
		"VF $vf gets the MAC that macs lists"
	expect "$log" "^\\[$g\\] NIC-DEV igbvf 0x8086 0x10ca 02:a1:00:00:00:0$vf\$" \
		"$g: igbvf drives VF $vf with the MAC argon gave it"
	expect "$log" "^argon: 0000:00:05.0: VF $vf reset: MAC 02:a1:00:00:00:0$vf" \
		"VF $vf reset through the mailbox"
	expect "$log" "^\\[$g\\] NIC-LINK" "$g: link up"
done
expect "$log" '^\[beta\] NIC-PING 4 packets transmitted, 4 packets received' "beta pings alpha"
expect "$log" "^argon: guest 'beta': restarting \\(boot 2\\)\$" "beta restarted"
[ "$(grep -c '^\[beta\] NIC-LINK' "$log")" -eq 2 ] || fail "beta: link up in both boots"
[ "$(grep -c '^\[beta\] NIC-DEV igbvf 0x8086 0x10ca 02:a1:00:00:00:02$' "$log")" -eq 2 ] ||
	fail "beta: igbvf with its MAC in both boots"
sum=$(sed -n 's/^\[alpha\] NIC-SUM \([0-9a-f]\{64\}\)$/\1/p' "$log")
got=$(sed -n 's/^\[beta\] NIC-GOT \([0-9a-f]\{64\}\)$/\1/p' "$log")
[ -n "$sum" ] || fail "alpha printed no checksum"
[ "$sum" = "$got" ] || fail "beta's copy has SHA-256 '$got', alpha's file '$sum'"

# beta's exits during the copy, by kind (the readings' own hypercalls
# aside), beside its packets: no exit per packet. CPUID is counted apart:
# each process that the measurement starts (cat, timeout, wget, the second
# reading) exits on the CPUIDs of its C library's start-up, whatever the
# network does.
read -r rx tx < <(sed -n 's/^\[beta\] NIC-PKTS \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$log")
e0=$(sed -n 's/^\[beta\] NIC-EXITS0 //p' "$log")
e1=$(sed -n 's/^\[beta\] NIC-EXITS1 //p' "$log")
if [[ "$e0" == cpuid=* && "$e1" == cpuid=* && -n "${rx:-}" ]]; then
	read -r cpuid exits detail < <(awk -v a="$e0" -v b="$e1" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			split(x[i], p, "="); split(y[i], q, "=")
			d = q[2] - p[2]
			if (p[1] == "cpuid") { c = d; continue }
			if (p[1] == "hypercall" || !d) continue
			t += d; s = s " " p[1] "=" d
		}
		print c + 0, t + 0, s
	}')
	echo "beta: copy of 512 KiB: $rx packets in, $tx out; $exits exits besides $cpuid CPUID:${detail:- none}"
	[ "$rx" -ge 350 ] || fail "beta received $rx packets for 512 KiB"
	[ "$((exits * 10))" -lt "$((rx + tx))" ] ||
		fail "beta: $exits exits for $((rx + tx)) packets (want fewer than 1 per 10)"
else
	fail "beta printed no exit or packet counters"
fi
expect "$log" '^\[beta\] NIC-ADDR 02:a1:00:00:00:02$' "beta keeps its own address"
expect "$log" '^argon: warning: 0000:00:05.0: VF 2: SET_MAC_ADDR refused: a VF keeps the MAC address argon gave it$' \
	"argon refused beta's attempt to take alpha's address"
expect_not "$log" '^argon: warning: 0000:00:05.0: VF 1: .* refused' "none of alpha's messages refused"
# On failure the refusals and beta's driver messages say who asked twice.
refusals=$(grep '^argon: warning: 0000:00:05.0: VF 2: .* refused' "$log" || true)
[ "$(grep -c . <<<"$refusals")" -eq 1 ] || {
	printf '%s\n' "$refusals" >&2
	grep -Ei '^\[beta\].*(igbvf|mailbox|mbx|reset|address)' "$log" >&2 || true
	fail "beta: one refusal, the address"
}

# Bad tables: refused at their position; no guest starts.
bad=$(mktemp -d "${TMPDIR:-/tmp}/argon-nic.XXXXXX")
esp=$(new_esp "$1" "$2" <"$(dirname "$0")/configs/sriov-bad.conf")
blog=$bad/errors.log
boot "$esp" "$blog" --timeout 120 --smp 3 --igb 05 >/dev/null ||
	fail "errors: machine did not power off by itself"
rm -rf "$esp"
expect "$blog" '^argon.conf:3:7: error: vfs = 9, but PCI function 0000:00:05.0 offers 8 VFs \(TotalVFs\)$' "vfs over TotalVFs"
expect "$blog" '^argon.conf:6:6: error: no PCI function 0000:00:07.0 on this machine$' "missing PF"
expect "$blog" "^argon.conf:10:6: error: PCI function 0000:00:02.0 is a PF of argon's nvme driver: configure it in \\[nvme.NAME\\]\$" "NVMe PF in [sriov.NAME]"
expect "$blog" '^argon.conf:14:6: error: PF 0000:00:05.0 is already managed by \[sriov.nic0\]$' "one PF in two tables"
expect "$blog" '^argon.conf:21:32: error: VF 0000:00:05.0/vf10 is not created \(\[sriov.nic0\] has vfs = 9\)$' "VF not created"
expect "$blog" "^argon.conf:28:12: error: VF 0000:00:05.0/vf1 is already assigned to guest 'alpha'\$" "VF given twice"
expect "$blog" '^argon.conf:28:32: error: VF 0000:00:08.0/vf1: no \[nvme.NAME\] or \[sriov.NAME\] table creates VFs of 0000:00:08.0$' "VF of no table"
expect "$blog" '^argon.conf:32:6: error: PCI function 0000:00:1f.2 has no SR-IOV capability \(class 010601\)$' "a PF without SR-IOV"
expect "$blog" '^argon: error: argon.conf has errors; no guest started$' "no guest started"
expect_not "$blog" '^\[(alpha|beta)\]' "no guest ran"

# More VFs than the driver drives (8: the card has 8, argon's igb driver
# offers 7) are refused by the config check, at vfs; and so is a PF whose
# driver polls from the console CPU when every CPU runs a guest.
esp=$(new_esp "$1" "$2" <"$(dirname "$0")/configs/sriov-igb-limits.conf")
rlog=$bad/refused.log
boot "$esp" "$rlog" --timeout 120 --smp 3 --igb 05 >/dev/null ||
	fail "refused: machine did not power off by itself"
rm -rf "$esp"
expect "$rlog" "^argon.conf:3:7: error: vfs = 8, but argon's igb driver drives at most 7 VFs of PCI function 0000:00:05.0\$" \
	"the config check refuses 8 VFs at vfs"
expect "$rlog" "^argon.conf:2:6: error: PCI function 0000:00:05.0: its igb driver polls on the console CPU, but every CPU runs a guest\$" \
	"no console CPU for the igb driver's polling"
expect "$rlog" '^argon: error: argon.conf has errors; no guest started$' "refused: no guest started"
expect_not "$rlog" '^\[(alpha|beta)\]' "refused: no guest ran"
finish
