#!/usr/bin/env bash
# argonctl scan --json and argonctl check in Linux booted directly on the
# emulated SR-IOV server agree with argon booted on the same machine: the
# same PCI functions as argon's boot table, and for each function argon
# assigns (VF 1 of the SR-IOV NVMe PF, which argon creates from
# [nvme.disk0], and the whole NVMe controller at 00:06.0) the same verdict
# (assignable) and the same facts argon's JSON boot report gives: ids,
# class, BAR sizes, MSI-X table and whether it is alone on its page, FLR,
# reset method, IOMMU unit. In Linux the VFs are made as argon makes them
# (NumVFs 2; 4 queues and 2 vectors to each secondary controller, online),
# with nvme-cli. BAR addresses are not compared: the firmware differs
# (OVMF under argon, SeaBIOS for the direct boot) and places them
# elsewhere.
# Usage: argonctl-scan.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR ARGONCTL
set -euo pipefail
. "$(dirname "$0")/lib.sh"
efi=$1
guest=$2
images=$3
ctl=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/argon-argonctl-scan.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/argon.conf" <<'CONF'
[guest.alpha]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["0000:00:02.0/vf1"]

[guest.beta]
kernel = "testguest.elf"
memory = "64M"
cpus = [2]
devices = ["00:06.0"]

[nvme.disk0]
pf = "00:02.0"
vfs = 2
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1, 2]
CONF

# argon
esp=$(new_esp "$efi" "$guest" <"$work/argon.conf")
boot "$esp" "$work/argon.log" --timeout 180 --smp 3 --nvme 06 ||
	fail "argon's machine did not power off by itself (qemu-run exit $?)"
rm -rf "$esp"
grep '^{"argon":"assigned-function"' "$work/argon.log" >"$work/report.json" || true
[ "$(wc -l <"$work/report.json")" -eq 2 ] || fail "argon reported 2 assigned functions"
jq -e . "$work/report.json" >/dev/null || fail "argon's boot report parses"

# Linux and argonctl (no_timer_check and panic=-1: see argonctl-check.sh)
mkdir -p "$work/stage"
cp "$work/argon.conf" "$guest" "$work/stage/"
cat >"$work/stage/run" <<'RUN'
#!/bin/sh
cd /argonctl
pf=/sys/bus/pci/devices/0000:00:02.0
# The VFs as argon makes them, without Linux's nvme driver on them.
echo 0 >$pf/sriov_drivers_autoprobe
echo 2 >$pf/sriov_numvfs
dev=/dev/$(ls $pf/nvme)
for c in 1 2; do
	nvme virt-mgmt $dev -c $c -r 0 -a 8 -n 4 >/dev/null
	nvme virt-mgmt $dev -c $c -r 1 -a 8 -n 2 >/dev/null
	nvme virt-mgmt $dev -c $c -a 9 >/dev/null
done
./argonctl scan --json >scan.txt 2>&1
echo "SCAN-RC $?"
sed 's/^/SCAN /' scan.txt
./argonctl check argon.conf >check.txt 2>&1
echo "CHECK-RC $?"
sed 's/^/CHECK /' check.txt
RUN
chmod +x "$work/stage/run"
: >"$work/disk06.img"
truncate -s 1M "$work/disk06.img"
argonctl_in_linux "$images" "$ctl" "$work/stage" "$work/linux.log" --timeout 180 --smp 3 \
	--mem 8G --append "loglevel=1 no_timer_check panic=-1" --nvme-disk 06 "$work/disk06.img" ||
	fail "Linux's machine did not power off by itself"
expect "$work/linux.log" '^SCAN-RC 0$' "argonctl scan --json exits 0"
sed -n 's/^SCAN //p' "$work/linux.log" >"$work/scan.json"
jq -e . "$work/scan.json" >/dev/null || fail "argonctl's JSON parses"

# The same functions as argon's PCI table (argon prints it before it
# creates any VF).
sed -n 's/^argon: pci: \([0-9a-f]\{4\}:[0-9a-f:.]*\) .*/\1/p' "$work/argon.log" | sort >"$work/argon.fns"
jq -r 'select(.vf == null) | .host' "$work/scan.json" | sort >"$work/argonctl.fns"
[ -s "$work/argon.fns" ] || fail "argon printed its PCI table"
diff "$work/argon.fns" "$work/argonctl.fns" >&2 ||
	fail "argonctl's functions are not argon's (< argon, > argonctl)"

# The same facts and verdicts for what argon assigned.
facts='[.host, .pf, .vf, .vendor, .device, .class, ([.bars[] | [.bar, .size, ."64bit", .prefetch]]),
	(.msix | if . then [.entries, .bar, .offset, .alone_on_page] else null end), .flr, .reset,
	.iommu]'
while read -r line; do
	host=$(jq -r .host <<<"$line")
	a=$(jq -c "$facts" <<<"$line")
	c=$(jq -c --arg h "$host" "select(.host == \$h) | $facts" "$work/scan.json")
	v=$(jq -r --arg h "$host" 'select(.host == $h) | .assignable' "$work/scan.json")
	if [ "$a" = "$c" ]; then
		echo "$host: argonctl shows what argon's report shows: $a"
	else
		fail "$host: argon's report $a, argonctl $c"
	fi
	[ "$v" = true ] || fail "$host: argon assigned it, argonctl's verdict is '$v'"
done <"$work/report.json"
# And a function argon refuses in bad-config.sh is refused here too.
[ "$(jq -r 'select(.host == "0000:00:1f.0") | .why[0]' "$work/scan.json")" = \
	"PCI function 0000:00:1f.0 is an ISA bridge (class 060100): bridges cannot be assigned" ] ||
	fail "the ISA bridge is refused with argon's words"

# check: argon started every guest, so argonctl check says it would.
expect "$work/argon.log" "^argon: guest 'alpha': 00:01.0 is 0000:00:02.0/vf1" "argon gave VF 1 to alpha"
expect "$work/argon.log" "^argon: guest 'beta': 00:01.0 is 0000:00:06.0" "argon gave 00:06.0 to beta"
expect_not "$work/argon.log" '^argon.conf:' "argon found no error in the config"
expect "$work/linux.log" '^CHECK-RC 0$' "argonctl check exits 0: argon would start every guest"
expect "$work/linux.log" '^CHECK argonctl: argon.conf: argon would start every guest \(2\)$' \
	"argonctl check says so"
expect_not "$work/linux.log" '^CHECK .*not checked' "the NVMe PF's resources were checked through nvme-cli"
finish
