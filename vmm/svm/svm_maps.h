/* SVM MSR and I/O permission maps (APM vol 2, 15.10 and 15.11): a set bit
 * intercepts. Pure logic, tested on the host. */
#ifndef ARGON_VMM_SVM_SVM_MAPS_H
#define ARGON_VMM_SVM_SVM_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVM_MSRPM_SIZE 0x2000 /* two pages */
#define SVM_IOPM_SIZE 0x3000  /* three pages */

/* Where an MSR's read bit lives (its write bit is the next one up);
 * -ERR_RANGE for MSRs outside the three ranges the map covers, which the
 * CPU always intercepts. */
int svm_msrpm_locate(uint32_t msr, size_t *byte, unsigned *bit);

/* Sets every bit: intercept all MSRs / ports. */
void svm_msrpm_init(uint8_t *pm);
void svm_iopm_init(uint8_t *pm);

int svm_msrpm_set(uint8_t *pm, uint32_t msr, bool intercept_read, bool intercept_write);
bool svm_msrpm_intercepts(const uint8_t *pm, uint32_t msr, bool write);
void svm_iopm_set(uint8_t *pm, uint16_t port, bool intercept);
bool svm_iopm_intercepts(const uint8_t *pm, uint16_t port);

#endif
