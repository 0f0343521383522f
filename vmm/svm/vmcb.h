/* The AMD VMCB (APM vol 2, appendix B): a 4 KiB page, control area at 0x000,
 * state save area at 0x400. Offsets in comments are from the page start. */
#ifndef ARGON_VMM_SVM_VMCB_H
#define ARGON_VMM_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/bits.h"

/* Intercept vector 3 (offset 0x00C). */
#define SVM_INTERCEPT_INTR BIT(0)
#define SVM_INTERCEPT_NMI BIT(1)
#define SVM_INTERCEPT_SMI BIT(2)
#define SVM_INTERCEPT_INIT BIT(3)
#define SVM_INTERCEPT_CPUID BIT(18)
#define SVM_INTERCEPT_RDPMC BIT(15)
#define SVM_INTERCEPT_INVD BIT(22)
#define SVM_INTERCEPT_IRET BIT(20)
#define SVM_INTERCEPT_HLT BIT(24)
#define SVM_INTERCEPT_INVLPGA BIT(26)
#define SVM_INTERCEPT_IOIO_PROT BIT(27)
#define SVM_INTERCEPT_MSR_PROT BIT(28)
#define SVM_INTERCEPT_TASK_SWITCH BIT(29)
#define SVM_INTERCEPT_SHUTDOWN BIT(31)
/* Intercept vector 4 (offset 0x010). */
#define SVM_INTERCEPT_VMRUN BIT(0)
#define SVM_INTERCEPT_VMMCALL BIT(1)
#define SVM_INTERCEPT_VMLOAD BIT(2)
#define SVM_INTERCEPT_VMSAVE BIT(3)
#define SVM_INTERCEPT_STGI BIT(4)
#define SVM_INTERCEPT_CLGI BIT(5)
#define SVM_INTERCEPT_SKINIT BIT(6)
#define SVM_INTERCEPT_MONITOR BIT(10)
#define SVM_INTERCEPT_MWAIT BIT(11)
#define SVM_INTERCEPT_MWAIT_COND BIT(12)
#define SVM_INTERCEPT_XSETBV BIT(13)

#define SVM_TLB_CONTROL_FLUSH_ALL 1
#define SVM_NP_ENABLE BIT(0)

/* Exit codes (APM vol 2, appendix C). */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXC_DB 1 /* #DB: bit in intercept_exceptions */
#define SVM_EXIT_DB (SVM_EXIT_EXCP_BASE + SVM_EXC_DB)
#define SVM_EXC_AC 17 /* #AC */
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_RDPMC 0x06F
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_IRET 0x074
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07A
#define SVM_EXIT_IOIO 0x07B
#define SVM_EXIT_MSR 0x07C
#define SVM_EXIT_TASK_SWITCH 0x07D
#define SVM_EXIT_SHUTDOWN 0x07F
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_MONITOR 0x08A
#define SVM_EXIT_MWAIT 0x08B
#define SVM_EXIT_MWAIT_COND 0x08C
#define SVM_EXIT_XSETBV 0x08D
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((uint64_t)-1)
#define SVM_EXIT_MAX_TABLE 0x401

/* EXITINFO1 of IOIO exits. */
#define SVM_IOIO_TYPE_IN BIT(0)
#define SVM_IOIO_STR BIT(2)
#define SVM_IOIO_REP BIT(3)
#define SVM_IOIO_SZ8 BIT(4)
#define SVM_IOIO_SZ16 BIT(5)
#define SVM_IOIO_SZ32 BIT(6)
#define SVM_IOIO_PORT_OFF 16
#define SVM_IOIO_PORT_LEN 16

/* EXITINFO1 of NPF exits: a page-fault error code. */
#define SVM_NPF_PRESENT BIT(0)
#define SVM_NPF_WRITE BIT(1)
#define SVM_NPF_FETCH BIT(4)
#define SVM_NPF_TABLE_WALK BIT(33) /* during the guest's own page walk */

/* EVENTINJ (offset 0x0A8). */
#define SVM_EVTINJ_VECTOR_OFF 0
#define SVM_EVTINJ_VECTOR_LEN 8
#define SVM_EVTINJ_TYPE_OFF 8
#define SVM_EVTINJ_TYPE_NMI 2ULL
#define SVM_EVTINJ_TYPE_EXCEPTION 3ULL
#define SVM_EVTINJ_EV BIT(11)
#define SVM_EVTINJ_VALID BIT(31)
#define SVM_EVTINJ_ERR_OFF 32

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

