/* The core's exit handling: one handler per normalized exit kind. */
#ifndef ARGON_VMM_EXIT_H
#define ARGON_VMM_EXIT_H

#include "vmm/vcpu.h"

/* Handles one exit of v, which runs on the calling CPU. */
void exit_handle(struct vcpu *v, const struct vm_exit *e);

#endif
