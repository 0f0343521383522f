# Helpers for integration tests: build an ESP folder, boot it with
# tests/rig/qemu-run, and assert on what argon and the guests printed.
# Each test sources this file; a failed assertion ends the test with exit 1.

rig_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../rig" && pwd)
failures=0
booted_logs=()

# new_esp IMAGE [FILE...]: a fresh folder holding argon's image (argon.efi
# for qemu-run, argon.elf for boot_bochs) and the files given, with
# argon.conf read from stdin; prints its path.
new_esp() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/argon-esp.XXXXXX")
	cp "$@" "$dir/"
	cat >"$dir/argon.conf"
	echo "$dir"
}

# boot ESP LOG [qemu-run args...]: runs the machine, console to LOG (and
# to stdout for ctest's log). Returns qemu-run's status.
boot() {
	local esp=$1 log=$2
	shift 2
	booted_logs+=("$log")
	set +e
	"$rig_dir/qemu-run" "$esp" "$@" 2>&1 | tr -d '\r' | tee "$log"
	local rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

# machine_args FILE: the qemu-run (or boot-direct) arguments, one a line,
# of a test machine described in FILE (tests/integration/configs/*.machine):
# "smp SPEC" lines give --smp SPEC, "qemu ARGS..." lines extra QEMU
# arguments (after --, split at blanks); # starts a comment.
machine_args() {
	local kw rest extra=()
	while read -r kw rest; do
		case $kw in
		smp) printf '%s\n' --smp "$rest" ;;
		qemu) read -ra words <<<"$rest"; extra+=("${words[@]}") ;;
		'' | '#'*) ;;
		*) echo "machine_args: unknown line '$kw $rest' in $1" >&2; return 1 ;;
		esac
	done <"$1"
	[ ${#extra[@]} -eq 0 ] || printf '%s\n' -- "${extra[@]}"
}

# argonctl_in_linux IMAGES ARGONCTL STAGE LOG [boot-direct args...]: boots
# Linux straight on the emulated server (tests/images/boot-direct, scenario
# argonctl) with an initramfs archive of our own appended to IMAGES's: the
# files of the folder STAGE (an executable "run" among them) and ARGONCTL,
# all in /argonctl. The image has libpci3 and pci.ids; /init runs
# /argonctl/run between "ARGON-TEST argonctl begin" and "... end rc=N".
# Console to LOG and stdout; returns boot-direct's status.
argonctl_in_linux() {
	local images=$1 ctl=$2 stage=$3 log=$4 dir rc
	shift 4
	dir=$(mktemp -d "${TMPDIR:-/tmp}/argon-argonctl.XXXXXX")
	mkdir -p "$dir/root/argonctl"
	cp -r "$stage"/. "$dir/root/argonctl/"
	cp "$ctl" "$dir/root/argonctl/argonctl"
	ln -s "$images/bzImage" "$dir/bzImage"
	{
		cat "$images/initrd.img"
		(cd "$dir/root" && find . -mindepth 1 | LC_ALL=C sort |
			cpio --quiet -o -H newc -R 0:0 | gzip -n)
	} >"$dir/initrd.img"
	booted_logs+=("$log")
	set +e
	"$rig_dir/../images/boot-direct" "$dir" argonctl "$@" 2>&1 | tr -d '\r' | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	rm -rf "$dir"
	return "$rc"
}

# boot_bochs DIR LOG [ARGON_CMDLINE [TIMEOUT [bochs-run args...]]]: a GRUB
# rescue ISO of DIR (argon.elf, argon.conf, guest files) booted in Bochs;
# console to LOG and stdout.
boot_bochs() {
	local dir=$1 log=$2 cmdline=${3:-} timeout=${4:-300} iso
	shift $(($# < 4 ? $# : 4))
	booted_logs+=("$log")
	iso=$(mktemp "${TMPDIR:-/tmp}/argon-iso.XXXXXX")
	"$rig_dir/mkiso" "$dir" "$iso" "$cmdline"
	set +e
	"$rig_dir/bochs-run" "$iso" --timeout "$timeout" "$@" 2>&1 | tr -d '\r' | tee "$log"
	local rc=${PIPESTATUS[0]}
	set -e
	rm -f "$iso"
	return "$rc"
}

# boot_stamped ESP LOG STAMPS [qemu-run args...]: like boot, and writes each
# console line with the host's clock in front ("SECONDS LINE") to STAMPS,
# for comparing a guest's sense of time with the host's.
boot_stamped() {
	local esp=$1 log=$2 stamps=$3 line
	shift 3
	booted_logs+=("$log")
	set +e
	"$rig_dir/qemu-run" "$esp" "$@" 2>&1 | while IFS= read -r line; do
		line=${line%$'\r'}
		# bash's own clock: no process per line, even in a flood
		printf '%s %s\n' "$EPOCHREALTIME" "$line" >>"$stamps"
		printf '%s\n' "$line"
	done | tee "$log"
	local rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

# boot_typed ESP LOG FIFO [qemu-run args...]: starts the machine in the
# background with what is written to FIFO arriving on its serial port (see
# type_keys); the console goes to LOG. Sets BOOT_PID; wait_boot collects it.
boot_typed() {
	local esp=$1 log=$2 fifo=$3
	shift 3
	booted_logs+=("$log")
	mkfifo "$fifo"
	("$rig_dir/qemu-run" "$esp" --input "$fifo" "$@" 2>&1 | stdbuf -o0 tr -d '\r' >"$log") &
	BOOT_PID=$!
	# Held open so that QEMU does not see the end of its input.
	exec {TYPE_FD}>"$fifo"
}

# wait_boot: qemu-run's status once the machine has ended.
wait_boot() {
	local rc=0
	wait "$BOOT_PID" || rc=$?
	exec {TYPE_FD}>&-
	return "$rc"
}

# type_keys TEXT: types TEXT (printf format) on the serial port.
type_keys() {
	# shellcheck disable=SC2059 # the format is the point
	printf "$1" >&"$TYPE_FD"
}

# wait_line LOG REGEX SECONDS: waits until LOG has a line matching REGEX;
# fails (status 1) if it does not come within SECONDS or the machine ends.
wait_line() {
	local log=$1 regex=$2 end=$((SECONDS + $3))
	until grep -Eq -- "$regex" "$log" 2>/dev/null; do
		if [ $SECONDS -ge $end ] || ! kill -0 "$BOOT_PID" 2>/dev/null; then
			grep -Eq -- "$regex" "$log" 2>/dev/null && return 0
			fail "no line matching /$regex/ within $3 s"
			return 1
		fi
		sleep 0.2
	done
}

# boot_shells ARGON_EFI IMAGES_DIR A B: boots a 3-CPU machine with two
# Linux guests, A on CPU 1 and B on CPU 2 (CPU 0 is left to the console),
# each running a shell on its console (initrd-base.img), for typing into
# with type_keys. Sets LOG (the console, written as it comes) and BOOT_PID;
# cleans up on exit.
boot_shells() {
	local efi=$1 images=$2 esp
	esp=$(new_esp "$efi" "$images/bzImage" "$images/initrd-base.img" <<CONF
[guest.$3]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=shell"

[guest.$4]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [2]
cmdline = "console=ttyS0 quiet argon.test=shell"
CONF
	)
	SHELLS_ESP=$esp
	SHELLS_KEYS=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
	LOG=$(mktemp "${TMPDIR:-/tmp}/argon-console.XXXXXX")
	trap 'rm -rf "$SHELLS_ESP" "$SHELLS_KEYS" "$LOG"' EXIT
	boot_typed "$esp" "$LOG" "$SHELLS_KEYS" --timeout 400 --smp 3
}

# dma_escape_target NAME VICTIM_HOST ARGON_IMAGE: the address the test
# guest's dma-escape mode aims at for target NAME (past-ram: the end of
# its 64 MiB; other-guest: inside the region the victim checksums;
# argon: the page of argon's image), in hex.
dma_escape_target() {
	case $1 in
	past-ram) printf '0x%x' $((64 << 20)) ;;
	other-guest) printf '0x%x' $(($2 + (16 << 20))) ;;
	argon) printf '0x%x' $(($3 & ~0xFFF)) ;;
	esac
}

# expect_dma_escape_blocked LOG BDF VICTIM_HOST ARGON_IMAGE: for each
# target, an error completion in the attacker and a fault in argon's log
# naming the attacker, its function BDF (a regex) and the very address: a
# write fault for the data, a read fault for the PRP list.
expect_dma_escape_blocked() {
	local log=$1 bdf=$2 t addr
	for t in past-ram other-guest argon; do
		addr=$(dma_escape_target "$t" "$3" "$4")
		expect "$log" "^\[attacker\] PASS dma-escape-$t\$" "the read into $t ($addr) ended with an error"
		expect "$log" "^\[attacker\] ARGON-TEST dma-escape target=$t addr=$addr data_status=\"[a-z0-9 ]+\" prp_list_status=\"[a-z0-9 ]+\"\$" \
			"the attacker aimed at $addr and reported the statuses"
		expect_not "$log" "^\[attacker\] ARGON-TEST dma-escape target=$t .*prp_list_status=\"success\"" \
			"the read through a PRP list at $addr failed"
		expect "$log" "^argon: (warning: )?iommu: DMA fault: attacker $bdf addr $addr reason 0x05 " \
			"argon logged the blocked data write to $addr ($t) with the attacker's name"
		expect "$log" "^argon: (warning: )?iommu: DMA fault: attacker $bdf addr $addr reason 0x06 " \
			"argon logged the blocked PRP list read at $addr ($t) with the attacker's name"
	done
}

# pace_dma_escape LOG BDF VICTIM_HOST ARGON_IMAGE: answers the test guest's
# dma-escape mode (tests/guest/passthrough.c): after each of its six blocked
# DMAs it waits for a typed line ("go"), which comes once argon has logged that
# fault for function BDF (QEMU's VT-d keeps a single fault record, so the
# next fault must not come before argon has read this one). A fault that is
# not logged within 30 s is answered anyway: the test's checks report it.
pace_dma_escape() {
	local log=$1 bdf=$2 t kind reason addr
	for t in past-ram other-guest argon; do
		addr=$(dma_escape_target "$t" "$3" "$4")
		for kind in data list; do
			reason=0x05
			[ "$kind" = list ] && reason=0x06
			wait_line "$log" "^\[attacker\] ARGON-TEST dma-escape await-fault target=$t kind=$kind\$" 60 ||
				return 0
			grep -Eq -- "iommu: DMA fault: attacker $bdf addr $addr reason $reason " "$log" ||
				wait_line "$log" "iommu: DMA fault: attacker $bdf addr $addr reason $reason " 30 ||
				true
			type_keys "go\r"
		done
	done
}

# monitor_open PATH: makes the FIFOs for qemu-run --monitor PATH and starts
# collecting QEMU's replies into PATH.log; monitor_cmd then talks to it.
monitor_open() {
	MONITOR=$1
	mkfifo "$MONITOR.in" "$MONITOR.out"
	: >"$MONITOR.log"
	cat "$MONITOR.out" >>"$MONITOR.log" &
	MONITOR_READER=$!
	# Read-write, so the open does not wait for QEMU to start.
	exec {MONITOR_FD}<>"$MONITOR.in"
}

# monitor_close: stops the reader that monitor_open started.
monitor_close() {
	exec {MONITOR_FD}>&-
	kill "$MONITOR_READER" 2>/dev/null || true
	wait "$MONITOR_READER" 2>/dev/null || true
}

# monitor_cmd COMMAND: sends one command to QEMU's human monitor and prints
# its reply (up to the next prompt, terminal control sequences removed).
# Fails if no prompt comes within 40 s.
monitor_cmd() {
	local from end=$((SECONDS + 40)) reply
	from=$(stat -c %s "$MONITOR.log")
	printf '%s\n' "$1" >&"$MONITOR_FD"
	while :; do
		reply=$(tail -c +$((from + 1)) "$MONITOR.log" | tr -d '\r' |
			sed 's/\x1b\[[0-9;]*[A-Za-z]//g')
		# the reply ends with the next prompt
		if [[ $reply == *"$1"*$'\n(qemu) '* ]]; then
			reply=${reply#*"$1"}
			printf '%s\n' "${reply%(qemu) *}"
			return 0
		fi
		[ $SECONDS -lt $end ] || { fail "QEMU's monitor did not answer '$1'"; return 1; }
		sleep 0.1
	done
}

# linux_esp ARGON_EFI IMAGES_DIR: an ESP folder with argon.efi, bzImage and
# initrd.img, argon.conf from stdin; prints its path.
linux_esp() {
	new_esp "$1" "$2/bzImage" "$2/initrd.img"
}

# test_value LOG GUEST KEY: the value of "[GUEST] ARGON-TEST KEY=VALUE".
test_value() {
	sed -n "s/^\[$2\] ARGON-TEST $3=\([^ ]*\).*/\1/p" "$1" | tail -n1
}

# within VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed).
within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'
}

fail() {
	echo "FAILED: $*" >&2
	failures=$((failures + 1))
}

# expect LOG REGEX WHAT: LOG has a line matching the extended REGEX.
expect() {
	grep -Eq -- "$2" "$1" || fail "$3 (no line matching /$2/)"
}

# expect_not LOG REGEX WHAT
expect_not() {
	if grep -Eq -- "$2" "$1"; then
		fail "$3 (found: $(grep -E -m1 -- "$2" "$1"))"
	fi
}

# expect_testguest LOG NAME CMDLINE [BOOT]: the test guest NAME (64 MiB, CMDLINE
# in argon.conf, boot BOOT, default 1) passed every check, argon stopped it at
# the address past its RAM that it announced, and printed its exit counters.
expect_testguest() {
	local log=$1 name=$2 cmdline="${3:+$3 }argon.boot=${4:-1}" addr check
	expect "$log" "^\[$name\] argon-testguest: start, 64 MiB RAM, cmdline \"$cmdline\"\$" \
		"guest started and got its RAM size and command line from argon"
	for check in ram-zeroed cpuid-hypervisor-bit cpuid-hides-virt cpuid-signature hypercall-version \
		exit-counts io-unassigned-port msr-efer msr-unknown-gp cr-owned-bits hlt ram-readback \
		no-stray-interrupts; do
		expect "$log" "^\[$name\] PASS $check\$" "guest check $check passed"
	done
	expect_not "$log" "^\[$name\] FAIL" "no guest check failed"
	expect "$log" "^\[$name\] argon-testguest: [0-9]+ passed, 0 failed" "guest summary"
	addr=$(sed -n "s/^\[$name\] argon-testguest: touching \(0x[0-9a-f]*\) beyond RAM.*/\1/p" "$log" |
		head -n1)
	if [ -z "$addr" ]; then
		fail "guest did not announce its out-of-range access"
	else
		expect "$log" "^argon: guest '$name' stopped: access to unmapped guest-physical address $addr \\(read\\)" \
			"argon stopped the guest at $addr"
	fi
	expect "$log" "^argon: exits guest=$name total=[1-9][0-9]* .* cpuid=[1-9][0-9]* .* hlt=1 hypercall=[1-9]" \
		"exit counters printed"
}

# expect_testguest_emulation LOG NAME: the test guest NAME's checks of
# argon's instruction emulation passed: string port I/O (its REP OUTSB
# lines reached the console whole, in both directions) and MMIO.
expect_testguest_emulation() {
	local log=$1 name=$2 check
	for check in string-io-out string-io-in mmio-ioapic; do
		expect "$log" "^\[$name\] PASS $check\$" "guest check $check passed"
	done
	expect "$log" "^\[$name\] argon-testguest: rep outsb forward\$" "REP OUTSB forward"
	expect "$log" "^\[$name\] argon-testguest: rep outsb backward\$" "REP OUTSB backward"
}

finish() {
	# Whatever a test checks, argon itself must not have panicked on any
	# CPU (a panic on the console CPU can leave the guests running on).
	local log
	for log in "${booted_logs[@]}"; do
		[ -f "$log" ] || continue
		expect_not "$log" '^argon: PANIC' "argon did not panic"
	done
	if [ "$failures" -ne 0 ]; then
		echo "$failures assertion(s) failed" >&2
		exit 1
	fi
	echo "all assertions passed"
}
