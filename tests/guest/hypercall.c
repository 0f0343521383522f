#include "tests/guest/hypercall.h"

#include <stdbool.h>

#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/idt.h"

#define VEC_UD 6
#define HYPERCALL_LEN 3 /* 0f 01 d9 (VMMCALL), 0f 01 c1 (VMCALL) */

static bool use_vmmcall;

void hypercall_init(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[12];

	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	use_vmmcall =
		memcmp(vendor, "AuthenticAMD", 12) == 0 || memcmp(vendor, "HygonGenuine", 12) == 0;
}

const char *hypercall_insn(void)
{
	return use_vmmcall ? "vmmcall" : "vmcall";
}

/* The argument registers are in/out so the compiler assumes nothing about
 * them afterwards: the ABI only promises RAX. A #UD (argon not intercepting
 * the instruction) is stepped over so one broken hypercall fails one check
 * rather than the run. */
int64_t hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint64_t faults = trap_last().count;
	uint64_t rax = nr;

	trap_expect(VEC_UD, HYPERCALL_LEN);
	if (use_vmmcall)
		__asm__ volatile("vmmcall" : "+a"(rax), "+b"(a1), "+c"(a2), "+d"(a3) : : "memory");
	else
		__asm__ volatile("vmcall" : "+a"(rax), "+b"(a1), "+c"(a2), "+d"(a3) : : "memory");
	trap_expect_none();
	if (trap_last().count != faults)
		return HYPERCALL_FAULTED;
	return (int64_t)rax;
}