struct vmcb_control {
	uint32_t intercept_cr;	       /* 0x000 */
	uint32_t intercept_dr;	       /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;      /* 0x00C */
	uint32_t intercept_misc2;      /* 0x010 */
	uint32_t intercept_misc3;      /* 0x014 */
	uint8_t reserved_018[0x03C - 0x018];
	uint16_t pause_filter_thresh; /* 0x03C */
	uint16_t pause_filter_count;  /* 0x03E */
	uint64_t iopm_base_pa;	      /* 0x040 */
	uint64_t msrpm_base_pa;	      /* 0x048 */
	uint64_t tsc_offset;	      /* 0x050 */
	uint32_t guest_asid;	      /* 0x058 */
	uint8_t tlb_control;	      /* 0x05C */
	uint8_t reserved_05d[3];
	uint64_t int_ctl;	  /* 0x060 */
	uint64_t int_shadow;	  /* 0x068 */
	uint64_t exit_code;	  /* 0x070 */
	uint64_t exit_info1;	  /* 0x078 */
	uint64_t exit_info2;	  /* 0x080 */
	uint64_t exit_int_info;	  /* 0x088 */
	uint64_t np_enable;	  /* 0x090 */
	uint64_t avic_apic_bar;	  /* 0x098 */
	uint64_t ghcb_pa;	  /* 0x0A0 */
	uint64_t event_inj;	  /* 0x0A8 */
	uint64_t n_cr3;		  /* 0x0B0 */
	uint64_t lbr_virt_enable; /* 0x0B8 */
	uint32_t clean_bits;	  /* 0x0C0 */
	uint32_t reserved_0c4;
	uint64_t next_rip;	/* 0x0C8 */
	uint8_t insn_len;	/* 0x0D0 */
	uint8_t insn_bytes[15]; /* 0x0D1 */
	uint8_t reserved_0e0[0x400 - 0x0E0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_seg es;   /* 0x400 */
	struct vmcb_seg cs;   /* 0x410 */
	struct vmcb_seg ss;   /* 0x420 */
	struct vmcb_seg ds;   /* 0x430 */
	struct vmcb_seg fs;   /* 0x440 */
	struct vmcb_seg gs;   /* 0x450 */
	struct vmcb_seg gdtr; /* 0x460 */
	struct vmcb_seg ldtr; /* 0x470 */
	struct vmcb_seg idtr; /* 0x480 */
	struct vmcb_seg tr;   /* 0x490 */
	uint8_t reserved_4a0[0x4CB - 0x4A0];
	uint8_t cpl; /* 0x4CB */
	uint32_t reserved_4cc;
	uint64_t efer; /* 0x4D0 */
	uint8_t reserved_4d8[0x548 - 0x4D8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t reserved_580[0x5D8 - 0x580];
	uint64_t rsp; /* 0x5D8 */
	uint8_t reserved_5e0[0x5F8 - 0x5E0];
	uint64_t rax;		 /* 0x5F8 */
	uint64_t star;		 /* 0x600 */
	uint64_t lstar;		 /* 0x608 */
	uint64_t cstar;		 /* 0x610 */
	uint64_t sfmask;	 /* 0x618 */
	uint64_t kernel_gs_base; /* 0x620 */
	uint64_t sysenter_cs;	 /* 0x628 */
	uint64_t sysenter_esp;	 /* 0x630 */
	uint64_t sysenter_eip;	 /* 0x638 */
	uint64_t cr2;		 /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;	 /* 0x668 */
	uint64_t dbgctl; /* 0x670 */
	uint8_t reserved_678[0x1000 - 0x678];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __attribute__((packed));

#define VMCB_OFFSET_CHECK(f, off) \
	_Static_assert(offsetof(struct vmcb, f) == (off), "VMCB offset of " #f)
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
VMCB_OFFSET_CHECK(ctl.intercept_misc1, 0x00C);
VMCB_OFFSET_CHECK(ctl.iopm_base_pa, 0x040);
VMCB_OFFSET_CHECK(ctl.guest_asid, 0x058);
VMCB_OFFSET_CHECK(ctl.exit_code, 0x070);
VMCB_OFFSET_CHECK(ctl.np_enable, 0x090);
VMCB_OFFSET_CHECK(ctl.event_inj, 0x0A8);
VMCB_OFFSET_CHECK(ctl.n_cr3, 0x0B0);
VMCB_OFFSET_CHECK(ctl.next_rip, 0x0C8);
VMCB_OFFSET_CHECK(save.es, 0x400);
VMCB_OFFSET_CHECK(save.tr, 0x490);
VMCB_OFFSET_CHECK(save.cpl, 0x4CB);
VMCB_OFFSET_CHECK(save.efer, 0x4D0);
VMCB_OFFSET_CHECK(save.cr4, 0x548);
VMCB_OFFSET_CHECK(save.rflags, 0x570);
VMCB_OFFSET_CHECK(save.rip, 0x578);
VMCB_OFFSET_CHECK(save.rsp, 0x5D8);
VMCB_OFFSET_CHECK(save.rax, 0x5F8);
VMCB_OFFSET_CHECK(save.kernel_gs_base, 0x620);
VMCB_OFFSET_CHECK(save.cr2, 0x640);
VMCB_OFFSET_CHECK(save.g_pat, 0x668);

#endif
