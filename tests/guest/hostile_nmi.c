/* "testguest.mode=nmi": NMIs a guest sends itself and its other vCPU,
 * through the x2APIC ICR, in bursts. argon must deliver at least one NMI
 * per burst (NMIs that arrive while one is pending merge, as on hardware)
 * and keep running; with "testguest.nmi-peer" the second vCPU is started
 * and gets NMIs while it floods the console. */
#include <stdint.h>

#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/guest.h"
#include "tests/guest/idt.h"
#include "vmm/host/apic.h"

#define NMI_BURSTS 20u
#define NMI_PER_BURST 25u
#define NMI_WAIT_CYCLES 20000000000ull /* 20 s at 1 GHz: generous for emulation */

#define HNMI_AP_PAGE 0x20000u
#define HNMI_AP_ALIVE 0x100u
#define HNMI_AP_NMIS 0x104u
#define HNMI_AP_LINES 0x108u
#define HNMI_AP_FLOOD 0x10Cu
#define HNMI_AP_IDLE 0x110u
#define HNMI_AP_ID 0x114u
#define HNMI_AP_READY 0x118u

extern const uint8_t hnmi_ap_start[], hnmi_ap_end[];

static volatile uint32_t *ap_word(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(HNMI_AP_PAGE + off);
}

static uint64_t nmi_icr(uint32_t shorthand, uint32_t dest)
{
	return (uint64_t)dest << 32 | shorthand << ICR_SHORTHAND_OFF | ICR_MODE_NMI << ICR_MODE_OFF;
}

/* Waits until *count (read by fn) exceeds base. */
static bool wait_above(uint64_t (*fn)(void), uint64_t base)
{
	uint64_t start = rdtsc();

	while (fn() <= base) {
		if (rdtsc() - start > NMI_WAIT_CYCLES)
			return false;
		cpu_relax();
	}
	return true;
}

static uint64_t own_nmis(void)
{
	return trap_nmis();
}

static uint64_t peer_nmis(void)
{
	return *ap_word(HNMI_AP_NMIS);
}

static uint64_t peer_alive(void)
{
	return *ap_word(HNMI_AP_ALIVE);
}

static uint64_t peer_idle(void)
{
	return *ap_word(HNMI_AP_IDLE);
}

static uint64_t peer_ready(void)
{
	return *ap_word(HNMI_AP_READY);
}

/* NMI_BURSTS bursts of NMI_PER_BURST ICR writes each; every burst must
 * bring at least one NMI. Prints nothing (the peer may be writing lines):
 * *got is what arrived. */
static bool bursts(uint64_t icr, uint64_t (*count)(void), const char *what, uint64_t *got,
		   char *why, size_t size)
{
	uint64_t first = count();

	for (unsigned b = 0; b < NMI_BURSTS; b++) {
		uint64_t base = count();

		for (unsigned i = 0; i < NMI_PER_BURST; i++)
			wrmsr(MSR_X2APIC_ICR, icr);
		if (!wait_above(count, base))
			return guest_explain(why, size,
					     "%s: burst %u of %u brought no NMI (%lu so far)", what,
					     b + 1, NMI_BURSTS, count() - first);
	}
	*got = count() - first;
	return true;
}

static void report(const char *what, uint64_t got)
{
	con_printf("hostile-nmi: %s: %lu NMI(s) for %u sent\n", what, got,
		   NMI_BURSTS * NMI_PER_BURST);
}

static bool check_nmi_self(char *why, size_t size)
{
	uint32_t me = (uint32_t)rdmsr(MSR_X2APIC_ID);
	uint64_t got;

	if (!bursts(nmi_icr(ICR_SHORTHAND_NONE, me), own_nmis, "self by APIC id", &got, why, size))
		return false;
	report("self by APIC id", got);
	return true;
}

/* NMI with the self shorthand is not a valid ICR combination on Intel's
 * x2APIC; whatever argon makes of it, the guest must keep running. */
