#!/usr/bin/env bash
# argonctl check gives the errors argon gives at boot, line for line, for
# every config of the suite that argon refuses at boot (the configs and
# machines of bad-config.sh, svm-smt-split.sh, nvme-pf-refused.sh and
# sriov-nic.sh, in
# configs/): each machine is booted twice, once with argon on the config,
# once with Linux (tests/images/boot-direct) running argonctl check on the
# same config and files.
#  - config: the configs argon refuses as a whole; the two lists of
#    FILE:LINE:COL errors must be the same. Two things in them are the
#    machine's view and not the config's, and are compared in a normal
#    form: the folder argon read the config from (argon: \EFI\BOOT\,
#    argonctl: the config's folder) and how many MiB of RAM are free (argon
#    counts its own; argonctl estimates from the firmware's memory map).
#  - nvme: the [nvme.NAME] tables the rig's NVMe controller cannot
#    satisfy; argon refuses them when it drives the PF ("argon: error:
#    MESSAGE"), argonctl check from what nvme-cli reads of the controller,
#    with the same MESSAGE at the table's pf key.
# Usage: argonctl-check.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR ARGONCTL config|nvme
set -euo pipefail
. "$(dirname "$0")/lib.sh"
efi=$1
guest=$2
images=$3
ctl=$4
mode=$5
configs=$(cd "$(dirname "$0")/configs" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/argon-argonctl-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

normal() { # the errors of a console log or argonctl's output, in normal form
	sed -n 's/^\(CHECK \)\{0,1\}\(argon\.conf:[0-9]*:[0-9]*: error: .*\)$/\2/p' "$1" |
		sed -E "s/(cannot read (kernel|initrd) ')[^']*[\\\\/]([^'\\\\/]*')/\\1\\3/" |
		sed -E 's/but [0-9]+ MiB are free/but N MiB are free/'
}

# The PF's refusal, argon's line or argonctl's.
nvme_refusals() {
	sed -n -e 's/^argon: error: \(0000:00:02\.0: .*\)$/\1/p' \
		-e 's/^CHECK argon\.conf:2:6: error: \(0000:00:02\.0: .*\)$/\1/p' "$1"
}

# Quiet; no check of the timer through the IOAPIC, which fails now and then
# on a loaded host under TCG ("timer doesn't work through Interrupt-remapped
# IO-APIC") and argonctl does not need; a panic ends the run at once.
linux_args="loglevel=1 no_timer_check panic=-1"
if [ "$mode" = config ]; then
	cases=(bad-config smt-split nvme-pf-machine sriov-bad sriov-igb-limits)
	# Linux's nvme driver and PCIe port services stay off: on the NVMe
	# controller behind the IOMMU-bypassing host bridge of bad-config's
	# machine they hang Linux 6.1 (MSI-X setup fails, INTx is never
	# acknowledged), and argonctl check needs neither.
	append="$linux_args initcall_blacklist=nvme_init pcie_ports=compat"
	errors=normal
else
	cases=(nvme-pf-vqfrsm nvme-pf-vifrsm nvme-pf-totalvfs nvme-pf-nsmissing)
	append=$linux_args
	errors=nvme_refusals
fi
for case in "${cases[@]}"; do
	mapfile -t machine < <(machine_args "$configs/$case.machine")
	# argon
	esp=$(new_esp "$efi" "$guest" <"$configs/$case.conf")
	boot "$esp" "$work/$case.argon.log" --timeout 120 "${machine[@]}" ||
		fail "$case: argon's machine did not power off by itself"
	rm -rf "$esp"
	# Linux and argonctl on the same machine, RAM and files
	mkdir -p "$work/$case.stage"
	cp "$configs/$case.conf" "$work/$case.stage/argon.conf"
	cp "$guest" "$work/$case.stage/"
	cat >"$work/$case.stage/run" <<'RUN'
#!/bin/sh
cd /argonctl
./argonctl check argon.conf >out.txt 2>err.txt
rc=$?
sed 's/^/CHECK /' out.txt
sed 's/^/CHECK-STDERR /' err.txt
echo "CHECK-RC $rc"
RUN
	chmod +x "$work/$case.stage/run"
	argonctl_in_linux "$images" "$ctl" "$work/$case.stage" "$work/$case.linux.log" \
		--timeout 180 --mem 8G --append "$append" "${machine[@]}" ||
		fail "$case: Linux's machine did not power off by itself"
	expect "$work/$case.linux.log" '^ARGON-TEST argonctl end rc=0$' "$case: argonctl ran in Linux"
	expect "$work/$case.linux.log" '^CHECK-RC 1$' "$case: argonctl check exits 1 (argon would start no guest)"
	"$errors" "$work/$case.argon.log" >"$work/$case.argon.txt"
	"$errors" "$work/$case.linux.log" >"$work/$case.argonctl.txt"
	n=$(wc -l <"$work/$case.argon.txt")
	[ "$n" -gt 0 ] || fail "$case: argon reported no error"
	if diff "$work/$case.argon.txt" "$work/$case.argonctl.txt" >"$work/$case.diff"; then
		echo "$case: argonctl check gives argon's $n errors, line for line"
	else
		fail "$case: argonctl check's errors differ from argon's (< argon, > argonctl):"
		cat "$work/$case.diff" >&2
	fi
done
finish
