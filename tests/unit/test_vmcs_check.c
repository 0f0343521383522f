/* The VM-entry checker over a table-backed fake VMCS and the capability
 * MSRs of a real Skylake: known-good images pass with no failures, and each
 * broken image fails exactly the checks named for it. */
#include <stdbool.h>
#include <stdlib.h>

#include "lib/bits.h"
#include "tests/unit/check.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/vmcs_check.h"

/* Intel Core i7-6700K (Skylake client), as VirtualBox's CPU database
 * records it (src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_6700K.h).
 * IA32_VMX_BASIC bit 55 is set, so the effective pin/proc/exit/entry
 * settings are the TRUE_* MSRs 48DH-490H. No APIC virtualization or posted
 * interrupts (PROCBASED_CTLS2 allowed-1 0x1ffcff, PINBASED allowed-1 0x7f),
 * no 5-level EPT; A/D for EPT, 2M/1G pages, VMFUNC 0 (EPTP switching). */
#define SKL_VMX_BASIC 0x00da040000000004ULL
#define SKL_TRUE_PINBASED_CTLS 0x0000007f00000016ULL
#define SKL_TRUE_PROCBASED_CTLS 0xfff9fffe04006172ULL
#define SKL_PROCBASED_CTLS2 0x001ffcff00000000ULL
#define SKL_TRUE_EXIT_CTLS 0x01ffffff00036dfbULL
#define SKL_TRUE_ENTRY_CTLS 0x0003ffff000011fbULL
#define SKL_VMX_MISC 0x7004c1e7ULL   /* HLT/shutdown/SIPI, 4 CR3 targets, bit 30 */
#define SKL_CR0_FIXED0 0x80000021ULL /* PE, NE, PG */
#define SKL_CR0_FIXED1 0xffffffffULL
#define SKL_CR4_FIXED0 0x2000ULL /* VMXE */
#define SKL_CR4_FIXED1 0x3727ffULL
#define SKL_EPT_VPID_CAP 0x00000f0106334141ULL
#define SKL_VMFUNC 0x1ULL
#define SKL_MAXPHYADDR 39 /* CPUID.80000008H:EAX = 0x3027 */

static const struct vmx_caps skylake = {
	.basic = SKL_VMX_BASIC,
	.pin = SKL_TRUE_PINBASED_CTLS,
	.proc = SKL_TRUE_PROCBASED_CTLS,
	.proc2 = SKL_PROCBASED_CTLS2,
	.exit = SKL_TRUE_EXIT_CTLS,
	.entry = SKL_TRUE_ENTRY_CTLS,
	.misc = SKL_VMX_MISC,
	.cr0_fixed0 = SKL_CR0_FIXED0,
	.cr0_fixed1 = SKL_CR0_FIXED1,
	.cr4_fixed0 = SKL_CR4_FIXED0,
	.cr4_fixed1 = SKL_CR4_FIXED1,
	.ept_vpid = SKL_EPT_VPID_CAP,
	.vmfunc = SKL_VMFUNC,
	.maxphyaddr = SKL_MAXPHYADDR,
	.vaddr_bits = 48,
};

/* The default1 bits the TRUE MSRs still require, plus what argon uses. */
#define GOOD_PIN (0x16 | PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMIS)
#define GOOD_PROC \
	(0x04006172 | PROC_HLT_EXIT | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY)
