# shellcheck shell=bash
# Sourced by the scripts that start the emulated machine (tests/rig/qemu-run,
# tests/images/boot-direct), so that argon and the bare-metal baseline run
# on exactly the same QEMU and devices. Needs ROOT (the emulator root).

# QEMU from the emulator root, through the root's own dynamic loader.
# shellcheck disable=SC2034 # used by the sourcing script
QEMU=("$ROOT/lib64/ld-linux-x86-64.so.2" --library-path
      "$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu"
      "$ROOT/usr/bin/qemu-system-x86_64")
export QEMU_MODULE_DIR="$ROOT/usr/lib/x86_64-linux-gnu/qemu"

# sriov_devices NVME_IMG [DISK]: sets SRIOV_DEVICES to the VT-d IOMMU and
# the NVMe subsystem whose controller has SR-IOV, with NVME_IMG (made here,
# 64 MiB) as namespace 1 and NVME_IMG-2 (32 MiB) as namespace 2, both
# attached to no controller: a secondary controller gets one by Namespace
# Attachment. Each starts with a label, "argon-nvme ns1" or "argon-nvme ns2"
# and a newline, so a guest can tell which namespace it reads. With DISK,
# namespace 1 is that existing disk image instead, opened with snapshot=on:
# writes go to a temporary overlay and DISK stays as it was (bench/: every
# run starts from the same disk). With RIG_SRIOV_PORT=1 in the environment
# the controller sits behind a PCIe root port (bus 1), so its VFs are not on
# bus 0. With RIG_NS2_ATTACHED=1 namespace 2 is not `detached`: QEMU then
# attaches it by itself to each controller of the subsystem that is enabled
# (CC.EN), a VF's included, as a stray for argon to find.
sriov_devices() {
	local bus=() ns1 ns2_detached=true
	if [ $# -ge 2 ]; then
		[ -f "$2" ] || { echo "sriov_devices: $2 is no file" >&2; return 1; }
		ns1=file="$2",format=raw,if=none,id=nvm,snapshot=on
	else
		truncate -s 64M "$1"
		printf 'argon-nvme ns1\n' | dd of="$1" conv=notrunc status=none
		ns1=file="$1",format=raw,if=none,id=nvm
	fi
	truncate -s 32M "$1-2"
	printf 'argon-nvme ns2\n' | dd of="$1-2" conv=notrunc status=none
	# shellcheck disable=SC2054 # commas belong to QEMU's options
	[ "${RIG_SRIOV_PORT:-0}" != 1 ] || bus=(-device pcie-root-port,id=rp0,chassis=1,slot=1)
	[ "${RIG_NS2_ATTACHED:-0}" != 1 ] || ns2_detached=false
	# shellcheck disable=SC2054,SC2034 # commas belong to QEMU's options
	SRIOV_DEVICES=(-device intel-iommu,intremap=on,eim=on,caching-mode=on
		"${bus[@]}"
		-drive "$ns1"
		-drive file="$1-2",format=raw,if=none,id=nvm2
		-device nvme-subsys,id=subsys0
		-device nvme,serial=argon0,subsys=subsys0,sriov_max_vfs=2,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=12,msix_qsize=9${bus:+,bus=rp0}
		-device nvme-ns,drive=nvm,nsid=1,shared=true,detached=true
		-device nvme-ns,drive=nvm2,nsid=2,shared=true,detached=$ns2_detached)
}

# nvme_device SLOT IMG: appends to NVME_DEVICES a whole NVMe controller
# without SR-IOV at 0000:00:SLOT.0 (SLOT: two hex digits, 01-1f), serial
# argon-pt-SLOT, with IMG (made here: 16 MiB) as namespace 1. Its first
# 512-byte block starts with "argon-nvme SLOT\n", the rest is zeros, so a
# guest can tell it reads this very disk. Returns 1 for a bad SLOT.
nvme_device() {
	local slot=$1 img=$2
	[[ $slot =~ ^[0-1][0-9a-fA-F]$ ]] && [ "$slot" != 00 ] || {
		echo "nvme_device: slot '$slot' is not 01-1f" >&2
		return 1
	}
	truncate -s 16M "$img"
	printf 'argon-nvme %s\n' "$slot" | dd of="$img" conv=notrunc status=none
	# shellcheck disable=SC2054 # commas belong to QEMU's options
	NVME_DEVICES+=(-drive file="$img",format=raw,if=none,id=nvme$slot
		-device nvme,serial=argon-pt-$slot,addr=0x$slot,drive=nvme$slot)
}

# nvme_disk SLOT IMG: like nvme_device, but the namespace is the existing
# disk image IMG, opened with snapshot=on: the guest's writes go to a
# temporary overlay and IMG stays as it was (bench/: every run starts from
# the same disk).
nvme_disk() {
	local slot=$1 img=$2
	[[ $slot =~ ^[0-1][0-9a-fA-F]$ ]] && [ "$slot" != 00 ] && [ -f "$img" ] || {
		echo "nvme_disk: slot '$slot' is not 01-1f or $img is no file" >&2
		return 1
	}
	# shellcheck disable=SC2054 # commas belong to QEMU's options
	NVME_DEVICES+=(-drive file="$img",format=raw,if=none,id=nvme$slot,snapshot=on
		-device nvme,serial=argon-pt-$slot,addr=0x$slot,drive=nvme$slot)
}

# igb_device SLOT: appends to IGB_DEVICES an Intel 82576 NIC (QEMU's igb:
# SR-IOV, TotalVFs 7, VF device 10ca) at 0000:00:SLOT.0 (SLOT: two hex
# digits, 01-1f), MAC 52:54:00:00:00:SLOT, no option ROM. Its port is on a
# QEMU hub of its own with no other port: frames leave the card nowhere.
# Returns 1 for a bad SLOT.
igb_device() {
	local slot=$1
	[[ $slot =~ ^[0-1][0-9a-fA-F]$ ]] && [ "$slot" != 00 ] || {
		echo "igb_device: slot '$slot' is not 01-1f" >&2
		return 1
	}
	# shellcheck disable=SC2054 # commas belong to QEMU's options
	IGB_DEVICES+=(-netdev hubport,id=igb$slot,hubid=$((16#$slot))
		-device igb,addr=0x$slot,netdev=igb$slot,mac=52:54:00:00:00:$slot,romfile=)
}

# QEMU_TRACE: the trace that tells a power-off from a reset; LOG is -D's file.
qemu_trace() {
	QEMU_TRACE=(-D "$1" -trace qemu_system_shutdown_request)
}

# qemu_verdict NAME RC LOG: the runner's exit status from QEMU's exit status
# (under timeout) and its trace log: 0 powered off by itself, 124 timed out,
# 3 reset or failed. Reports on stderr.
qemu_verdict() {
	local name=$1 rc=$2 log=$3
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "$name: timed out" >&2
		return 124
	fi
	if [ "$rc" -ne 0 ]; then
		echo "$name: QEMU failed (exit $rc)" >&2
		cat "$log" >&2
		return 3
	fi
	# ShutdownCause 6 is SHUTDOWN_CAUSE_GUEST_SHUTDOWN (ACPI S5 and the
	# like); with -no-reboot a guest reset ends QEMU too, with cause 7 or,
	# for some resets, no shutdown request traced at all.
	if grep -q 'qemu_system_shutdown_request reason=6$' "$log"; then
		echo "$name: machine powered off" >&2
		return 0
	fi
	if ! grep -q 'qemu_system_shutdown_request reason=[^7]' "$log"; then
		echo "$name: machine reset (-no-reboot ends QEMU then)" >&2
		return 3
	fi
	echo "$name: machine did not power off by itself:" >&2
	cat "$log" >&2
	return 3
}
