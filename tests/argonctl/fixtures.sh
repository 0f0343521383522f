#!/usr/bin/env bash
# argonctl on captured machines (tests/fixtures/argonctl/README.md): the
# emulated SR-IOV server's `lspci -xxxx` and DMAR, and real devices' dumps
# with a real server's DMAR. What argonctl reads through libpci's dump
# method is checked against lspci's own decoding of the same dump (MSI-X,
# FLR, SR-IOV); verdicts against argon's rules for what the machines hold.
# Usage: fixtures.sh ARGONCTL SOURCE_DIR
set -euo pipefail
ctl=$1
src=$(cd "$2" && pwd)
uf=$src/tests/unit/fixtures
af=$src/tests/fixtures/argonctl
qemu_dump=$uf/lspci-q35-nvme-sriov.txt
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# lspci -vv's view of each function: "ADDR msix_count msix_bar msix_off flr
# total_vfs num_vfs vf_offset vf_stride vf_device" (- where absent).
lspci_view() {
	lspci -F "$1" -vv 2>/dev/null | awk '
		function hex(s, v, i) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		function out() { if (a != "") print a, c, b, o, f, t, n, vo, vs, vd }
		/^[0-9a-f]/ { out(); a = "0000:" $1; c = b = o = t = n = vo = vs = vd = "-"; f = "false"; devcap = 0; next }
		/MSI-X: Enable/ { match($0, /Count=[0-9]+/); c = substr($0, RSTART + 6, RLENGTH - 6) }
		/Vector table: BAR=/ { match($0, /BAR=[0-9]+/); b = substr($0, RSTART + 4, RLENGTH - 4)
			match($0, /offset=[0-9a-f]+/); o = hex(substr($0, RSTART + 7, RLENGTH - 7)) }
		/DevCap:/ { devcap = 1 }
		devcap && /FLReset\+/ { f = "true" }
		/DevCtl:/ { devcap = 0 }
		/Total VFs:/ { match($0, /Total VFs: [0-9]+/); t = substr($0, RSTART + 11, RLENGTH - 11)
			match($0, /Number of VFs: [0-9]+/); n = substr($0, RSTART + 15, RLENGTH - 15) }
		/VF offset:/ { match($0, /VF offset: [0-9]+/); vo = substr($0, RSTART + 11, RLENGTH - 11)
			match($0, /stride: [0-9]+/); vs = substr($0, RSTART + 8, RLENGTH - 8)
			match($0, /Device ID: [0-9a-f]+/); vd = substr($0, RSTART + 11, RLENGTH - 11) }
		END { out() }'
}
argonctl_view() { # the same from argonctl scan --json
	jq -r '[.host,
		(.msix.entries // "-"), (.msix.bar // "-"), (.msix.offset // "-"), .flr,
		(.sriov.total_vfs // "-"), (.sriov.num_vfs // "-"), (.sriov.offset // "-"),
		(.sriov.stride // "-"), (.sriov.vf_device // "-")] | map(tostring) | join(" ")' "$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for dump in "$qemu_dump" "$af"/lspci-*.txt; do
	name=${dump##*/}
	dmar=$uf/DMAR-supermicro-2s.xxd
	[ "$dump" != "$qemu_dump" ] || dmar=$uf/DMAR.xxd
	"$ctl" --pci-dump "$dump" --dmar "$dmar" scan --json >"$tmp/scan.json" ||
		fail "$name: scan --json exits 0"
	check "$name: scan --json is one JSON object per function" jq -e . "$tmp/scan.json" >/dev/null
	[ "$(lspci -F "$dump" 2>/dev/null | grep -c '^[0-9a-f]')" -gt 0 ] || fail "$name: lspci reads the dump"
	lspci_view "$dump" >"$tmp/lspci.txt"
	argonctl_view "$tmp/scan.json" | sort >"$tmp/argonctl.txt"
	sort -o "$tmp/lspci.txt" "$tmp/lspci.txt"
	if diff "$tmp/lspci.txt" "$tmp/argonctl.txt" >"$tmp/diff"; then
		pass "$name: functions, MSI-X, FLR and SR-IOV as lspci decodes them ($(wc -l <"$tmp/lspci.txt") functions)"
	else
		fail "$name: functions, MSI-X, FLR and SR-IOV differ from lspci's:"
		cat "$tmp/diff"
	fi
	"$ctl" --pci-dump "$dump" --dmar "$dmar" scan >"$tmp/scan.txt" || fail "$name: scan exits 0"
	check "$name: the table ends with the count of functions" \
		grep -q "^$(jq -s length "$tmp/scan.json") function(s), $(jq -s '[.[] | select(.assignable)] | length' "$tmp/scan.json") assignable by argon" "$tmp/scan.txt"
done

# The emulated server (../shared/fixtures/qemu-q35-vtd-nvme-sriov/README.md:
# q35, intel-iommu listing the bus-0 functions, an SR-IOV NVMe controller at
# 00:03.0 with VFs 1 and 2 enabled at 00:03.1 and 00:03.2).
"$ctl" --pci-dump "$qemu_dump" --dmar "$uf/DMAR.xxd" scan --json >"$tmp/q.json"
sel() { jq -c --arg h "$1" "select(.host == \$h) | $2" "$tmp/q.json"; }
check "every function is covered by the one unit at 0xfed90000" \
	test "$(jq -r '.iommu.base' "$tmp/q.json" | sort -u)" = 0xfed90000
check "the host bridge is refused as argon refuses it" \
	test "$(sel 0000:00:00.0 '.why[0]')" = '"PCI function 0000:00:00.0 is a host bridge (class 060000): bridges cannot be assigned"'
check "the ISA bridge is refused" \
	test "$(sel 0000:00:1f.0 '.assignable')" = false
check "the VGA device has no reset argon trusts" \
	test "$(sel 0000:00:01.0 '.why[0]')" = '"PCI function 0000:00:01.0 cannot be reset (no FLR, no D3hot->D0 reset): it cannot be assigned"'
check "the SATA and SMBus functions of one device without ACS go together or not at all" \
	grep -q 'shares a device without ACS with 0000:00:1f.3' <<<"$(sel 0000:00:1f.2 '.why')"
check "the NVMe PF is assignable, reset by FLR" \
	test "$(sel 0000:00:03.0 '[.assignable, .reset]')" = '[true,"FLR"]'
check "its two VFs are listed as VF 1 and 2 with the VF Device ID, assignable" \
	test "$(jq -c 'select(.vf != null) | [.host, .pf, .vf, .vendor, .device, .assignable]' "$tmp/q.json" | tr -d '\n')" = \
	'["0000:00:03.1","0000:00:03.0",1,"1b36","0010",true]["0000:00:03.2","0000:00:03.0",2,"1b36","0010",true]'
"$ctl" --pci-dump "$qemu_dump" --dmar "$uf/DMAR.xxd" scan >"$tmp/q.txt"
check "the table names each function's unit and verdict" \
	test "$(grep -A1 '^0000:00:03.0 ' "$tmp/q.txt" | tail -n1)" = \
	"    reset FLR, MSI-X 5 in BAR0 at 0x2000 (PBA BAR0 at 0x3000), IOMMU unit 0 at 0xfed90000"
check "the table gives argon's reason for the host bridge" \
	grep -qx '    NOT assignable: PCI function 0000:00:00.0 is a host bridge (class 060000): bridges cannot be assigned' "$tmp/q.txt"
check "without a DMAR, coverage is said to be unknown" \
	grep -q 'IOMMU coverage not checked: no DMAR given' <<<"$("$ctl" --pci-dump "$qemu_dump" scan)"

# check, offline, on the emulated server: argon's errors at argon's places.
cat >"$tmp/argon.conf" <<'CONF'
[guest.a]
kernel = "k.elf"
memory = "64M"
cpus = [0]
devices = ["00:03.0"]

[guest.b]
kernel = "missing.elf"
memory = "64M"
cpus = [4]
devices = ["00:00.0", "00:1f.2"]
CONF
: >"$tmp/k.elf"
set +e
(cd "$tmp" && "$ctl" --pci-dump "$qemu_dump" --dmar "$uf/DMAR.xxd" --cpus 4 --memory 1G check argon.conf) >"$tmp/check.txt" 2>"$tmp/check.err"
rc=$?
set -e
check "check exits 1 on a config argon would refuse" test $rc -eq 1
expected="argon.conf:8:10: error: cannot read kernel 'missing.elf': not found
argon.conf:10:9: error: CPU 4 does not exist (this machine has CPUs 0-3)
argon.conf:11:12: error: PCI function 0000:00:00.0 is a host bridge (class 060000): bridges cannot be assigned
argon.conf:11:23: error: PCI function 0000:00:1f.2 cannot be reset (no FLR, no D3hot->D0 reset): it cannot be assigned
argon.conf:11:23: error: PCI function 0000:00:1f.2 shares a device without ACS with 0000:00:1f.3, which no guest has (peer-to-peer DMA)"
if [ "$(cat "$tmp/check.txt")" = "$expected" ]; then pass "check prints argon's errors, in file order"; else
	fail "check's errors:"; cat "$tmp/check.txt"; fi
sed -i '/^\[guest.b\]/,$d' "$tmp/argon.conf"
set +e
(cd "$tmp" && "$ctl" --pci-dump "$qemu_dump" --dmar "$uf/DMAR.xxd" --cpus 4 --memory 1G check argon.conf) >"$tmp/check.txt" 2>&1
rc=$?
set -e
check "check exits 0 when argon would start every guest" test $rc -eq 0

# dmar on the real server's table (tests/unit/fixtures/README.md: ten units,
# one with INCLUDE_PCI_ALL, two RMRRs of the xHCI controller 00:14.0, one ATSR).
"$ctl" dmar "$uf/DMAR-supermicro-2s.xxd" >"$tmp/dmar.txt"
check "dmar lists the ten units" test "$(grep -c '^  unit ' "$tmp/dmar.txt")" -eq 10
check "one unit takes every function not listed elsewhere" test "$(grep -c 'INCLUDE_PCI_ALL' "$tmp/dmar.txt")" -eq 1
check "two RMRRs, both of 00:14.0" test "$(grep -A1 RMRR "$tmp/dmar.txt" | grep -c 'endpoint    bus 00 path 14.0')" -eq 2
check "one ATSR" test "$(grep -c '^  ATS root ports' "$tmp/dmar.txt")" -eq 1
[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