#define GOOD_PROC2 (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST)
#define GOOD_EXIT                                                                                 \
	(0x00036dfb | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR | EXIT_SAVE_PAT | EXIT_LOAD_PAT | \
	 EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define GOOD_ENTRY (0x11fb | ENTRY_LOAD_DEBUG | ENTRY_IA32E_MODE | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)
#define GOOD_EPTP (0x13000 | 6 | (3 << 3)) /* WB, 4-level walk */

#define CR0_LONG 0x80010033ULL /* PE MP ET NE WP PG */
#define CR4_GUEST 0x2020ULL    /* PAE VMXE */
#define CR4_HOST 0x26a0ULL     /* PAE PGE OSFXSR OSXMMEXCPT VMXE */
#define PAT_DEFAULT 0x0007040600070406ULL
#define EFER_HOST 0xd01ULL  /* SCE LME LMA NXE */
#define EFER_GUEST 0x500ULL /* LME LMA */
#define NONCANONICAL 0x0000800000000000ULL

#define INFO(type, vector) (INTR_INFO_VALID | ((uint64_t)(type) << 8) | (vector))

struct fake_vmcs {
	struct {
		uint32_t field;
		uint64_t value;
	} e[160];
	unsigned n;
	unsigned missing; /* reads of fields the image does not hold */
	uint32_t first_missing;
};

static uint64_t fake_read(void *ctx, uint32_t field)
{
	struct fake_vmcs *v = ctx;

	for (unsigned i = 0; i < v->n; i++)
		if (v->e[i].field == field)
			return v->e[i].value;
	if (v->missing++ == 0)
		v->first_missing = field;
	return 0;
}

static void set(struct fake_vmcs *v, uint32_t field, uint64_t value)
{
	for (unsigned i = 0; i < v->n; i++) {
		if (v->e[i].field == field) {
			v->e[i].value = value;
			return;
		}
	}
	if (v->n == ARRAY_SIZE(v->e)) {
		fprintf(stderr, "fake VMCS full\n");
		abort();
	}
	v->e[v->n].field = field;
	v->e[v->n].value = value;
	v->n++;
}

static void set_seg(struct fake_vmcs *v, uint32_t sel_field, uint64_t sel, uint64_t base,
		    uint64_t limit, uint64_t ar)
{
	/* Selector, base, limit and AR fields list ES, CS, SS, DS, FS, GS, LDTR,
	 * TR in the same order, 2 apart. */
	uint32_t idx = sel_field - VMCS_GUEST_ES_SEL;

	set(v, sel_field, sel);
	set(v, VMCS_GUEST_ES_BASE + idx, base);
	set(v, VMCS_GUEST_ES_LIMIT + idx, limit);
	set(v, VMCS_GUEST_ES_AR + idx, ar);
}

static void good_host(struct fake_vmcs *v)
{
	set(v, VMCS_HOST_CR0, CR0_LONG);
	set(v, VMCS_HOST_CR3, 0x1000);
	set(v, VMCS_HOST_CR4, CR4_HOST);
	set(v, VMCS_HOST_ES_SEL, 0x10);
	set(v, VMCS_HOST_CS_SEL, 0x08);
	set(v, VMCS_HOST_SS_SEL, 0x10);
	set(v, VMCS_HOST_DS_SEL, 0x10);
	set(v, VMCS_HOST_FS_SEL, 0);
	set(v, VMCS_HOST_GS_SEL, 0);
	set(v, VMCS_HOST_TR_SEL, 0x18);
	set(v, VMCS_HOST_FS_BASE, 0);
	set(v, VMCS_HOST_GS_BASE, 0x104000);
	set(v, VMCS_HOST_TR_BASE, 0x105000);
	set(v, VMCS_HOST_GDTR_BASE, 0x106000);
	set(v, VMCS_HOST_IDTR_BASE, 0x107000);
	set(v, VMCS_HOST_SYSENTER_CS, 0);
	set(v, VMCS_HOST_SYSENTER_ESP, 0);
	set(v, VMCS_HOST_SYSENTER_EIP, 0);
	set(v, VMCS_HOST_RSP, 0x200000);
	set(v, VMCS_HOST_RIP, 0x101000);
	set(v, VMCS_HOST_PAT, PAT_DEFAULT);
	set(v, VMCS_HOST_EFER, EFER_HOST);
}

/* A 64-bit guest as argon starts one: flat 64-bit code and data, busy
 * 64-bit TSS, no LDT, EPT (4-level, WB), VPID 1, unrestricted guest, I/O
 * and MSR bitmaps, EFER/PAT/debug controls loaded on entry. */
static void good_long_mode(struct fake_vmcs *v)
{
	memset(v, 0, sizeof(*v));
	set(v, VMCS_PIN_CONTROLS, GOOD_PIN);
	set(v, VMCS_PROC_CONTROLS, GOOD_PROC);
	set(v, VMCS_PROC_CONTROLS2, GOOD_PROC2);
	set(v, VMCS_EXIT_CONTROLS, GOOD_EXIT);
	set(v, VMCS_ENTRY_CONTROLS, GOOD_ENTRY);
	set(v, VMCS_EXCEPTION_BITMAP, 0);
	set(v, VMCS_CR3_TARGET_COUNT, 0);
	set(v, VMCS_IO_BITMAP_A, 0x10000);
	set(v, VMCS_IO_BITMAP_B, 0x11000);
	set(v, VMCS_MSR_BITMAP, 0x12000);
	set(v, VMCS_EPT_POINTER, GOOD_EPTP);
	set(v, VMCS_VPID, 1);
	set(v, VMCS_EXIT_MSR_STORE_COUNT, 0);
	set(v, VMCS_EXIT_MSR_LOAD_COUNT, 0);
	set(v, VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	set(v, VMCS_ENTRY_INTR_INFO, 0);
	set(v, VMCS_ENTRY_EXCEPTION_ERROR, 0);
	set(v, VMCS_ENTRY_INSN_LEN, 0);
	good_host(v);

	set(v, VMCS_GUEST_CR0, CR0_LONG);
	set(v, VMCS_GUEST_CR3, 0x2000);
	set(v, VMCS_GUEST_CR4, CR4_GUEST);
	set(v, VMCS_GUEST_DR7, 0x400);
	set(v, VMCS_GUEST_DEBUGCTL, 0);
	set(v, VMCS_GUEST_PAT, PAT_DEFAULT);
	set(v, VMCS_GUEST_EFER, EFER_GUEST);
	set(v, VMCS_GUEST_SYSENTER_CS, 0);
	set(v, VMCS_GUEST_SYSENTER_ESP, 0);
	set(v, VMCS_GUEST_SYSENTER_EIP, 0);
	set_seg(v, VMCS_GUEST_CS_SEL, 0x08, 0, 0xFFFFFFFF, 0xA09B);
	set_seg(v, VMCS_GUEST_SS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	set_seg(v, VMCS_GUEST_DS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	set_seg(v, VMCS_GUEST_ES_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	set_seg(v, VMCS_GUEST_FS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	set_seg(v, VMCS_GUEST_GS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	set_seg(v, VMCS_GUEST_TR_SEL, 0x18, 0x3000, 0x67, 0x8B);
	set_seg(v, VMCS_GUEST_LDTR_SEL, 0, 0, 0, AR_UNUSABLE);
	set(v, VMCS_GUEST_GDTR_BASE, 0x4000);
	set(v, VMCS_GUEST_GDTR_LIMIT, 0x1F);
	set(v, VMCS_GUEST_IDTR_BASE, 0x5000);
	set(v, VMCS_GUEST_IDTR_LIMIT, 0xFFF);
	set(v, VMCS_GUEST_RIP, 0x100000);
	set(v, VMCS_GUEST_RSP, 0x80000);
	set(v, VMCS_GUEST_RFLAGS, 0x2);
	set(v, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	set(v, VMCS_GUEST_INTERRUPTIBILITY, 0);
	set(v, VMCS_GUEST_PENDING_DBG, 0);
	set(v, VMCS_LINK_POINTER, ~0ULL);
}

/* Unrestricted real mode at the reset vector: PE = PG = 0, real-mode
 * selectors and bases, 64 KiB limits. */
static void good_real_mode(struct fake_vmcs *v)
{
	good_long_mode(v);
	set(v, VMCS_ENTRY_CONTROLS, GOOD_ENTRY & ~ENTRY_IA32E_MODE);
	set(v, VMCS_GUEST_CR0, 0x30); /* ET NE */
	set(v, VMCS_GUEST_CR3, 0);
	set(v, VMCS_GUEST_CR4, 0x2000); /* VMXE */
	set(v, VMCS_GUEST_EFER, 0);
	set_seg(v, VMCS_GUEST_CS_SEL, 0xF000, 0xF0000, 0xFFFF, 0x9B);
	set_seg(v, VMCS_GUEST_SS_SEL, 0, 0, 0xFFFF, 0x93);
	set_seg(v, VMCS_GUEST_DS_SEL, 0, 0, 0xFFFF, 0x93);
	set_seg(v, VMCS_GUEST_ES_SEL, 0, 0, 0xFFFF, 0x93);
	set_seg(v, VMCS_GUEST_FS_SEL, 0, 0, 0xFFFF, 0x93);
	set_seg(v, VMCS_GUEST_GS_SEL, 0, 0, 0xFFFF, 0x93);
	set_seg(v, VMCS_GUEST_TR_SEL, 0, 0, 0xFFFF, 0x8B);
	set(v, VMCS_GUEST_GDTR_BASE, 0);
	set(v, VMCS_GUEST_GDTR_LIMIT, 0xFFFF);
	set(v, VMCS_GUEST_IDTR_BASE, 0);
	set(v, VMCS_GUEST_IDTR_LIMIT, 0x3FF);
	set(v, VMCS_GUEST_RIP, 0xFFF0);
	set(v, VMCS_GUEST_RSP, 0);
}

/* 32-bit protected mode with PAE paging under EPT: the PDPTE fields count. */
static void good_pae(struct fake_vmcs *v)
{
	good_long_mode(v);
	set(v, VMCS_ENTRY_CONTROLS, GOOD_ENTRY & ~ENTRY_IA32E_MODE);
	set(v, VMCS_GUEST_EFER, 0);
	set_seg(v, VMCS_GUEST_CS_SEL, 0x08, 0, 0xFFFFFFFF, 0xC09B);
	set(v, VMCS_GUEST_PDPTE0, 0x3001);
	set(v, VMCS_GUEST_PDPTE1, 0x4001);
	set(v, VMCS_GUEST_PDPTE2, 0x5001);
	set(v, VMCS_GUEST_PDPTE3, 0x6001);
}

static unsigned run(struct fake_vmcs *v, const struct vmx_caps *caps, struct vmcs_check_result *res)
{
	struct vmcs_reader r = {fake_read, v};

	memset(res, 0xA5, sizeof(*res)); /* the checker must reset it */
	return vmcs_check_entry(&r, caps, res);
}

static bool listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Exactly the named checks fail (each once or more), nothing else. */
static void expect_only(const char *what, struct fake_vmcs *v, const struct vmx_caps *caps,
			const char *const *names, size_t n)
{
	struct vmcs_check_result res;
	unsigned got = run(v, caps, &res), kept;
	bool ok = got == res.count && got >= n;

	kept = got < VMCS_CHECK_MAX_FAILURES ? got : VMCS_CHECK_MAX_FAILURES;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (unsigned j = 0; j < kept; j++)
			seen |= strcmp(res.f[j].name, names[i]) == 0;
		ok &= seen;
	}
	for (unsigned j = 0; j < kept; j++) {
		ok &= listed(res.f[j].name, names, n);
		ok &= res.f[j].sdm && strncmp(res.f[j].sdm, "26.", 3) == 0;
		ok &= strnlen(res.f[j].detail, VMCS_CHECK_DETAIL_MAX) > 0;
	}
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  %s: expected", what);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", names[i]);
		fprintf(stderr, "%s; got %u:\n", n ? "" : " none", got);
		for (unsigned j = 0; j < kept; j++)
			fprintf(stderr, "    vmcs check failed: %s (SDM %s): %s\n", res.f[j].name,
				res.f[j].sdm, res.f[j].detail);
	}
}

#define EXPECT_FAILS(what, v, caps, ...)                                \
	do {                                                            \
		static const char *const names_[] = {__VA_ARGS__};      \
		expect_only(what, v, caps, names_, ARRAY_SIZE(names_)); \
	} while (0)

static void expect_pass(const char *what, struct fake_vmcs *v, const struct vmx_caps *caps)
{
	expect_only(what, v, caps, NULL, 0);
	/* Every field the checker wanted is in the image. */
	CHECK_EQ(v->missing, 0);
	if (v->missing)
		fprintf(stderr, "  %s: read missing field 0x%x\n", what, v->first_missing);
}

static void test_good_images(void)
{
	struct fake_vmcs v;

	good_long_mode(&v);
	expect_pass("64-bit guest", &v, &skylake);
	good_real_mode(&v);
	expect_pass("unrestricted real-mode guest", &v, &skylake);
	good_pae(&v);
	expect_pass("32-bit PAE guest with EPT", &v, &skylake);
}

/* One field changed from the known-good 64-bit image. */
struct one_field {
	const char *what;
	uint32_t field;
	uint64_t value;
	const char *expect[4];
};

static const struct one_field one_field_cases[] = {
	/* VM-execution controls */
	{"pin default1 bit 1 clear",
	 VMCS_PIN_CONTROLS,
	 GOOD_PIN & ~BIT(1),
	 {"ctrl.pin.allowed_settings"}},
	{"posted interrupts unsupported",
	 VMCS_PIN_CONTROLS,
	 GOOD_PIN | PIN_POSTED_INTR,
	 {"ctrl.pin.allowed_settings", "ctrl.posted_intr.vid"}},
	{"virtual NMIs without NMI exiting",
	 VMCS_PIN_CONTROLS,
	 GOOD_PIN & ~PIN_NMI_EXIT,
	 {"ctrl.nmi.virtual_nmis"}},
	{"proc bit 17 is must-be-0",
	 VMCS_PROC_CONTROLS,
	 GOOD_PROC | BIT(17),
	 {"ctrl.proc.allowed_settings"}},
	{"APIC-register virtualization unsupported",
	 VMCS_PROC_CONTROLS2,
	 GOOD_PROC2 | PROC2_APIC_REG_VIRT,
	 {"ctrl.proc2.allowed_settings", "ctrl.tpr_shadow.required"}},
	{"proc2 reserved bit 30",
	 VMCS_PROC_CONTROLS2,
	 GOOD_PROC2 | BIT(30),
	 {"ctrl.proc2.allowed_settings"}},
	{"unrestricted guest without EPT",
	 VMCS_PROC_CONTROLS2,
	 PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST,
	 {"ctrl.unrestricted_guest.ept"}},
	{"CR3-target count 5", VMCS_CR3_TARGET_COUNT, 5, {"ctrl.cr3_target_count"}},
	{"I/O bitmap B misaligned", VMCS_IO_BITMAP_B, 0x11008, {"ctrl.io_bitmap.address"}},
	{"MSR bitmap above MAXPHYADDR", VMCS_MSR_BITMAP, 1ULL << 39, {"ctrl.msr_bitmap.address"}},
	{"VPID 0", VMCS_VPID, 0, {"ctrl.vpid.zero"}},
	{"EPTP memory type WC",
	 VMCS_EPT_POINTER,
	 0x13000 | 1 | (3 << 3),
	 {"ctrl.eptp.memory_type"}},
	{"EPTP 5-level walk", VMCS_EPT_POINTER, 0x13000 | 6 | (4 << 3), {"ctrl.eptp.walk_length"}},
	{"EPTP bit 7 without CET", VMCS_EPT_POINTER, GOOD_EPTP | BIT(7), {"ctrl.eptp.reserved"}},
	{"EPTP bit 11", VMCS_EPT_POINTER, GOOD_EPTP | BIT(11), {"ctrl.eptp.reserved"}},
	{"EPTP above MAXPHYADDR",
	 VMCS_EPT_POINTER,
	 GOOD_EPTP | (1ULL << 39),
	 {"ctrl.eptp.reserved"}},
	/* VM-exit controls */
	{"exit default1 bit 0 clear",
	 VMCS_EXIT_CONTROLS,
	 GOOD_EXIT & ~BIT(0),
	 {"ctrl.exit.allowed_settings"}},
	{"save preemption timer without the timer",
	 VMCS_EXIT_CONTROLS,
	 GOOD_EXIT | EXIT_SAVE_PREEMPT_TIMER,
	 {"ctrl.exit.preempt_timer_save"}},
	/* VM-entry controls and event injection */
	{"entry bit 18 not allowed",
	 VMCS_ENTRY_CONTROLS,
	 GOOD_ENTRY | BIT(18),
	 {"ctrl.entry.allowed_settings"}},
	{"IA-32e mode guest clear for a 64-bit guest",
	 VMCS_ENTRY_CONTROLS,
	 GOOD_ENTRY & ~ENTRY_IA32E_MODE,
	 {"guest.efer.lma"}},
	{"entry to SMM",
	 VMCS_ENTRY_CONTROLS,
	 GOOD_ENTRY | ENTRY_SMM,
	 {"ctrl.entry.smm", "guest.interruptibility.smi"}},
	{"NMI with vector 3",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_NMI, 3),
	 {"ctrl.entry.intr_info.vector"}},
	{"hardware exception vector 32",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_HW_EXCEPTION, 32),
	 {"ctrl.entry.intr_info.vector"}},
	{"#GP without error code",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_HW_EXCEPTION, 13),
	 {"ctrl.entry.intr_info.error_code"}},
	{"#UD with error code",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_HW_EXCEPTION, 6) | INTR_INFO_DELIVER_ERROR,
	 {"ctrl.entry.intr_info.error_code"}},
	{"reserved type 1", VMCS_ENTRY_INTR_INFO, INFO(1, 0), {"ctrl.entry.intr_info.type"}},
	{"NMI with reserved bit 12",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_NMI, 2) | BIT(12),
	 {"ctrl.entry.intr_info.reserved"}},
	{"external interrupt with IF clear",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_EXT_INTR, 0x20),
	 {"guest.rflags.if"}},
	/* Host state */
	{"host CR0.NE clear", VMCS_HOST_CR0, CR0_LONG & ~BIT(5), {"host.cr0.fixed_bits"}},
	{"host CR4.VMXE clear", VMCS_HOST_CR4, CR4_HOST & ~BIT(13), {"host.cr4.fixed_bits"}},
	{"host CR4.PAE clear", VMCS_HOST_CR4, CR4_HOST & ~BIT(5), {"host.cr4.pae"}},
	{"host CR3 above MAXPHYADDR", VMCS_HOST_CR3, (1ULL << 39) | 0x1000, {"host.cr3.reserved"}},
	{"host EFER.LMA clear", VMCS_HOST_EFER, EFER_HOST & ~BIT(10), {"host.efer.lma_lme"}},
	{"host EFER reserved bit 2", VMCS_HOST_EFER, EFER_HOST | BIT(2), {"host.efer.reserved"}},
	{"host PAT type 2", VMCS_HOST_PAT, 0x0007040600070402ULL, {"host.pat.values"}},
	{"host CS RPL 3", VMCS_HOST_CS_SEL, 0x0B, {"host.cs.selector_rpl_ti"}},
	{"host DS TI set", VMCS_HOST_DS_SEL, 0x14, {"host.ds.selector_rpl_ti"}},
	{"host CS selector 0", VMCS_HOST_CS_SEL, 0, {"host.cs.selector_zero"}},
	{"host TR selector 0", VMCS_HOST_TR_SEL, 0, {"host.tr.selector_zero"}},
	{"host GS base non-canonical", VMCS_HOST_GS_BASE, NONCANONICAL, {"host.gs.base_canonical"}},
	{"host IDTR base non-canonical",
	 VMCS_HOST_IDTR_BASE,
	 0xffff7fff00000000ULL,
	 {"host.idtr.base_canonical"}},
	{"host SYSENTER_ESP non-canonical",
	 VMCS_HOST_SYSENTER_ESP,
	 NONCANONICAL,
	 {"host.sysenter_esp.canonical"}},
	{"host RIP non-canonical", VMCS_HOST_RIP, 0x8000000000101000ULL, {"host.rip.canonical"}},
	{"host address-space size 0",
	 VMCS_EXIT_CONTROLS,
	 GOOD_EXIT & ~EXIT_HOST_ADDR_SPACE_SIZE,
	 {"host.address_space_size", "host.address_space_size.ia32e_guest", "host.efer.lma_lme"}},
	/* Guest control registers and MSRs */
	{"guest CR0.NE clear", VMCS_GUEST_CR0, CR0_LONG & ~BIT(5), {"guest.cr0.fixed_bits"}},
	{"guest CR0 bit 32", VMCS_GUEST_CR0, CR0_LONG | BIT(32), {"guest.cr0.fixed_bits"}},
	{"guest CR0.PG without PE",
	 VMCS_GUEST_CR0,
	 CR0_LONG & ~BIT(0),
	 {"guest.cr0.pg_without_pe"}},
	{"guest CR0.PG clear in IA-32e mode",
	 VMCS_GUEST_CR0,
	 CR0_LONG & ~BIT(31),
	 {"guest.cr0.pg_ia32e"}},
	{"guest CR4.VMXE clear", VMCS_GUEST_CR4, CR4_GUEST & ~BIT(13), {"guest.cr4.fixed_bits"}},
	{"guest CR4.PAE clear in IA-32e mode",
	 VMCS_GUEST_CR4,
	 CR4_GUEST & ~BIT(5),
	 {"guest.cr4.pae_ia32e"}},
	{"guest CR3 above MAXPHYADDR",
	 VMCS_GUEST_CR3,
	 (1ULL << 40) | 0x2000,
	 {"guest.cr3.reserved"}},
	{"guest DR7 bit 32", VMCS_GUEST_DR7, 0x400 | BIT(32), {"guest.dr7.upper_bits"}},
	{"guest DEBUGCTL bit 16", VMCS_GUEST_DEBUGCTL, BIT(16), {"guest.debugctl.reserved"}},
	{"guest PAT type 3", VMCS_GUEST_PAT, 0x0007040600070403ULL, {"guest.pat.values"}},
	{"guest EFER.LMA clear",
	 VMCS_GUEST_EFER,
	 EFER_GUEST & ~BIT(10),
	 {"guest.efer.lma", "guest.efer.lme"}},
	{"guest EFER.LME clear", VMCS_GUEST_EFER, EFER_GUEST & ~BIT(8), {"guest.efer.lme"}},
	{"guest EFER reserved bit 1",
	 VMCS_GUEST_EFER,
	 EFER_GUEST | BIT(1),
	 {"guest.efer.reserved"}},
	{"guest SYSENTER_EIP non-canonical",
	 VMCS_GUEST_SYSENTER_EIP,
	 NONCANONICAL,
	 {"guest.sysenter_eip.canonical"}},
	/* Guest segment registers */
	{"guest TR TI set", VMCS_GUEST_TR_SEL, 0x1C, {"guest.tr.selector_ti"}},
	{"guest TR 16-bit busy TSS in IA-32e mode", VMCS_GUEST_TR_AR, 0x83, {"guest.tr.type"}},
	{"guest TR unusable", VMCS_GUEST_TR_AR, 0x8B | AR_UNUSABLE, {"guest.tr.unusable"}},
	{"guest TR with S set", VMCS_GUEST_TR_AR, 0x9B, {"guest.tr.s"}},
	{"guest LDTR usable with type 0", VMCS_GUEST_LDTR_AR, 0x80, {"guest.ldtr.type"}},
	{"guest CS L and D/B", VMCS_GUEST_CS_AR, 0xE09B, {"guest.cs.l_and_db"}},
	{"guest CS type 1", VMCS_GUEST_CS_AR, 0xA091, {"guest.cs.type"}},
	{"guest CS DPL 3 with SS DPL 0", VMCS_GUEST_CS_AR, 0xA0FB, {"guest.cs.dpl"}},
	{"guest CS reserved bit 8", VMCS_GUEST_CS_AR, 0xA19B, {"guest.cs.reserved"}},
	{"guest CS base bit 32", VMCS_GUEST_CS_BASE, BIT(32), {"guest.cs.base_upper"}},
	{"guest SS read-only", VMCS_GUEST_SS_AR, 0xC091, {"guest.ss.type"}},
	{"guest DS not present", VMCS_GUEST_DS_AR, 0xC013, {"guest.ds.present"}},
	{"guest DS byte granular 4 GiB limit", VMCS_GUEST_DS_AR, 0x4093, {"guest.ds.granularity"}},
	{"guest ES execute-only code", VMCS_GUEST_ES_AR, 0xC099, {"guest.es.type"}},
	{"guest FS system segment", VMCS_GUEST_FS_AR, 0xC083, {"guest.fs.s"}},
	{"guest GS base non-canonical",
	 VMCS_GUEST_GS_BASE,
	 NONCANONICAL,
	 {"guest.gs.base_canonical"}},
	/* Descriptor tables, RIP, RFLAGS */
	{"guest GDTR limit 0x10000", VMCS_GUEST_GDTR_LIMIT, 0x10000, {"guest.gdtr.limit"}},
	{"guest IDTR base non-canonical",
	 VMCS_GUEST_IDTR_BASE,
	 NONCANONICAL,
	 {"guest.idtr.base_canonical"}},
	{"guest RIP non-canonical", VMCS_GUEST_RIP, NONCANONICAL, {"guest.rip.canonical"}},
	{"guest RFLAGS bit 1 clear", VMCS_GUEST_RFLAGS, 0, {"guest.rflags.reserved"}},
	{"guest RFLAGS bit 22", VMCS_GUEST_RFLAGS, 0x2 | BIT(22), {"guest.rflags.reserved"}},
	{"guest RFLAGS.VM in IA-32e mode", VMCS_GUEST_RFLAGS, 0x2 | BIT(17), {"guest.rflags.vm"}},
	/* Non-register state */
	{"activity state 4", VMCS_GUEST_ACTIVITY_STATE, 4, {"guest.activity.unsupported"}},
	{"interruptibility bit 5",
	 VMCS_GUEST_INTERRUPTIBILITY,
	 BIT(5),
	 {"guest.interruptibility.reserved"}},
	{"STI and MOV-SS blocking",
	 VMCS_GUEST_INTERRUPTIBILITY,
	 INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS,
	 {"guest.interruptibility.sti_and_mov_ss", "guest.interruptibility.sti_without_if"}},
	{"STI blocking with IF clear",
	 VMCS_GUEST_INTERRUPTIBILITY,
	 INTERRUPTIBILITY_STI,
	 {"guest.interruptibility.sti_without_if"}},
	{"SMI blocking outside SMM",
	 VMCS_GUEST_INTERRUPTIBILITY,
	 INTERRUPTIBILITY_SMI,
	 {"guest.interruptibility.smi"}},
	{"enclave interruption with MOV-SS blocking",
	 VMCS_GUEST_INTERRUPTIBILITY,
	 INTERRUPTIBILITY_ENCLAVE | INTERRUPTIBILITY_MOV_SS,
	 {"guest.interruptibility.enclave"}},
	{"pending debug bit 4", VMCS_GUEST_PENDING_DBG, BIT(4), {"guest.pending_dbg.reserved"}},
	{"pending debug RTM without bit 12",
	 VMCS_GUEST_PENDING_DBG,
	 PENDING_DBG_RTM,
	 {"guest.pending_dbg.rtm"}},
	{"VMCS link pointer 0", VMCS_LINK_POINTER, 0, {"guest.vmcs_link.pointer"}},
};

