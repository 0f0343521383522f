#include "tests/unit/check.h"
#include "vmm/emulate.h"

static void test_registers(void)
{
	struct guest_regs r = {0};
	struct x86_insn in = {0};

	for (unsigned n = 0; n < 16; n++)
		*emul_gpr(&r, n) = 0x1111111111111111ULL * (n + 1);
	CHECK_EQ(r.rax, 0x1111111111111111ULL);
	CHECK_EQ(r.rsp, 0x5555555555555555ULL);
	CHECK_EQ(r.rdi, 0x8888888888888888ULL);
	CHECK_EQ(r.r15, 0x1111111111111110ULL); /* 16 * 0x1111..., wrapped */

	r.rdx = 0x0123456789ABCDEFULL;
	in.reg = 2;
	CHECK_EQ(emul_reg_read(&r, &in, 1), 0xEF);
	CHECK_EQ(emul_reg_read(&r, &in, 2), 0xCDEF);
	CHECK_EQ(emul_reg_read(&r, &in, 4), 0x89ABCDEF);
	CHECK_EQ(emul_reg_read(&r, &in, 8), 0x0123456789ABCDEFULL);
	/* Byte and word writes merge, doubleword writes zero-extend. */
	emul_reg_write(&r, &in, 1, 0x1234);
	CHECK_EQ(r.rdx, 0x0123456789ABCD34ULL);
	emul_reg_write(&r, &in, 2, 0xFFFF5678);
	CHECK_EQ(r.rdx, 0x0123456789AB5678ULL);
	emul_reg_write(&r, &in, 4, 0xFFFFFFFF9ABCDEF0ULL);
	CHECK_EQ(r.rdx, 0x9ABCDEF0ULL);
	emul_reg_write(&r, &in, 8, 0xFEDCBA9876543210ULL);
	CHECK_EQ(r.rdx, 0xFEDCBA9876543210ULL);
	/* AH .. BH: reg 4-7 without REX. */
	r.rbx = 0x1122334455667788ULL;
	in.reg = 7;
	in.high8 = true;
	CHECK_EQ(emul_reg_read(&r, &in, 1), 0x77);
	emul_reg_write(&r, &in, 1, 0xA5);
	CHECK_EQ(r.rbx, 0x112233445566A588ULL);
	/* With REX, reg 7 is DIL. */
	in.high8 = false;
	r.rdi = 0;
	emul_reg_write(&r, &in, 1, 0xA5);
	CHECK_EQ(r.rdi, 0xA5);
	CHECK_EQ(r.rbx, 0x112233445566A588ULL);
}

static void test_addr_regs(void)
{
	uint64_t rsi = 0xFFFFFFFF0000FFFFULL;

	CHECK_EQ(emul_addr_mask(2), 0xFFFF);
	CHECK_EQ(emul_addr_mask(4), 0xFFFFFFFF);
	CHECK_EQ(emul_addr_mask(8), ~0ULL);
	/* 16-bit: SI wraps, the rest stays. */
	emul_addr_reg_set(&rsi, rsi + 1, 2);
	CHECK_EQ(rsi, 0xFFFFFFFF00000000ULL);
	/* 32-bit: ESI zero-extends into RSI. */
	emul_addr_reg_set(&rsi, 0x1FFFFFFFFULL, 4);
	CHECK_EQ(rsi, 0xFFFFFFFFULL);
	emul_addr_reg_set(&rsi, 0x123456789ULL, 8);
	CHECK_EQ(rsi, 0x123456789ULL);
}

CHECK_MAIN(test_registers, test_addr_regs)
