#!/usr/bin/env bash
# Console input: two Linux guests with shells on the serial console. What
# is typed goes to the guest with the input focus (the first guest at
# start); Ctrl-A three times moves the focus to the next one, and argon says
# so. The test types a command into each shell and reads the answer, with
# that guest's prefix, through each guest's tty.
# Usage: console-input.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

boot_shells "$1" "$3" a b
log=$LOG

ok=true
wait_line "$log" "^argon: console on CPU 0$" 120 || ok=false
wait_line "$log" "^argon: console input goes to 'a'" 120 || ok=false
for g in a b; do
	$ok && { wait_line "$log" "^\[$g\] / # " 200 || ok=false; }
done
if $ok; then
	type_keys 'echo $((6*7))\r'
	wait_line "$log" '^\[a\] 42$' 60 || ok=false
fi
if $ok; then
	type_keys '\001\001\001'
	wait_line "$log" "^argon: console input goes to 'b'" 30 || ok=false
fi
if $ok; then
	type_keys 'echo $((6*8))\r'
	wait_line "$log" '^\[b\] 48$' 60 || ok=false
fi
# Both shells exit: b now, a after the focus comes back to it.
type_keys 'exit\r'
type_keys '\001\001\001'
$ok && { wait_line "$log" "^argon: console input goes to 'a'" 30 || ok=false; }
type_keys 'exit\r'
wait_boot || fail "machine did not power off by itself (qemu-run exit $?)"
cat "$log"

expect_not "$log" '^\[b\] 42$' "what was typed for a did not reach b"
expect_not "$log" '^\[a\] 48$' "what was typed for b did not reach a"
expect "$log" '^\[a\] ARGON-TEST end shell$' "a's shell ended"
expect "$log" '^\[b\] ARGON-TEST end shell$' "b's shell ended"
finish