static void test_one_field_broken(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(one_field_cases); i++) {
		const struct one_field *t = &one_field_cases[i];
		struct fake_vmcs v;
		size_t n = 0;

		while (n < ARRAY_SIZE(t->expect) && t->expect[n])
			n++;
		good_long_mode(&v);
		set(&v, t->field, t->value);
		expect_only(t->what, &v, &skylake, t->expect, n);
	}
}

/* Settings that look odd but are allowed. */
static const struct one_field one_field_fine[] = {
	{"host CR0.CD is never checked", VMCS_HOST_CR0, CR0_LONG | BIT(30), {NULL}},
	{"host SS 0 with a 64-bit host", VMCS_HOST_SS_SEL, 0, {NULL}},
	{"unusable DS is not checked", VMCS_GUEST_DS_AR, 0x1FF00, {NULL}},
	{"HLT", VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT, {NULL}},
	{"wait-for-SIPI", VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_SIPI, {NULL}},
	{"pending RTM debug exception",
	 VMCS_GUEST_PENDING_DBG,
	 PENDING_DBG_RTM | PENDING_DBG_BP,
	 {NULL}},
	{"EPT A/D flags (supported)", VMCS_EPT_POINTER, GOOD_EPTP | EPTP_AD, {NULL}},
	{"EPTP UC", VMCS_EPT_POINTER, 0x13000 | 0 | (3 << 3), {NULL}},
	{"inject NMI", VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_NMI, 2), {NULL}},
	{"inject #DF with error code",
	 VMCS_ENTRY_INTR_INFO,
	 INFO(INTR_TYPE_HW_EXCEPTION, 8) | INTR_INFO_DELIVER_ERROR,
	 {NULL}},
	{"CS base bits 31:0 may be anything", VMCS_GUEST_CS_BASE, 0xFFFF0000, {NULL}},
};

