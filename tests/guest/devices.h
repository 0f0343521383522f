/* Checks of argon's instruction emulation: string port I/O (INS/OUTS,
 * with REP and both directions) and MMIO (the IOAPIC's registers). */
#ifndef ARGON_TESTGUEST_DEVICES_H
#define ARGON_TESTGUEST_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

/* Prints "argon-testguest: rep outsb forward" and "... backward" with
 * REP OUTSB to the UART (the integration tests look for both lines). */
bool check_string_io_out(char *why, size_t size);
/* INSB/INSW/INSL, single and REP, forward and backward, and a REP count
 * longer than argon's batch per exit. */
bool check_string_io_in(char *why, size_t size);
/* The IOAPIC at 0xFEC00000 through MOV, MOV imm, MOVZX and byte moves. */
bool check_mmio_ioapic(char *why, size_t size);
/* The PCI configuration space (ECAM): where no function is (function 1
 * of the host bridge, device 31 of bus 0, bus 2, the last dword of bus
 * 255) every dword reads 0xFFFFFFFF. */
bool check_ecam_all_ones(char *why, size_t size);
/* 00:00.0 is argon's host bridge (vmm/guest_abi.h). */
bool check_ecam_host_bridge(char *why, size_t size);
/* "testguest.mode=ecam-write": prints "argon-testguest: ECAM reads 0xV;
 * writing 0 to 0xA", writes a dword of zeros over the host bridge's ids,
 * which argon must ignore, reads them back ("PASS ecam-write" when they
 * did not change) and powers off. */
__attribute__((noreturn)) void ecam_write(void);

#endif
