/* argon hypercalls (vmm/guest_abi.h): VMMCALL on AMD and Hygon, VMCALL
 * elsewhere; number in RAX, arguments in RBX, RCX, RDX, result in RAX. */
#ifndef ARGON_TESTGUEST_HYPERCALL_H
#define ARGON_TESTGUEST_HYPERCALL_H

#include <stdint.h>

/* What hypercall() returns when the instruction raised #UD instead of
 * exiting to argon (no ABI result is this negative). */
#define HYPERCALL_FAULTED INT64_MIN

/* Picks the instruction from the CPUID vendor string; call once before
 * hypercall(). Executes one CPUID. */
void hypercall_init(void);
/* "vmmcall" or "vmcall", for messages. */
const char *hypercall_insn(void);
int64_t hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
