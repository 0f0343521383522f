#!/usr/bin/env bash
# Interrupt escape: the test guest "attacker" owns a whole NVMe controller
# (0000:00:06.0) and programs its MSI-X entry 0 with messages to the guest
# "victim"'s APIC id, to the broadcast id, and with NMI (to itself and to
# the victim), SMI, INIT and ExtINT delivery, each followed by an I/O
# completion that makes the device send it; entry 1 keeps a message to the
# victim. argon must refuse each (one log line per refusal), nothing may
# arrive at the attacker, and the victim must see no interrupt at all.
# Then a message to the attacker's own core must arrive after a
# completion. Twice (after the refused ones, after its own) the attacker
# waits for a typed line while the test reads the device's physical MSI-X
# table through QEMU's monitor: every entry must be masked and empty or
# hold a remappable-format message (QEMU would deliver a compatibility-
# format one whatever the IOMMU says, so only the table tells).
# Usage: passthrough-irq-escape.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The attacker is first: it has the console's input focus.
esp=$(new_esp "$1" "$2" <<'CONF'
[guest.attacker]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["0000:00:06.0"]
cmdline = "testguest.mode=irq-escape testguest.victim=2"

[guest.victim]
kernel = "testguest.elf"
memory = "64M"
cpus = [2]
cmdline = "testguest.mode=victim testguest.secs=25"
CONF
)
# Outside the ESP folder, which qemu-run copies whole.
keys=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/argon-console.XXXXXX")
mon=$(mktemp -u "${TMPDIR:-/tmp}/argon-monitor.XXXXXX")
trap 'rm -rf "$esp" "$keys" "$log" "$mon".*' EXIT

monitor_open "$mon"
boot_typed "$esp" "$log" "$keys" --timeout 150 --smp 3 --nvme 06 --monitor "$mon"

# The physical MSI-X table of 00:06.0, from outside: BAR0 from `info pci`,
# the msix-table region inside it from `info mtree`, its dwords from `xp`.
table_addr=
table_entries=
find_table() {
	local bar0 mtree line
	bar0=$(monitor_cmd "info pci" | tr -d '\r' |
		awk '/^  Bus  0, device   6, function 0:/ { dev = 1; next } /^  Bus / { dev = 0 }
			dev && /BAR0: .*memory at/ { for (i = 1; i <= NF; i++) if ($i == "at") { print $(i + 1); exit } }')
	[ -n "$bar0" ] || { fail "no BAR0 of 00:06.0 in QEMU's 'info pci'"; return 1; }
	mtree=$(monitor_cmd "info mtree")
	# "    00000000c0000000-00000000c0003fff (prio 1, i/o): nvme-bar0" and
	# below it "      00000000c0002000-00000000c000240f (prio 0, i/o): msix-table"
	line=$(printf '%s\n' "$mtree" | awk -v bar=$((bar0)) '
		function hex(s,   n, i, c) { n = 0; s = tolower(s); for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)); n = n * 16 + c - 1 } return n }
		$NF == "msix-table" { split($1, r, "-"); lo = hex(r[1]); hi = hex(r[2]); if (lo >= bar && lo < bar + 16777216) { printf "%.0f %.0f\n", lo, hi - lo + 1; exit } }')
	[ -n "$line" ] || { fail "no msix-table region inside BAR0 $bar0 in QEMU's 'info mtree'"; return 1; }
	read -r table_addr table_bytes <<<"$line"
	table_entries=$((table_bytes / 16))
	echo "physical MSI-X table of 00:06.0: BAR0 $bar0, table at $(printf 0x%x "$table_addr"), $table_entries entries"
}

# check_table WHEN: every entry of the physical table is masked and empty
# or holds a remappable-format message; prints the entries in use. Sets
# ENTRY0 to entry 0 as "addr data ctrl".
check_table() {
	local when=$1 words
	words=$(monitor_cmd "xp /$((table_entries * 4))wx $table_addr" |
		sed -n 's/^[0-9a-f]*: *//p' | tr -s ' \n' '\n\n' | grep '^0x')
	[ "$(printf '%s\n' "$words" | wc -l)" -eq $((table_entries * 4)) ] ||
		{ fail "$when: could not read the $table_entries entries of the physical table"; return 1; }
	ENTRY0=
	local -a w
	mapfile -t w <<<"$words"
	for ((i = 0; i < table_entries; i++)); do
		local lo=$((w[4 * i])) hi=$((w[4 * i + 1])) data=$((w[4 * i + 2])) ctrl=$((w[4 * i + 3]))
		[ "$i" -eq 0 ] && ENTRY0="$(printf '0x%x 0x%x 0x%x' "$lo" "$data" "$ctrl")"
		if [ "$lo" -eq 0 ] && [ "$hi" -eq 0 ] && [ "$data" -eq 0 ] && [ $((ctrl & 1)) -eq 1 ]; then
			continue
		fi
		printf '%s: physical entry %d: address 0x%08x%08x data 0x%x control 0x%x\n' \
			"$when" "$i" "$hi" "$lo" "$data" "$ctrl"
		# remappable: 0xFEExxxxx with bit 4 (interrupt format) set
		if [ "$hi" -ne 0 ] || [ $((lo >> 20)) -ne $((0xFEE)) ] || [ $((lo & 0x10)) -eq 0 ]; then
			fail "$when: physical entry $i holds a message that is not in remappable format"
		fi
	done
}