static void test_one_field_fine(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(one_field_fine); i++) {
		struct fake_vmcs v;

		good_long_mode(&v);
		set(&v, one_field_fine[i].field, one_field_fine[i].value);
		expect_only(one_field_fine[i].what, &v, &skylake, NULL, 0);
	}
}

static void test_restricted_guest(void)
{
	struct fake_vmcs v;

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID);
	expect_pass("64-bit guest without unrestricted guest", &v, &skylake);
	set_seg(&v, VMCS_GUEST_SS_SEL, 0x13, 0, 0xFFFFFFFF, 0xC093);
	EXPECT_FAILS("SS RPL 3 with CS RPL 0", &v, &skylake, "guest.ss.rpl", "guest.ss.dpl");

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID);
	set(&v, VMCS_GUEST_DS_SEL, 0x13);
	EXPECT_FAILS("DS DPL below RPL", &v, &skylake, "guest.ds.dpl");

	good_real_mode(&v);
	set(&v, VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID);
	EXPECT_FAILS("real mode without unrestricted guest", &v, &skylake, "guest.cr0.fixed_bits");
}

static void test_real_mode_broken(void)
{
	struct fake_vmcs v;

	good_real_mode(&v);
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_HW_EXCEPTION, 13) | INTR_INFO_DELIVER_ERROR);
	EXPECT_FAILS("#GP error code with CR0.PE clear", &v, &skylake,
		     "ctrl.entry.intr_info.error_code");

	good_real_mode(&v);
	set_seg(&v, VMCS_GUEST_SS_SEL, 0, 0, 0xFFFF, 0xF3);
	EXPECT_FAILS("SS DPL 3 in real mode", &v, &skylake, "guest.ss.dpl", "guest.cs.dpl");

	good_real_mode(&v);
	set(&v, VMCS_GUEST_RIP, 0x100000000ULL);
	EXPECT_FAILS("RIP above 4 GiB outside 64-bit mode", &v, &skylake, "guest.rip.upper_bits");

	good_real_mode(&v);
	set(&v, VMCS_GUEST_CR4, 0x2000 | BIT(17));
	EXPECT_FAILS("CR4.PCIDE outside IA-32e mode", &v, &skylake, "guest.cr4.pcide");

	good_real_mode(&v);
	set(&v, VMCS_GUEST_RFLAGS, 0x2 | BIT(17));
	EXPECT_FAILS("RFLAGS.VM with CR0.PE clear", &v, &skylake, "guest.rflags.vm");
}

