/* "insns" (docs/security.md): the virtualization instructions of both
 * vendors, INVD, WBINVD, MONITOR/MWAIT, RDPMC and GETSEC. The guest's
 * CPUID shows no SVM, VMX, SMX, MONITOR or performance counters, so each
 * must raise what a CPU without the feature raises (#UD; #GP for RDPMC
 * with no counters), or run harmlessly (INVD, WBINVD); argon must never
 * stop the guest or fault itself on any of them. */
#include <stddef.h>

#include "lib/fmt.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/hostile.h"
#include "tests/guest/idt.h"

#define VEC_UD 6
#define VEC_GP 13
#define RAN (-1)

#define STUB(name)              \
	void insn_##name(void); \
	extern const uint8_t insn_##name##_at[]

STUB(vmrun);
STUB(vmload);
STUB(vmsave);
STUB(stgi);
STUB(clgi);
STUB(skinit);
STUB(invlpga);
STUB(vmxon);
STUB(vmxoff);
STUB(vmclear);
STUB(vmptrld);
STUB(vmptrst);
STUB(vmread);
STUB(vmwrite);
STUB(vmlaunch);
STUB(vmresume);
STUB(invept);
STUB(invvpid);
STUB(vmfunc);
STUB(getsec);
STUB(invd);
STUB(wbinvd);
STUB(monitor);
STUB(mwait);
STUB(rdpmc);
STUB(vmcall);
STUB(vmmcall);

struct insn_case {
	const char *name;
	void (*run)(void);
	const uint8_t *at; /* the instruction itself */
	int want;	   /* RAN, VEC_UD or VEC_GP */
};

#define CASE(name, want)                                   \
	{                                                  \
#name, insn_##name, insn_##name##_at, want \
	}

static const struct insn_case cases[] = {
	CASE(vmrun, VEC_UD),  CASE(vmload, VEC_UD),  CASE(vmsave, VEC_UD),   CASE(stgi, VEC_UD),
	CASE(clgi, VEC_UD),   CASE(skinit, VEC_UD),  CASE(invlpga, VEC_UD),  CASE(vmxon, VEC_UD),
	CASE(vmxoff, VEC_UD), CASE(vmclear, VEC_UD), CASE(vmptrld, VEC_UD),  CASE(vmptrst, VEC_UD),
	CASE(vmread, VEC_UD), CASE(vmwrite, VEC_UD), CASE(vmlaunch, VEC_UD), CASE(vmresume, VEC_UD),
	CASE(invept, VEC_UD), CASE(invvpid, VEC_UD), CASE(vmfunc, VEC_UD),   CASE(getsec, VEC_UD),
	CASE(invd, RAN),      CASE(wbinvd, RAN),     CASE(monitor, VEC_UD),  CASE(mwait, VEC_UD),
	CASE(rdpmc, VEC_GP),
};

static volatile int caught;
static volatile uint64_t caught_at;

/* #UD or #GP at a stub's instruction: note it and return from the stub. */
static bool insn_hook(struct trap_frame *f)
{
	if (f->vector != VEC_UD && f->vector != VEC_GP)
		return false;
	caught = (int)f->vector;
	caught_at = f->rip;
	f->rip = *(uint64_t *)(uintptr_t)f->rsp;
	f->rsp += 8;
	return true;
}

static void try_insn(const char *name, void (*stub)(void), const uint8_t *at, int want)
{
	char check[32], why[64];

	caught = RAN;
	caught_at = 0;
	stub();
	fmt_snprintf(check, sizeof(check), "insn-%s", name);
	fmt_snprintf(why, sizeof(why), "%s%s, not %s",
		     caught == RAN	? "ran"
		     : caught == VEC_UD ? "#UD"
					: "#GP",
		     caught != RAN && caught_at != (uint64_t)(uintptr_t)at ? " elsewhere" : "",
		     want == RAN      ? "ran"
		     : want == VEC_UD ? "#UD"
				      : "#GP");
	hostile_verdict(caught == want && (want == RAN || caught_at == (uint64_t)(uintptr_t)at),
			check, why);
}

static bool cpu_is_amd(void)
{
	return cpuid(0, 0).ebx == 0x68747541u; /* "Auth" */
}

void hostile_insns(void)
{
	trap_set_hook(insn_hook);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		try_insn(cases[i].name, cases[i].run, cases[i].at, cases[i].want);
	/* The other vendor's hypercall instruction (argon's own is tested
	 * by the test guest's checks). */
	if (cpu_is_amd())
		try_insn("vmcall", insn_vmcall, insn_vmcall_at, VEC_UD);
	else
		try_insn("vmmcall", insn_vmmcall, insn_vmmcall_at, VEC_UD);
	trap_set_hook(NULL);
	hostile_finish("hostile");
}
