/* argon-exits: prints the guest's exit counters as argon keeps them, one
 * line of NAME=COUNT for every kind of vmm/guest_abi.h, read through the
 * ARGON_HC_EXIT_COUNT hypercall from user space (argon answers its
 * read-only hypercalls at any privilege level). Each reading costs one
 * hypercall exit of its own per kind, counted in "hypercall".
 *
 * Built static with the host's compiler by tests/images/build into the
 * guest image's /usr/bin. Exits 2 when argon's CPUID signature is absent
 * (not running on argon), 1 when a hypercall fails. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmm/guest_abi.h"

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static int use_vmmcall;

static int64_t hypercall(uint64_t nr, uint64_t a1)
{
	uint64_t rax = nr, rcx = 0, rdx = 0;

	if (use_vmmcall)
		__asm__ volatile("vmmcall"
				 : "+a"(rax), "+b"(a1), "+c"(rcx), "+d"(rdx)
				 :
				 : "memory");
	else
		__asm__ volatile("vmcall" : "+a"(rax), "+b"(a1), "+c"(rcx), "+d"(rdx) : : "memory");
	return (int64_t)rax;
}

int main(void)
{
	uint32_t r[4];
	char sig[13], vendor[13];
	int64_t counts[ARGON_EXIT_KIND_COUNT];

	cpuid(ARGON_CPUID_BASE, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	if (r[0] < ARGON_CPUID_MAX || memcmp(sig, ARGON_CPUID_SIGNATURE, 12) != 0) {
		fprintf(stderr, "argon-exits: not running on argon (no signature at CPUID 0x%x)\n",
			ARGON_CPUID_BASE);
		return 2;
	}
	cpuid(0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	use_vmmcall = !strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine");
	/* All readings first, so the line costs the same whatever stdout is. */
	for (unsigned k = 0; k < ARGON_EXIT_KIND_COUNT; k++) {
		counts[k] = hypercall(ARGON_HC_EXIT_COUNT, k);
		if (counts[k] < 0) {
			fprintf(stderr, "argon-exits: EXIT_COUNT(%u) returned %lld\n", k,
				(long long)counts[k]);
			return 1;
		}
	}
	for (unsigned k = 0; k < ARGON_EXIT_KIND_COUNT; k++)
		printf("%s%s=%lld", k ? " " : "", argon_exit_kind_name(k), (long long)counts[k]);
	printf("\n");
	return 0;
}