static void test_compat_mode(void)
{
	struct fake_vmcs v;

	good_long_mode(&v);
	set(&v, VMCS_GUEST_CS_AR, 0xC09B); /* L = 0: compatibility mode */
	expect_pass("compatibility-mode CS", &v, &skylake);
	set(&v, VMCS_GUEST_RIP, 0x100000000ULL);
	EXPECT_FAILS("RIP above 4 GiB with CS.L clear", &v, &skylake, "guest.rip.upper_bits");
}

static void test_v86(void)
{
	struct fake_vmcs v;

	good_pae(&v);
	set(&v, VMCS_GUEST_RFLAGS, 0x2 | BIT(17));
	set_seg(&v, VMCS_GUEST_CS_SEL, 0x1000, 0x10000, 0xFFFF, 0xF3);
	set_seg(&v, VMCS_GUEST_SS_SEL, 0x2000, 0x20000, 0xFFFF, 0xF3);
	set_seg(&v, VMCS_GUEST_DS_SEL, 0x3000, 0x30000, 0xFFFF, 0xF3);
	set_seg(&v, VMCS_GUEST_ES_SEL, 0x3000, 0x30000, 0xFFFF, 0xF3);
	set_seg(&v, VMCS_GUEST_FS_SEL, 0, 0, 0xFFFF, 0xF3);
	set_seg(&v, VMCS_GUEST_GS_SEL, 0, 0, 0xFFFF, 0xF3);
	expect_pass("virtual-8086 guest", &v, &skylake);
	set(&v, VMCS_GUEST_DS_LIMIT, 0xFFFFF);
	EXPECT_FAILS("virtual-8086 DS limit", &v, &skylake, "guest.ds.v86_limit");
	set(&v, VMCS_GUEST_DS_LIMIT, 0xFFFF);
	set(&v, VMCS_GUEST_ES_BASE, 0x30010);
	EXPECT_FAILS("virtual-8086 ES base", &v, &skylake, "guest.es.v86_base");
	set(&v, VMCS_GUEST_ES_BASE, 0x30000);
	set(&v, VMCS_GUEST_SS_AR, 0x93);
	EXPECT_FAILS("virtual-8086 SS AR", &v, &skylake, "guest.ss.v86_ar");
}

