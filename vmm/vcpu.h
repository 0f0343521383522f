/* The vCPU backend interface (DESIGN.md section 3): one implementation per
 * vendor (vmm/svm/, vmm/vmx/), picked once at boot. Backends turn their raw
 * exits into struct vm_exit; the core (vmm/exit.c) handles each kind once. */
#ifndef ARGON_VMM_VCPU_H
#define ARGON_VMM_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/x86_decode.h"
#include "vmm/guest_abi.h"
#include "vmm/guest_walk.h"
#include "vmm/paging.h"

struct guest;
struct pcpu;

/* General-purpose registers plus RIP and RFLAGS. Backends keep the ones
 * the hardware holds in its control block (SVM: RAX, RSP, RIP, RFLAGS) in
 * step with this copy around every run. */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

/* Register n of the x86 encoding (RAX = 0, RCX = 1, ... R15 = 15). */
static inline uint64_t *guest_gpr(struct guest_regs *r, unsigned n)
{
	uint64_t *const gprs[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				    &r->rsi, &r->rdi, &r->r8,  &r->r9,	&r->r10, &r->r11,
				    &r->r12, &r->r13, &r->r14, &r->r15};

	return gprs[n & 15];
}

enum cr_access {
	CR_ACCESS_WRITE, /* MOV to CRn */
	CR_ACCESS_READ,	 /* MOV from CRn */
	CR_ACCESS_CLTS,
	CR_ACCESS_LMSW,
};

struct vm_exit {
	enum argon_exit_kind kind;
	uint64_t raw_reason; /* backend's own exit code, for dumps */
	unsigned insn_len;   /* length of the exiting instruction, 0 if unknown */
	union {
		struct {
			uint32_t index;
		} msr;
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			uint64_t gpa;
			bool write;
			bool fetch;
			bool present;	 /* the GPA was mapped: a permission fault */
			bool table_walk; /* the guest's page walk touched the GPA */
		} npf;
		struct {
			unsigned vector;
			bool has_error;
			uint32_t error;
		} exc;
		struct {
			uint32_t xcr;
		} xsetbv;
		struct {
			uint8_t cr; /* 0, 3, 4 or 8 */
			enum cr_access access;
			uint8_t gpr;	   /* guest_gpr() number of the operand */
			bool op64;	   /* 64-bit operand (64-bit mode), else 32 */
			uint16_t lmsw_src; /* LMSW's source operand */
		} cr;
	};
};

/* The segment and control state a vCPU starts with. */
struct seg_state {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 40-47 in 0-7, bits 52-55 in 8-11 */
	uint32_t limit;
	uint64_t base;
};

struct vcpu_init_state {
	struct seg_state cs, ds, es, ss, fs, gs, tr, ldtr;
	uint64_t gdtr_base, idtr_base;
	uint16_t gdtr_limit, idtr_limit;
	uint64_t cr0, cr3, cr4, efer;
	struct guest_regs regs;
};

struct vcpu {
	struct guest *guest;
	struct pcpu *pcpu;
	unsigned index; /* within the guest */
	struct guest_regs regs;
	void *arch;	    /* backend state (VMCB, VMCS) */
	volatile bool stop; /* leave the run loop (set by any CPU) */
	/* A second vCPU waits for its guest's INIT and SIPI (vmm/dev/vlapic.c). */
	volatile bool init_received;
	volatile int sipi_vector; /* -1 until a SIPI arrives */
	uint64_t mtrr_def_type;	  /* emulated IA32_MTRR_DEF_TYPE */
	/* An NMI of the guest's own that waits to be injected (when the
	 * guest can take one). Set from argon's NMI handler too. */
	volatile bool nmi_pending;
};

struct vcpu_ops {
	const char *name;
	/* The page-table format of the guest-physical tables (NPT or EPT). */
	enum pt_format nested_format;
	/* Whether those tables may use 1 GiB pages on this CPU. */
	bool (*nested_1g)(void);
	/* Enables root mode on the calling CPU. */
	int (*cpu_enable)(struct pcpu *cpu);
	int (*vcpu_create)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	void (*vcpu_set_state)(struct vcpu *v, const struct vcpu_init_state *s);
	/* Enters the guest and returns at the next exit, decoded into *e. */
	void (*vcpu_run)(struct vcpu *v, struct vm_exit *e);
	void (*inject_exception)(struct vcpu *v, unsigned vector, bool has_error, uint32_t error);
	/* Gives the guest the exception that exited (e, ARGON_EXIT_EXCEPTION)
	 * as the CPU would have delivered it without the intercept: its error
	 * code, and for #DB the DR6 it would have seen. */
	void (*reflect_exception)(struct vcpu *v, const struct vm_exit *e);
	void (*inject_nmi)(struct vcpu *v);
	/* Forces the vCPU on another CPU out of its guest soon (or, if it is
	 * in argon, at its next entry). */
	void (*kick)(const struct pcpu *target);
	uint64_t (*get_efer)(struct vcpu *v);
	void (*set_efer)(struct vcpu *v, uint64_t efer);
	/* CRn as the guest sees it (0, 2, 3, 4, 8). */
	uint64_t (*get_cr)(struct vcpu *v, unsigned cr);
	/* What the guest's MMU uses now (CR0, CR3, CR4, EFER as the hardware
	 * holds them, not as the guest reads them back; CPL), for walking
	 * its page tables when an instruction is emulated. */
	void (*get_paging)(struct vcpu *v, struct gwalk_ctl *out);
	/* A segment register (attrib in struct seg_state's layout; 0 for an
	 * unusable segment). */
	void (*get_seg)(struct vcpu *v, enum x86_seg seg, struct seg_state *out);
	/* Loads CRn (0, 3, 4, 8) on the guest's behalf, as its MOV to CRn
	 * would; -ERR_INVAL where that MOV raises #GP. NULL for a backend
	 * that never intercepts CR accesses (SVM: the guest owns its CRs). */
	int (*set_cr)(struct vcpu *v, unsigned cr, uint64_t val);
	/* Lets interrupts and NMIs the host holds reach it (open) or holds
	 * them again: SVM's GIF, around STI/CLI. NULL where IF alone rules
	 * (VMX). */
	void (*host_intr_window)(bool open);
	/* Called from argon's NMI handler when an NMI arrives while argon
	 * runs on the core of v, after v->nmi_pending is set: makes the next
	 * entry deliver it. Lock-free. NULL where NMIs never reach argon
	 * while a vCPU is pinned (SVM: GIF is clear). */
	void (*host_nmi)(struct vcpu *v);
	/* Prints the backend's whole guest state (VMCB or VMCS). */
	void (*dump)(struct vcpu *v);
};

extern const struct vcpu_ops *vcpu_ops;
extern const struct vcpu_ops svm_vcpu_ops;
extern const struct vcpu_ops vmx_vcpu_ops;

/* Picks the backend from CPUID; -ERR_NODEV if neither SVM nor VMX is usable. */
int vcpu_backend_select(void);

/* Runs v on the calling CPU until its guest stops. */
void vcpu_run_loop(struct vcpu *v);

#endif
