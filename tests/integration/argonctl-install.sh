#!/usr/bin/env bash
# argonctl install: --dry-run lists exactly the files (argon.efi, the
# config, every file the config names, once each, in its sub-folder) and
# the UEFI boot entry, and changes nothing; the real install writes those
# files, and the folder it made boots in the rig: argon runs both test
# guests from it. A config with errors installs nothing.
# Usage: argonctl-install.sh ARGON_EFI TESTGUEST_ELF ARGONCTL
set -euo pipefail
. "$(dirname "$0")/lib.sh"
efi=$1
guest=$2
ctl=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/argon-argonctl-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/src/guests"
cp "$guest" "$work/src/guests/testguest.elf"
cat >"$work/src/argon.conf" <<'CONF'
[guest.one]
kernel = "guests/testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "one"

[guest.two]
kernel = "guests/testguest.elf"
memory = "64M"
cpus = [1]
cmdline = "two"
CONF
esp=$work/esp/argon

# The dry run: the files and the boot entry, nothing written.
"$ctl" install "$esp" --config "$work/src/argon.conf" --efi "$efi" --no-machine-check \
	--boot-entry --disk /dev/vda --part 1 --dry-run >"$work/dry.txt" ||
	fail "install --dry-run exits 0"
mnt=$(findmnt -n -o TARGET -T "$work")
rel=${work#"$mnt"}
loader="\\$(printf '%s' "${rel#/}/esp/argon" | tr / '\\')\\argon.efi"
cat >"$work/expected.txt" <<EXP
copy $efi -> $esp/argon.efi
copy $work/src/argon.conf -> $esp/argon.conf
copy $work/src/guests/testguest.elf -> $esp/guests/testguest.elf
boot entry: efibootmgr --create --disk /dev/vda --part 1 --label argon --loader $loader
EXP
diff "$work/expected.txt" "$work/dry.txt" >&2 || fail "the dry run lists exactly the files and the boot entry (< expected)"
[ ! -e "$work/esp" ] || fail "the dry run wrote nothing"

# A config with an error: argon's error, nothing installed.
sed 's/cpus = \[1\]/cpus = [1]\nmemroy = "1G"/' "$work/src/argon.conf" >"$work/src/bad.conf"
set +e
"$ctl" install "$esp" --config "$work/src/bad.conf" --efi "$efi" --no-machine-check \
	>"$work/bad.txt" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "install of a config with errors exits 1 (got $rc)"
grep -q "^$work/src/bad.conf:11:1: error: unknown key 'memroy'" "$work/bad.txt" ||
	fail "install prints argon's error: $(cat "$work/bad.txt")"
[ ! -e "$work/esp" ] || fail "nothing installed from a config with errors"

# The install, and the result booted.
"$ctl" install "$esp" --config "$work/src/argon.conf" --efi "$efi" --no-machine-check \
	>"$work/install.txt" || fail "install exits 0"
cmp "$efi" "$esp/argon.efi" && cmp "$work/src/argon.conf" "$esp/argon.conf" &&
	cmp "$guest" "$esp/guests/testguest.elf" || fail "the installed files are the sources"
[ "$(find "$work/esp" -type f | wc -l)" -eq 3 ] || fail "install wrote those 3 files and no other"
boot "$esp" "$work/console.log" --timeout 120 --smp 3 ||
	fail "the installed folder's machine did not power off by itself (qemu-run exit $?)"
expect_testguest "$work/console.log" one one
expect_testguest "$work/console.log" two two
finish
