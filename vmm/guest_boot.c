/* The state an ELF guest starts in: 64-bit mode, a flat GDT and an
 * identity map of the first 4 GiB, all placed in the guest's own RAM. */
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "vmm/guest.h"
#include "vmm/guest_boot.h"
#include "vmm/x86.h"

#define BOOT_GDT (ARGON_GUEST_BOOT_AREA)
#define BOOT_PML4 (ARGON_GUEST_BOOT_AREA + 0x1000)
#define BOOT_PDPT (ARGON_GUEST_BOOT_AREA + 0x2000)
#define BOOT_PD (ARGON_GUEST_BOOT_AREA + 0x3000) /* four pages */
#define BOOT_GDT_ENTRIES 4			 /* null, then room for Linux's 0x10/0x18 */
#define BOOT_AREA_USED (BOOT_PD + 4 * 0x1000 - ARGON_GUEST_BOOT_AREA)
_Static_assert(ARGON_GUEST_BOOT_AREA + BOOT_AREA_USED <= ARGON_GUEST_CMDLINE,
	       "boot tables overlap the command line");
_Static_assert(ARGON_GUEST_CMDLINE + ARGON_GUEST_CMDLINE_MAX <= ARGON_GUEST_BOOT_AREA_END,
	       "command line overflows the boot area");

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PS BIT(7)

/* Code: present, S, type 0xB (execute/read, accessed), L, G.
 * Data: present, S, type 0x3 (read/write, accessed), D/B, G. */
#define GDT_CODE64 0x00AF9B000000FFFFULL
#define GDT_DATA 0x00CF93000000FFFFULL
#define SEG_ATTR_CODE64 0x0A9B
#define SEG_ATTR_DATA 0x0C93
#define SEG_ATTR_TSS64_BUSY 0x008B
#define SEG_ATTR_LDT 0x0082
#define SEG_ATTR_REAL_CODE 0x009B
#define SEG_ATTR_REAL_DATA 0x0093
#define SEG_ATTR_TSS_BUSY 0x008B /* busy 32-bit TSS: VM entry takes it in real mode */
#define CR0_RESET 0x60000010ULL	 /* CD, NW, ET */

int guest_boot_long_mode(struct guest *g, uint64_t rip, uint16_t cs, uint16_t ds,
			 struct vcpu_init_state *st)
{
	uint64_t *gdt = guest_ram_ptr(g, BOOT_GDT, 0x1000);
	uint64_t *pml4 = guest_ram_ptr(g, BOOT_PML4, 0x1000);
	uint64_t *pdpt = guest_ram_ptr(g, BOOT_PDPT, 0x1000);
	uint64_t *pd = guest_ram_ptr(g, BOOT_PD, 0x4000);
	struct seg_state data = {ds, SEG_ATTR_DATA, 0xFFFFFFFF, 0};

	if (!gdt || !pml4 || !pdpt || !pd || cs >= BOOT_GDT_ENTRIES * 8 ||
	    ds >= BOOT_GDT_ENTRIES * 8)
		return -ERR_RANGE;
	memset(gdt, 0, BOOT_AREA_USED);
	gdt[cs / 8] = GDT_CODE64;
	gdt[ds / 8] = GDT_DATA;
	pml4[0] = BOOT_PDPT | PTE_P | PTE_RW;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * 0x1000ULL) | PTE_P | PTE_RW;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;

	memset(st, 0, sizeof(*st));
	st->cs = (struct seg_state){cs, SEG_ATTR_CODE64, 0xFFFFFFFF, 0};
	st->ds = st->es = st->ss = st->fs = st->gs = data;
	st->tr = (struct seg_state){0, SEG_ATTR_TSS64_BUSY, 0x67, 0};
	st->ldtr = (struct seg_state){0, SEG_ATTR_LDT, 0xFFFF, 0};
	st->gdtr_base = BOOT_GDT;
	st->gdtr_limit = BOOT_GDT_ENTRIES * 8 - 1;
	st->idtr_limit = 0xFFFF;
	st->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	st->cr3 = BOOT_PML4;
	st->cr4 = CR4_PAE;
	st->efer = EFER_LME | EFER_LMA;
	st->regs.rip = rip;
	st->regs.rflags = RFLAGS_FIXED;
	return 0;
}

/* After INIT and SIPI (SDM 9.1.1 and 9.4.4): real mode, CS = vector << 8
 * with base vector << 12, IP 0, EDX = the processor signature (CPUID.1:EAX),
 * everything else at its reset value; the backends reset DR6/DR7, PAT and
 * the MSRs they hold. */
void guest_sipi_state(unsigned vector, uint32_t signature, struct vcpu_init_state *st)
{
	struct seg_state data = {0, SEG_ATTR_REAL_DATA, 0xFFFF, 0};

	memset(st, 0, sizeof(*st));
	st->cs = (struct seg_state){(uint16_t)(vector << 8), SEG_ATTR_REAL_CODE, 0xFFFF,
				    (uint64_t)vector << 12};
	st->ds = st->es = st->ss = st->fs = st->gs = data;
	st->tr = (struct seg_state){0, SEG_ATTR_TSS_BUSY, 0xFFFF, 0};
	st->ldtr = (struct seg_state){0, SEG_ATTR_LDT, 0xFFFF, 0};
	st->gdtr_limit = 0xFFFF;
	st->idtr_limit = 0xFFFF;
	st->cr0 = CR0_RESET;
	st->regs.rflags = RFLAGS_FIXED;
	st->regs.rdx = signature;
}
