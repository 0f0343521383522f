/* VMX MSR bitmap (SDM 25.6.9) and I/O bitmaps A/B (SDM 25.6.4): a set bit
 * intercepts. Pure logic, tested on the host. */
#ifndef ARGON_VMM_VMX_VMX_MAPS_H
#define ARGON_VMM_VMX_VMX_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMX_MSR_BITMAP_SIZE 0x1000
#define VMX_IO_BITMAPS_SIZE 0x2000 /* A (ports 0-0x7FFF) then B */

/* Sets every bit: intercept all MSRs / ports. */
void vmx_msr_bitmap_init(uint8_t *bm);
void vmx_io_bitmap_init(uint8_t *bm);

/* -ERR_RANGE for MSRs outside the two ranges the bitmap covers (those
 * always exit). */
int vmx_msr_bitmap_set(uint8_t *bm, uint32_t msr, bool intercept_read, bool intercept_write);
bool vmx_msr_bitmap_intercepts(const uint8_t *bm, uint32_t msr, bool write);
void vmx_io_bitmap_set(uint8_t *bm, uint16_t port, bool intercept);
bool vmx_io_bitmap_intercepts(const uint8_t *bm, uint16_t port);

#endif