static void test_pdptes(void)
{
	struct fake_vmcs v;

	good_pae(&v);
	set(&v, VMCS_GUEST_PDPTE2, 0x5001 | BIT(5));
	EXPECT_FAILS("PDPTE2 reserved bit 5", &v, &skylake, "guest.pdpte.reserved");
	good_pae(&v);
	set(&v, VMCS_GUEST_PDPTE1, 0x4001 | (1ULL << 39));
	EXPECT_FAILS("PDPTE1 above MAXPHYADDR", &v, &skylake, "guest.pdpte.reserved");
	good_pae(&v);
	set(&v, VMCS_GUEST_PDPTE3, 0xFFFFFFFFFFFFFFFEULL); /* not present: ignored */
	expect_pass("non-present PDPTE with junk", &v, &skylake);
}

static void test_event_injection(void)
{
	struct fake_vmcs v;
	struct vmx_caps no_zero_len = skylake;

	good_long_mode(&v);
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_HW_EXCEPTION, 13) | INTR_INFO_DELIVER_ERROR);
	set(&v, VMCS_ENTRY_EXCEPTION_ERROR, 0x18);
	expect_pass("#GP with error code", &v, &skylake);
	set(&v, VMCS_ENTRY_EXCEPTION_ERROR, 0x10000);
	EXPECT_FAILS("error code bit 16", &v, &skylake, "ctrl.entry.exception_error_code");

	good_long_mode(&v);
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_SW_INTR, 0x80));
	set(&v, VMCS_ENTRY_INSN_LEN, 2);
	expect_pass("INT 0x80", &v, &skylake);
	set(&v, VMCS_ENTRY_INSN_LEN, 16);
	EXPECT_FAILS("software interrupt of length 16", &v, &skylake, "ctrl.entry.insn_len");
	set(&v, VMCS_ENTRY_INSN_LEN, 0);
	expect_only("length 0 with IA32_VMX_MISC[30]", &v, &skylake, NULL, 0);
	no_zero_len.misc &= ~VMX_MISC_ZERO_LEN_INJECT;
	EXPECT_FAILS("length 0 without IA32_VMX_MISC[30]", &v, &no_zero_len, "ctrl.entry.insn_len");

	good_long_mode(&v);
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_NMI, 2));
	set(&v, VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
	EXPECT_FAILS("NMI injection under NMI blocking", &v, &skylake,
		     "guest.interruptibility.nmi");

	good_long_mode(&v);
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_EXT_INTR, 0x30));
	set(&v, VMCS_GUEST_RFLAGS, 0x202);
	expect_pass("external interrupt with IF set", &v, &skylake);
	set(&v, VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_STI);
	EXPECT_FAILS("external interrupt under STI blocking", &v, &skylake,
		     "guest.interruptibility.injection_blocked");

	good_long_mode(&v);
	set(&v, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_SHUTDOWN);
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_HW_EXCEPTION, 6));
	EXPECT_FAILS("#UD into shutdown", &v, &skylake, "guest.activity.event");
	set(&v, VMCS_ENTRY_INTR_INFO, INFO(INTR_TYPE_HW_EXCEPTION, 18));
	expect_only("#MC into shutdown", &v, &skylake, NULL, 0);
}

