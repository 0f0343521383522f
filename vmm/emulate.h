/* What emulating one guest instruction needs: the guest's memory as its
 * own MMU sees it (linear addresses, through its page tables), its
 * instruction bytes at CS:RIP, and its registers by number. The backends
 * give no instruction bytes that argon relies on (SVM's decode assists
 * are optional, and absent under QEMU's TCG), so argon fetches them. */
#ifndef ARGON_VMM_EMULATE_H
#define ARGON_VMM_EMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/x86_decode.h"
#include "vmm/vcpu.h"

/* 64, 32 or 16: the default operand size of the code the vCPU runs. */
unsigned emul_code_bits(struct vcpu *v);

/* The linear address of seg:off for an access with address size
 * addr_size (2, 4, 8): in 64-bit mode only FS and GS have a base.
 * Segment limits are not checked. */
uint64_t emul_linear(struct vcpu *v, enum x86_seg seg, uint64_t off, unsigned addr_size);

/* Copies len bytes between buf and guest linear memory at la, through the
 * guest's page tables (access GW_WRITE or 0). 0, or a negative code after
 * logging nothing: -ERR_FAULT (a page fault, *fault_la says where),
 * -ERR_NOENT (the page is not RAM), -ERR_RANGE (non-canonical). */
int emul_read(struct vcpu *v, uint64_t la, void *buf, size_t len, uint64_t *fault_la);
int emul_write(struct vcpu *v, uint64_t la, const void *buf, size_t len, uint64_t *fault_la);

/* Fetches and decodes the instruction at CS:RIP. On failure *n holds how
 * many bytes were fetched into code (at least X86_INSN_MAX long), for
 * the message. */
int emul_fetch_decode(struct vcpu *v, struct x86_insn *in, uint8_t *code, size_t *n);

/* The functions below are pure (vmm/emulate_regs.c, host-tested). */

/* A general register by number (0 = RAX ... 15 = R15). */
uint64_t *emul_gpr(struct guest_regs *r, unsigned n);
/* The register operand of a decoded instruction, read or written with its
 * size (32-bit writes zero-extend, 8- and 16-bit ones merge, AH-BH). */
uint64_t emul_reg_read(struct guest_regs *r, const struct x86_insn *in, unsigned size);
void emul_reg_write(struct guest_regs *r, const struct x86_insn *in, unsigned size, uint64_t val);
/* The part of RSI, RDI or RCX an address size (2, 4, 8) uses. */
uint64_t emul_addr_mask(unsigned addr_size);
/* Writes such a register as an instruction with that address size does:
 * 32-bit writes zero-extend, 16-bit ones keep the rest. */
void emul_addr_reg_set(uint64_t *reg, uint64_t val, unsigned addr_size);

#endif
