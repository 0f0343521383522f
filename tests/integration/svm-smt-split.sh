#!/usr/bin/env bash
# Hyperthreads of one core share its caches and predictors, so argon
# refuses a config that gives two guests the two threads of one core, at
# the CPU that splits it (one socket x 2 cores x 2 threads: CPUs 2 and 3
# are core 0.1), and starts no guest. With smt_split = "allow" the same
# guests start, run and the machine powers off.
# Usage: svm-smt-split.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

guests=$(cat "$(dirname "$0")/configs/smt-split.conf")

esp=$(new_esp "$1" "$2" <<<"$guests")
trap 'rm -rf "$esp"' EXIT
log=$esp/console.log
mapfile -t machine < <(machine_args "$(dirname "$0")/configs/smt-split.machine")
boot "$esp" "$log" --timeout 120 "${machine[@]}" ||
	fail "machine did not power off by itself (qemu-run exit $?)"
expect "$log" '^argon: cpus 0-3: 0=0/0\.0\.0 1=1/0\.0\.1 2=2/0\.1\.0 3=3/0\.1\.1$' \
	"CPUs 2 and 3 are the two threads of core 0.1"
expect "$log" "^argon.conf:10:12: error: CPU 3 shares core 0\\.1 with CPU 2 of guest 'a' \\(set smt_split = \"allow\" to permit\\)\$" \
	"the split reported at guest b's CPU 3"
[ "$(grep -c '^argon.conf:[0-9]*:[0-9]*: error: ' "$log")" -eq 1 ] ||
	fail "not exactly the one split reported (CPU 1's sibling, CPU 0, is no guest's)"
expect "$log" '^argon: error: argon.conf has errors; no guest started' "no guest started"
expect_not "$log" "^argon: starting guest" "no guest was started"
expect "$log" '^argon: powering off' "argon powered the machine off"

rm -rf "$esp"
esp=$(new_esp "$1" "$2" <<<"[argon]
smt_split = \"allow\"

$guests")
log=$esp/console.log
mapfile -t machine < <(machine_args "$(dirname "$0")/configs/smt-split.machine")
boot "$esp" "$log" --timeout 120 "${machine[@]}" ||
	fail "machine did not power off by itself (qemu-run exit $?)"
expect_not "$log" '^argon.conf:' "no config error with smt_split = \"allow\""
expect "$log" '^argon: 3 of 3 other CPU\(s\) up$' "CPUs 1, 2, 3 came up (3 for b, 0 the console)"
expect "$log" "^\\[a\\] argon-testguest: start, 64 MiB RAM, cmdline \"a argon.boot=1\"\$" "guest a started"
expect "$log" "^\\[b\\] argon-testguest: start, 64 MiB RAM, cmdline \"b argon.boot=1\"\$" "guest b started"
expect_not "$log" '^\[[ab]\] FAIL' "no guest check failed"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