static void test_activity_and_debug(void)
{
	struct fake_vmcs v;

	good_long_mode(&v);
	set(&v, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	set(&v, VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_MOV_SS);
	EXPECT_FAILS("HLT under MOV-SS blocking", &v, &skylake, "guest.activity.blocking");

	good_long_mode(&v);
	set(&v, VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_MOV_SS);
	set(&v, VMCS_GUEST_PENDING_DBG, PENDING_DBG_BS);
	EXPECT_FAILS("BS with RFLAGS.TF clear", &v, &skylake, "guest.pending_dbg.bs");
	set(&v, VMCS_GUEST_RFLAGS, 0x2 | BIT(8));
	expect_only("BS with RFLAGS.TF set", &v, &skylake, NULL, 0);
	set(&v, VMCS_GUEST_DEBUGCTL, BIT(1));
	EXPECT_FAILS("BS with DEBUGCTL.BTF set", &v, &skylake, "guest.pending_dbg.bs");
}

static void test_optional_controls(void)
{
	struct fake_vmcs v;
	struct vmx_caps k = skylake;

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS, GOOD_PROC | PROC_USE_TPR_SHADOW);
	set(&v, VMCS_VIRTUAL_APIC_ADDR, 0x14000);
	set(&v, VMCS_TPR_THRESHOLD, 0);
	expect_pass("TPR shadow", &v, &skylake);
	set(&v, VMCS_VIRTUAL_APIC_ADDR, 0x14008);
	EXPECT_FAILS("virtual-APIC page misaligned", &v, &skylake,
		     "ctrl.tpr_shadow.virtual_apic_address");
	set(&v, VMCS_VIRTUAL_APIC_ADDR, 0x14000);
	set(&v, VMCS_TPR_THRESHOLD, 0x10);
	EXPECT_FAILS("TPR threshold bit 4", &v, &skylake, "ctrl.tpr_shadow.tpr_threshold");

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS, GOOD_PROC | PROC_NMI_WINDOW_EXIT);
	expect_pass("NMI-window exiting with virtual NMIs", &v, &skylake);
	set(&v, VMCS_PIN_CONTROLS, GOOD_PIN & ~PIN_VIRTUAL_NMIS);
	EXPECT_FAILS("NMI-window exiting without virtual NMIs", &v, &skylake,
		     "ctrl.nmi.window_exiting");

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS2, GOOD_PROC2 | PROC2_PML);
	set(&v, VMCS_PML_ADDR, 0x15000);
	expect_pass("PML", &v, &skylake);
	set(&v, VMCS_PROC_CONTROLS2, PROC2_ENABLE_VPID | PROC2_PML);
	EXPECT_FAILS("PML without EPT", &v, &skylake, "ctrl.pml.ept");

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS2, GOOD_PROC2 | PROC2_VMFUNC);
	set(&v, VMCS_VMFUNC_CONTROLS, VMFUNC_EPTP_SWITCHING);
	set(&v, VMCS_EPTP_LIST_ADDR, 0x16000);
	expect_pass("EPTP switching", &v, &skylake);
	set(&v, VMCS_EPTP_LIST_ADDR, 0x16800);
	EXPECT_FAILS("EPTP list misaligned", &v, &skylake, "ctrl.vmfunc.eptp_list_address");
	set(&v, VMCS_EPTP_LIST_ADDR, 0x16000);
	set(&v, VMCS_VMFUNC_CONTROLS, VMFUNC_EPTP_SWITCHING | BIT(1));
	EXPECT_FAILS("VM function 1", &v, &skylake, "ctrl.vmfunc.allowed_settings");

	good_long_mode(&v);
	set(&v, VMCS_PROC_CONTROLS2, GOOD_PROC2 | PROC2_VMCS_SHADOWING);
	set(&v, VMCS_VMREAD_BITMAP, 0x17000);
	set(&v, VMCS_VMWRITE_BITMAP, 0x18000);
	set(&v, VMCS_LINK_POINTER, 0x19000);
	expect_pass("VMCS shadowing with a link pointer", &v, &skylake);
	set(&v, VMCS_LINK_POINTER, 0x19008);
	EXPECT_FAILS("shadow VMCS misaligned", &v, &skylake, "guest.vmcs_link.pointer");
	set(&v, VMCS_LINK_POINTER, 0x19000);
	set(&v, VMCS_VMWRITE_BITMAP, 1ULL << 40);
	EXPECT_FAILS("VMWRITE bitmap above MAXPHYADDR", &v, &skylake,
		     "ctrl.vmcs_shadowing.bitmap_address");

	/* A CPU with posted interrupts (pin allowed-1 bit 7). */
	k.pin |= PIN_POSTED_INTR << 32;
	good_long_mode(&v);
	set(&v, VMCS_PIN_CONTROLS, GOOD_PIN | PIN_POSTED_INTR);
	set(&v, VMCS_EXIT_CONTROLS, GOOD_EXIT & ~EXIT_ACK_INTR);
	set(&v, VMCS_POSTED_INTR_NV, 0x1F2);
	set(&v, VMCS_POSTED_INTR_DESC_ADDR, 0x20020);
	EXPECT_FAILS("posted interrupts without their preconditions", &v, &k,
		     "ctrl.posted_intr.vid", "ctrl.posted_intr.ack_on_exit",
		     "ctrl.posted_intr.vector", "ctrl.posted_intr.descriptor");
}

