#!/usr/bin/env bash
# A config with errors (unknown key, missing key, unreadable kernel, a CPU
# that does not exist, a CPU used twice, memory that does not fit, a syntax
# error): argon prints every one with file:line:column, starts no guest
# and powers the machine off.
# Usage: bad-config.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[argon]
log = "info"

[guest.test]
kernel = "testguest.elf"
memroy = "64M"
cpus = [0]

[guest.other]
kernel = "missing.elf"
memory = "64M"
cpus = [7]

[guest.big]
kernel = "testguest.elf"
memory = "64G"
cpus = [0]

[guest.typo]
kernel = "testguest.elf"
cmdline = "console=ttyS0
memory = "64M"
cpus = [1]
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" "^argon.conf:6:1: error: unknown key 'memroy'" "unknown key reported at line 6 column 1"
expect "$log" "^argon.conf:4:1: error: .*memory" "missing memory reported at the guest's header"
expect "$log" "^argon.conf:10:10: error: cannot read kernel '.*missing.elf': not found" "missing kernel reported at its value"
expect "$log" "^argon.conf:12:9: error: CPU 7 does not exist \\(this machine has CPUs 0-1\\)" "CPU that does not exist reported at its number"
expect "$log" "^argon.conf:17:9: error: CPU 0 is already used by guest 'test'" "CPU used twice reported at the second use"
expect "$log" "^argon.conf:16:10: error: guests up to 'big' need [0-9]+ MiB of RAM, but [0-9]+ MiB are free" "memory too large reported at its value"
expect "$log" "^argon.conf:21:11: error: .*unterminated string" "syntax error reported at its column"
[ "$(grep -c '^argon.conf:[0-9]*:[0-9]*: error: ' "$log")" -eq 7 ] ||
	fail "not exactly the 7 errors in the file were reported"
expect "$log" '^argon: error: argon.conf has errors; no guest started' "no guest started"
expect_not "$log" "^argon: starting guest" "no guest was started"
expect_not "$log" '^\[test\]' "the guest printed nothing"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