static bool check_nmi_self_shorthand(char *why, size_t size)
{
	uint64_t base = own_nmis();

	for (unsigned i = 0; i < NMI_BURSTS * NMI_PER_BURST; i++)
		wrmsr(MSR_X2APIC_ICR, nmi_icr(ICR_SHORTHAND_SELF, 0));
	report("self shorthand", own_nmis() - base);
	(void)why;
	(void)size;
	return true;
}

static bool check_peer_start(char *why, size_t size)
{
	uint32_t others = ICR_SHORTHAND_OTHERS << ICR_SHORTHAND_OFF;

	memcpy((void *)(uintptr_t)HNMI_AP_PAGE, hnmi_ap_start,
	       (size_t)(hnmi_ap_end - hnmi_ap_start));
	memset((void *)(uintptr_t)(HNMI_AP_PAGE + HNMI_AP_ALIVE), 0, 0x20);
	wrmsr(MSR_X2APIC_ICR, others | ICR_MODE_INIT << ICR_MODE_OFF | ICR_LEVEL_ASSERT);
	wrmsr(MSR_X2APIC_ICR, others | ICR_MODE_SIPI << ICR_MODE_OFF | (HNMI_AP_PAGE >> 12));
	if (!wait_above(peer_ready, 0))
		return guest_explain(why, size, "the second vCPU did not start");
	return true;
}

/* NMIs to the other vCPU by its APIC id and with the all-but-self
 * shorthand, while it writes console lines; then it must stop flooding
 * when asked and still run. Nothing else prints meanwhile, so that its
 * lines stay whole. */
static bool check_nmi_peer_flood(char *why, size_t size)
{
	uint32_t peer = *ap_word(HNMI_AP_ID);
	uint64_t idle, alive, by_id = 0, by_others = 0;
	bool ok;

	*(volatile uint8_t *)(uintptr_t)(HNMI_AP_PAGE + HNMI_AP_FLOOD) = 1;
	ok = bursts(nmi_icr(ICR_SHORTHAND_NONE, peer), peer_nmis, "peer by APIC id", &by_id, why,
		    size) &&
	     bursts(nmi_icr(ICR_SHORTHAND_OTHERS, 0), peer_nmis, "peer by all-but-self", &by_others,
		    why, size);
	*(volatile uint8_t *)(uintptr_t)(HNMI_AP_PAGE + HNMI_AP_FLOOD) = 0;
	/* Two idle rounds: the line it was writing is complete. */
	idle = peer_idle();
	if (!wait_above(peer_idle, idle + 1))
		return guest_explain(why, size, "the second vCPU did not stop flooding");
	if (!ok)
		return false;
	report("peer by APIC id", by_id);
	report("peer by all-but-self", by_others);
	alive = peer_alive();
	if (!wait_above(peer_alive, alive))
		return guest_explain(why, size, "the second vCPU stopped running");
	con_printf("hostile-nmi: peer wrote %u console line(s) meanwhile\n",
		   *ap_word(HNMI_AP_LINES));
	if (!*ap_word(HNMI_AP_LINES))
		return guest_explain(why, size, "the second vCPU wrote no console line");
	return true;
}

static bool check_nmi_still_running(char *why, size_t size)
{
	uint64_t base = own_nmis();

	/* One more NMI after everything: delivery still works. */
	wrmsr(MSR_X2APIC_ICR, nmi_icr(ICR_SHORTHAND_NONE, (uint32_t)rdmsr(MSR_X2APIC_ID)));
	if (!wait_above(own_nmis, base))
		return guest_explain(why, size, "a last NMI did not arrive");
	return true;
}

void hostile_nmi_main(bool peer)
{
	guest_run_check("nmi-self", check_nmi_self);
	guest_run_check("nmi-self-shorthand", check_nmi_self_shorthand);
	if (peer) {
		guest_run_check("nmi-peer-start", check_peer_start);
		guest_run_check("nmi-peer-flood", check_nmi_peer_flood);
	}
	guest_run_check("nmi-still-running", check_nmi_still_running);
	guest_finish();
}
