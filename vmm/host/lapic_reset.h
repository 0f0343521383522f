/* A guest's core's local APIC back to its power-on state, before every
 * boot of the guest: what its last boot left there (an armed timer, a
 * raised TPR, interrupts pending or in service) must not reach the next. */
#ifndef ARGON_VMM_LAPIC_RESET_H
#define ARGON_VMM_LAPIC_RESET_H

#include <stdbool.h>

/* On the calling core, in x2APIC mode: timer stopped (initial count 0,
 * TSC deadline 0), every LVT masked, TPR 0, ESR clear, IRR and ISR empty,
 * and the APIC software-disabled (SVR 0xFF), as after RESET or INIT (SDM
 * vol. 3, 11.4.7.1). Interrupts already pending are taken and dropped
 * through an IDT of its own; window, if not NULL, opens (true) and closes
 * (false) the host's interrupt window around that (SVM's GIF). An NMI
 * pending at the host (argon's kick) is taken and dropped too. Returns
 * the number of interrupts dropped. */
unsigned lapic_guest_reset(void (*window)(bool open));

#endif
