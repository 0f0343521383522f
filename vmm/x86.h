/* Thin accessors for privileged x86 instructions. Everything that touches
 * ports, MSRs or control registers goes through here. */
#ifndef ARGON_VMM_X86_H
#define ARGON_VMM_X86_H

#include <stdint.h>

#define MSR_EFER 0xC0000080u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_CSTAR 0xC0000083u
#define MSR_SFMASK 0xC0000084u
#define MSR_TSC_AUX 0xC0000103u
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_PAT 0x277u
#define MSR_APIC_BASE 0x1Bu
#define MSR_TSC 0x10u

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define EFER_SVME (1ULL << 12)

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_TS (1ULL << 3)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_VMXE (1ULL << 13)
#define CR4_OSXSAVE (1ULL << 18)

#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_FIXED (1ULL << 1)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#define XCR0_X87 (1ULL << 0)
#define XCR0_SSE (1ULL << 1)
#define XCR0_AVX (1ULL << 2)

static inline void xsetbv(uint32_t index, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR_ACCESSORS(n)                                             \
	static inline uint64_t read_cr##n(void)                            \
	{                                                                  \
		uint64_t v;                                                \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(uint64_t v)                         \
	{                                                                  \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
DEFINE_CR_ACCESSORS(8)
#undef DEFINE_CR_ACCESSORS

/* Exception vectors argon names. */
#define X86_EXC_DB 1
#define X86_EXC_DF 8
#define X86_EXC_AC 17

#define DR6_B0_B3 0xFULL
#define DR6_BD (1ULL << 13)
#define DR6_BS (1ULL << 14)
#define DR6_RTM (1ULL << 16) /* active low: clear when the #DB came in an RTM region */
#define DR6_FIXED1 0xFFFF0FF0ULL

static inline uint64_t read_dr6(void)
{
	uint64_t v;

	__asm__ volatile("mov %%db6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%db6" : : "r"(v) : "memory");
}

/* Zeroes len bytes (a multiple of 8, 8-byte aligned). Guest RAM, GiBs of
 * it, is zeroed on every start: non-temporal stores (MOVNTI, SSE2, which
 * every x86-64 CPU has) do not pull each line into the cache first, as
 * fast-string REP STOS does not on hardware either, and, unlike REP STOS,
 * run at full speed under QEMU's TCG, which emulates one REP iteration
 * at a time. 64 bytes per loop. */
static inline void mem_zero(void *p, uint64_t len)
{
	uint64_t *q = p, blocks = len / 64;

	if (blocks)
		__asm__ volatile("1:\n\t"
				 "movnti %[z], 0(%[q])\n\t"
				 "movnti %[z], 8(%[q])\n\t"
				 "movnti %[z], 16(%[q])\n\t"
				 "movnti %[z], 24(%[q])\n\t"
				 "movnti %[z], 32(%[q])\n\t"
				 "movnti %[z], 40(%[q])\n\t"
				 "movnti %[z], 48(%[q])\n\t"
				 "movnti %[z], 56(%[q])\n\t"
				 "add $64, %[q]\n\t"
				 "dec %[n]\n\t"
				 "jnz 1b\n\t"
				 "sfence"
				 : [q] "+r"(q), [n] "+r"(blocks)
				 : [z] "r"(0ULL)
				 : "cc", "memory");
	for (uint64_t i = 0; i < (len % 64) / 8; i++)
		q[i] = 0;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif
