# Helpers for integration tests: build an ESP folder, boot it with
# tests/rig/qemu-run, and assert on what argon and the guests printed.
# Each test sources this file; a failed assertion ends the test with exit 1.

rig_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../rig" && pwd)
failures=0

# new_esp ARGON_EFI [FILE...]: a fresh ESP folder holding argon.efi and the
# files given, with argon.conf read from stdin; prints its path.
new_esp() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/argon-esp.XXXXXX")
	cp "$1" "$dir/argon.efi"
	shift
	[ $# -eq 0 ] || cp "$@" "$dir/"
	cat >"$dir/argon.conf"
	echo "$dir"
}

# boot ESP LOG [qemu-run args...]: runs the machine, console to LOG (and
# to stdout for ctest's log). Returns qemu-run's status.
boot() {
	local esp=$1 log=$2
	shift 2
	set +e
	"$rig_dir/qemu-run" "$esp" "$@" 2>&1 | tr -d '\r' | tee "$log"
	local rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
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

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures assertion(s) failed" >&2
		exit 1
	fi
	echo "all assertions passed"
}
