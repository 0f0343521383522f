#!/usr/bin/env bash
# lscpu in 2-vCPU guests on a two-socket machine with SMT (2 sockets x 2
# cores x 2 threads: APIC id bit 0 is the thread, bit 1 the core, bit 2 the
# socket). Guest "siblings" (Debian 13's kernel) gets CPUs 0 and 1, the two
# threads of one core; guest "spread" (Debian 12's) gets CPUs 2 and 4, a
# core of each socket. Each must see 2 CPUs whose APIC ids are its MADT's,
# with packages and thread siblings as those ids say, and an lscpu whose
# threads x cores x sockets is 2, sockets counted as the MADT ids say.
# Usage: linux-topology.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$3/bzImage" "$3/bzImage-deb13" "$3/initrd.img" <<'CONF'
[guest.siblings]
kernel = "bzImage-deb13"
initrd = "initrd.img"
memory = "384M"
cpus = [0, 1]
cmdline = "console=ttyS0 quiet argon.test=topology"

[guest.spread]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [2, 4]
cmdline = "console=ttyS0 quiet argon.test=topology"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 600 --smp 8,sockets=2,cores=2,threads=2 ||
	fail "machine did not power off by itself (qemu-run exit $?)"

# lscpu_field GUEST NAME: the value of lscpu's "NAME:" line.
lscpu_field() {
	sed -n "s/^\[$1\] ARGON-TEST lscpu $2: *//p" "$log" | tail -n1
}

check_guest() {
	local g=$1 want_ids=$2 ids sockets threads cores pkgs line n apic pkg sib
	expect "$log" "^\\[$g\\] ARGON-TEST end topology$" "$g ran its scenario to the end"
	ids=$(test_value "$log" "$g" madt_apic_ids)
	[ "$ids" = "$want_ids" ] || fail "$g's MADT lists APIC ids '$ids', not $want_ids"
	[ "$(lscpu_field "$g" 'CPU(s)')" = 2 ] || fail "$g: lscpu says CPU(s): $(lscpu_field "$g" 'CPU(s)')"
	threads=$(lscpu_field "$g" 'Thread(s) per core')
	cores=$(lscpu_field "$g" 'Core(s) per socket')
	sockets=$(lscpu_field "$g" 'Socket(s)')
	echo "linux-topology: $g (APIC ids $ids): threads per core $threads, cores per socket $cores, sockets $sockets"
	[ -n "$threads" ] && [ -n "$cores" ] && [ -n "$sockets" ] &&
		[ $((threads * cores * sockets)) -eq 2 ] ||
		fail "$g: lscpu's threads x cores x sockets ($threads x $cores x $sockets) is not 2"
	pkgs=$(tr ',' '\n' <<<"$ids" | awk '{ print int($1 / 4) }' | sort -u | wc -l)
	[ "$sockets" = "$pkgs" ] || fail "$g: lscpu says $sockets socket(s), its APIC ids span $pkgs"
	# Per CPU: its APIC id is one of the MADT's; CPUs share a package
	# exactly when their ids do (bit 2 up), and are thread siblings only
	# when their ids share a core (bit 1 up).
	declare -A pkg_of=() id_of=() sib_of=()
	while read -r line; do
		n=$(sed -n 's/^cpu \([0-9]*\) .*/\1/p' <<<"$line")
		apic=$(sed -n 's/.* apicid=\([0-9]*\).*/\1/p' <<<"$line")
		pkg=$(sed -n 's/.* package=\([0-9]*\).*/\1/p' <<<"$line")
		sib=$(sed -n 's/.* thread_siblings=\([^ ]*\).*/\1/p' <<<"$line")
		[[ ",$ids," == *",$apic,"* ]] || fail "$g: CPU $n has APIC id '$apic', not in its MADT ($ids)"
		id_of[$n]=$apic
		pkg_of[$n]=$pkg
		sib_of[$n]=$sib
	done < <(sed -n "s/^\[$g\] ARGON-TEST \(cpu [0-9]* .*\)/\1/p" "$log")
	[ ${#id_of[@]} -eq 2 ] || fail "$g: topology of ${#id_of[@]} CPUs, not 2"
	if [ ${#id_of[@]} -eq 2 ]; then
		for n in 0 1; do
			[ "${sib_of[$n]}" = "$n" ] || [ $((id_of[0] / 2)) -eq $((id_of[1] / 2)) ] ||
				fail "$g: CPU $n has thread siblings ${sib_of[$n]} across cores"
		done
		same_ids=$(( id_of[0] / 4 == id_of[1] / 4 ))
		same_pkg=$(( pkg_of[0] == pkg_of[1] ))
		[ "$same_ids" = "$same_pkg" ] ||
			fail "$g: packages ${pkg_of[0]},${pkg_of[1]} disagree with APIC ids ${id_of[0]},${id_of[1]}"
	fi
	expect "$log" "^argon: guest '$g' stopped: powered off$" "$g powered itself off"
}

check_guest siblings 0,1
check_guest spread 2,4
expect "$log" '^\[siblings\] ARGON-TEST lscpu Vendor ID: ' "lscpu ran in siblings"
expect_not "$log" 'MSR access error|Kernel panic|Firmware Bug' "no MSR fault, panic or firmware bug"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
finish
