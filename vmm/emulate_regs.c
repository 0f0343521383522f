/* Register operands of emulated instructions. Pure. */
#include "vmm/emulate.h"

uint64_t *emul_gpr(struct guest_regs *r, unsigned n)
{
	uint64_t *const regs[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				    &r->rsi, &r->rdi, &r->r8,  &r->r9,	&r->r10, &r->r11,
				    &r->r12, &r->r13, &r->r14, &r->r15};

	return regs[n & 15];
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

uint64_t emul_reg_read(struct guest_regs *r, const struct x86_insn *in, unsigned size)
{
	if (in->high8)
		return (*emul_gpr(r, in->reg - 4u) >> 8) & 0xFF;
	return *emul_gpr(r, in->reg) & size_mask(size);
}

void emul_reg_write(struct guest_regs *r, const struct x86_insn *in, unsigned size, uint64_t val)
{
	uint64_t *p;

	if (in->high8) {
		p = emul_gpr(r, in->reg - 4u);
		*p = (*p & ~0xFF00ULL) | ((val & 0xFF) << 8);
		return;
	}
	p = emul_gpr(r, in->reg);
	if (size == 4)
		*p = (uint32_t)val;
	else
		*p = (*p & ~size_mask(size)) | (val & size_mask(size));
}

uint64_t emul_addr_mask(unsigned addr_size)
{
	return size_mask(addr_size);
}

void emul_addr_reg_set(uint64_t *reg, uint64_t val, unsigned addr_size)
{
	uint64_t mask = size_mask(addr_size);

	*reg = addr_size == 4 ? (uint32_t)val : (*reg & ~mask) | (val & mask);
}