static void test_msr_areas(void)
{
	struct fake_vmcs v;

	good_long_mode(&v);
	set(&v, VMCS_EXIT_MSR_STORE_COUNT, 1);
	set(&v, VMCS_EXIT_MSR_STORE_ADDR, 0x20000);
	set(&v, VMCS_EXIT_MSR_LOAD_COUNT, 1);
	set(&v, VMCS_EXIT_MSR_LOAD_ADDR, 0x20010);
	set(&v, VMCS_ENTRY_MSR_LOAD_COUNT, 2);
	set(&v, VMCS_ENTRY_MSR_LOAD_ADDR, (1ULL << 39) - 32);
	expect_pass("MSR areas", &v, &skylake);
	set(&v, VMCS_EXIT_MSR_STORE_ADDR, 0x20008);
	EXPECT_FAILS("MSR-store area misaligned", &v, &skylake, "ctrl.exit.msr_store_address");
	set(&v, VMCS_EXIT_MSR_STORE_ADDR, 0x20000);
	set(&v, VMCS_ENTRY_MSR_LOAD_COUNT, 3);
	EXPECT_FAILS("MSR-load area ends above MAXPHYADDR", &v, &skylake,
		     "ctrl.entry.msr_load_address");
}

static void test_caps_variants(void)
{
	struct fake_vmcs v;
	struct vmx_caps k = skylake;

	good_long_mode(&v);
	set(&v, VMCS_EPT_POINTER, GOOD_EPTP | EPTP_AD);
	k.ept_vpid &= ~EPT_CAP_AD;
	EXPECT_FAILS("EPT A/D flags unsupported", &v, &k, "ctrl.eptp.ad_flags");

	/* IA32_VMX_BASIC[48]: VMX structures below 4 GiB. */
	k = skylake;
	k.basic |= VMX_BASIC_PHYS_ADDR_32;
	good_long_mode(&v);
	expect_pass("32-bit VMX addresses, low bitmaps", &v, &k);
	set(&v, VMCS_MSR_BITMAP, 0x100000000ULL);
	EXPECT_FAILS("MSR bitmap above 4 GiB", &v, &k, "ctrl.msr_bitmap.address");

	/* 57-bit linear addresses make 0x0000800000000000 canonical. */
	k = skylake;
	k.vaddr_bits = 57;
	good_long_mode(&v);
	set(&v, VMCS_GUEST_RIP, NONCANONICAL);
	expect_only("LA57 RIP", &v, &k, NULL, 0);
	set(&v, VMCS_GUEST_RIP, 1ULL << 57);
	EXPECT_FAILS("RIP non-canonical with LA57", &v, &k, "guest.rip.canonical");
}

static void test_details_and_overflow(void)
{
	struct fake_vmcs v;
	struct vmcs_check_result res;
	unsigned n;

	good_long_mode(&v);
	set(&v, VMCS_CR3_TARGET_COUNT, 5);
	CHECK_EQ(run(&v, &skylake, &res), 1);
	CHECK_STR(res.f[0].name, "ctrl.cr3_target_count");
	CHECK_STR(res.f[0].sdm, "26.2.1.1");
	CHECK_STR(res.f[0].detail, "count 5 > 4 (IA32_VMX_MISC)");

	good_long_mode(&v);
	set(&v, VMCS_GUEST_CR0, CR0_LONG & ~BIT(5));
	CHECK_EQ(run(&v, &skylake, &res), 1);
	CHECK_STR(res.f[0].sdm, "26.3.1.1");
	CHECK_STR(res.f[0].detail,
		  "CR0 0x80010013: bits 0x20 wrong (fixed0 0x80000021 fixed1 0xffffffff)");

	/* An all-zero VMCS fails more checks than the result keeps. */
	memset(&v, 0, sizeof(v));
	n = run(&v, &skylake, &res);
	CHECK(n > VMCS_CHECK_MAX_FAILURES);
	CHECK_EQ(res.count, n);
	for (unsigned i = 0; i < VMCS_CHECK_MAX_FAILURES; i++)
		CHECK(res.f[i].name != NULL && res.f[i].detail[0] != '\0');
	CHECK_STR(res.f[0].name, "ctrl.pin.allowed_settings");
}

CHECK_MAIN(test_good_images, test_one_field_broken, test_one_field_fine, test_restricted_guest,
	   test_real_mode_broken, test_compat_mode, test_v86, test_pdptes, test_event_injection,
	   test_activity_and_debug, test_optional_controls, test_msr_areas, test_caps_variants,
	   test_details_and_overflow)