if wait_line "$log" '^\[attacker\] ARGON-TEST irq-escape holding refused$' 90 && find_table; then
	check_table "after the refused messages"
	read -r _ _ e_ctrl <<<"$ENTRY0"
	[ $((e_ctrl & 1)) -eq 1 ] || fail "entry 0 is unmasked after a refused message (control $e_ctrl)"
	type_keys "go\r"
	if wait_line "$log" '^\[attacker\] ARGON-TEST irq-escape holding own-core$' 60; then
		check_table "with the attacker's own message"
		read -r e_addr _ e_ctrl <<<"$ENTRY0"
		[ $((e_ctrl & 1)) -eq 0 ] || fail "entry 0 is masked although the attacker's own message was taken"
		[ $((e_addr & 0x10)) -ne 0 ] || fail "entry 0 does not carry a remappable message: $ENTRY0"
		type_keys "go\r"
	fi
fi
rc=0
wait_boot || rc=$?
monitor_close
cat "$log"
[ "$rc" -eq 0 ] || fail "machine did not power off by itself (qemu-run exit $rc)"

expect "$log" '^argon: cpus 0-2: 0=0/[^ ]* 1=1/[^ ]* 2=2/' "the victim's CPU 2 has APIC id 2"
expect "$log" '^\[attacker\] ARGON-TEST irq-escape msix cap=0x[0-9a-f]+ entries=65 bir=0 ' \
	"the attacker found its MSI-X table"

for a in other-guest broadcast nmi-self nmi-other-guest smi-self init-self extint-self; do
	expect "$log" "^\[attacker\] PASS irq-escape-$a\$" "nothing arrived at the attacker for $a"
	expect "$log" "^\[attacker\] ARGON-TEST irq-escape attempt=$a .* delivered_here=0 nmis_here=0\$" \
		"the attacker counted nothing for $a"
done
n_refused=$(grep -cE "^argon: (warning: )?guest 'attacker': MSI-X 00:01\.0 entry [01]: .*; entry stays masked\$" "$log" || true)
# Seven attempts on entry 0 and the message on entry 1.
[ "$n_refused" -ge 8 ] || fail "argon logged $n_refused refusals, want one per refused message (8)"
for why in "destination APIC 0x2 is not this guest's" "destination APIC 0xff is not this guest's" \
	"delivery mode 4 " "delivery mode 2 " "delivery mode 5 " "delivery mode 7 "; do
	expect "$log" "^argon: (warning: )?guest 'attacker': MSI-X 00:01\.0 entry 0: $why" "argon refused: $why"
done
expect "$log" '^\[attacker\] PASS irq-own-core$' "the attacker's message to its own core arrived after a completion"
expect "$log" '^\[attacker\] ARGON-TEST irq-escape own-core apic_id=0x1 vector=0x63 delivered=[1-9]' \
	"an interrupt on vector 0x63 at APIC id 1"
expect "$log" '^\[attacker\] PASS nvme-write-read$' "the device still works"
expect "$log" '^\[attacker\] argon-testguest: [0-9]+ passed, 0 failed$' "the attacker's summary"
expect "$log" '^\[victim\] PASS victim-no-interrupts$' "no interrupt or NMI reached the victim"
expect "$log" '^\[victim\] PASS victim-checksums$' "the victim's RAM is unchanged"
attack_end=$(grep -n '^\[attacker\] argon-testguest: ' "$log" | head -n1 | cut -d: -f1)
victim_end=$(grep -n '^\[victim\] PASS victim-no-interrupts' "$log" | head -n1 | cut -d: -f1)
[ -n "$attack_end" ] && [ -n "$victim_end" ] && [ "$attack_end" -lt "$victim_end" ] ||
	fail "the victim did not outlive the attack (lines ${attack_end:-?} and ${victim_end:-?})"
expect "$log" "^argon: guest 'attacker' stopped: powered off\$" "the attacker ended by its own power-off"
expect "$log" "^argon: guest 'victim' stopped: powered off\$" "the victim ended by its own power-off"
finish
