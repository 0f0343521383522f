/* Privileged instructions for the test guest: the same accessors argon
 * uses (vmm/x86.h is header-only and freestanding). */
#ifndef ARGON_TESTGUEST_ARCH_H
#define ARGON_TESTGUEST_ARCH_H

#include "vmm/x86.h"

#endif
