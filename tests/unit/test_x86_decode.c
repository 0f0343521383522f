#include "lib/err.h"
#include "lib/x86_decode.h"
#include "tests/unit/check.h"

static struct x86_insn in;

static int dec(unsigned bits, const uint8_t *code, size_t n)
{
	return x86_decode(code, n, bits, &in);
}

#define DEC(bits, ...)                                     \
	({                                                 \
		static const uint8_t b_[] = {__VA_ARGS__}; \
		dec(bits, b_, sizeof(b_));                 \
	})

static void test_mov_64(void)
{
	CHECK_EQ(DEC(64, 0x89, 0x02), 0); /* mov %eax,(%rdx) */
	CHECK_EQ(in.op, X86_OP_STORE);
	CHECK_EQ(in.mem_size, 4);
	CHECK_EQ(in.reg, 0);
	CHECK_EQ(in.len, 2);
	CHECK_EQ(in.seg, X86_SEG_NONE);
	CHECK_EQ(in.addr_size, 8);

	CHECK_EQ(DEC(64, 0x8B, 0x48, 0x10), 0); /* mov 0x10(%rax),%ecx */
	CHECK_EQ(in.op, X86_OP_LOAD);
	CHECK_EQ(in.reg, 1);
	CHECK_EQ(in.len, 3);

	/* mov %r9,0x12345678(%rbx): REX.W and REX.R, disp32 */
	CHECK_EQ(DEC(64, 0x4C, 0x89, 0x8B, 0x78, 0x56, 0x34, 0x12), 0);
	CHECK_EQ(in.op, X86_OP_STORE);
	CHECK_EQ(in.mem_size, 8);
	CHECK_EQ(in.reg, 9);
	CHECK_EQ(in.len, 7);

	CHECK_EQ(DEC(64, 0x8B, 0x05, 0x00, 0x01, 0x00, 0x00), 0); /* mov 0x100(%rip),%eax */
	CHECK_EQ(in.len, 6);
	/* mov %eax,0x0(,%rcx,4): SIB with no base takes a disp32 */
	CHECK_EQ(DEC(64, 0x89, 0x04, 0x8D, 0, 0, 0, 0), 0);
	CHECK_EQ(in.len, 7);
	/* mov %eax,0x8(%rsp): SIB, disp8 */
	CHECK_EQ(DEC(64, 0x89, 0x44, 0x24, 0x08), 0);
	CHECK_EQ(in.len, 4);
	/* mov %eax,%fs:(%ecx): segment and address-size prefixes */
	CHECK_EQ(DEC(64, 0x64, 0x67, 0x89, 0x01), 0);
	CHECK_EQ(in.seg, X86_SEG_FS);
	CHECK_EQ(in.addr_size, 4);
	CHECK_EQ(in.len, 4);
	/* mov %ax,(%rdx) */
	CHECK_EQ(DEC(64, 0x66, 0x89, 0x02), 0);
	CHECK_EQ(in.mem_size, 2);
	/* A REX followed by another prefix is ignored. */
	CHECK_EQ(DEC(64, 0x48, 0x66, 0x89, 0x02), 0);
	CHECK_EQ(in.mem_size, 2);
	CHECK_EQ(in.len, 4);
}

static void test_moffs(void)
{
	/* movabs 0xb0001000,%eax: a1 with an 8-byte address */
	CHECK_EQ(DEC(64, 0xA1, 0x00, 0x10, 0x00, 0xB0, 0, 0, 0, 0), 0);
	CHECK_EQ(in.op, X86_OP_LOAD);
	CHECK_EQ(in.mem_size, 4);
	CHECK_EQ(in.reg_size, 4);
	CHECK_EQ(in.reg, 0);
	CHECK_EQ(in.len, 9);
	/* movabs %rax,0x...: REX.W a3 */
	CHECK_EQ(DEC(64, 0x48, 0xA3, 1, 2, 3, 4, 5, 6, 7, 8), 0);
	CHECK_EQ(in.op, X86_OP_STORE);
	CHECK_EQ(in.mem_size, 8);
	CHECK_EQ(in.len, 10);
	/* REX.B does not pick another register. */
	CHECK_EQ(DEC(64, 0x41, 0xA2, 1, 2, 3, 4, 5, 6, 7, 8), 0);
	CHECK_EQ(in.reg, 0);
	CHECK_EQ(in.mem_size, 1);
	CHECK(!in.high8);
	/* 67: a 4-byte address; 32-bit code: 4; 16-bit code: 2. */
	CHECK_EQ(DEC(64, 0x67, 0xA0, 1, 2, 3, 4), 0);
	CHECK_EQ(in.len, 6);
	CHECK_EQ(DEC(32, 0xA1, 1, 2, 3, 4), 0);
	CHECK_EQ(in.len, 5);
	CHECK_EQ(DEC(16, 0xA1, 1, 2), 0);
	CHECK_EQ(in.len, 3);
	CHECK_EQ(in.mem_size, 2);
	/* Cut short. */
	CHECK_EQ(DEC(64, 0xA1, 0, 0, 0), -ERR_INVAL);
}

static void test_byte_regs(void)
{
	CHECK_EQ(DEC(64, 0x88, 0x23), 0); /* mov %ah,(%rbx) */
	CHECK_EQ(in.mem_size, 1);
	CHECK_EQ(in.reg, 4);
	CHECK(in.high8);
	CHECK_EQ(DEC(64, 0x40, 0x88, 0x23), 0); /* mov %spl,(%rbx) */
	CHECK_EQ(in.reg, 4);
	CHECK(!in.high8);
	CHECK_EQ(DEC(64, 0x44, 0x8A, 0x03), 0); /* mov (%rbx),%r8b */
	CHECK_EQ(in.op, X86_OP_LOAD);
	CHECK_EQ(in.reg, 8);
	CHECK(!in.high8);
}

static void test_mov_imm(void)
{
	CHECK_EQ(DEC(64, 0xC6, 0x00, 0x5A), 0); /* movb $0x5a,(%rax) */
	CHECK_EQ(in.op, X86_OP_STORE_IMM);
	CHECK_EQ(in.mem_size, 1);
	CHECK_EQ(in.imm, 0x5A);
	CHECK_EQ(in.len, 3);
	/* movl $0x12345678,0x20(%rsp) */
	CHECK_EQ(DEC(64, 0xC7, 0x44, 0x24, 0x20, 0x78, 0x56, 0x34, 0x12), 0);
	CHECK_EQ(in.mem_size, 4);
	CHECK_EQ(in.imm, 0x12345678);
	CHECK_EQ(in.len, 8);
	/* movq $-1,(%rax): imm32 sign-extended */
	CHECK_EQ(DEC(64, 0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0xFF), 0);
	CHECK_EQ(in.mem_size, 8);
	CHECK_EQ(in.imm, 0xFFFFFFFFFFFFFFFFull);
	CHECK_EQ(in.len, 7);
	/* movw $0x1234,(%rax) */
	CHECK_EQ(DEC(64, 0x66, 0xC7, 0x00, 0x34, 0x12), 0);
	CHECK_EQ(in.mem_size, 2);
	CHECK_EQ(in.imm, 0x1234);
	CHECK_EQ(in.len, 5);
}

static void test_movzx(void)
{
	CHECK_EQ(DEC(64, 0x0F, 0xB6, 0x10), 0); /* movzbl (%rax),%edx */
	CHECK_EQ(in.op, X86_OP_LOAD_ZX);
	CHECK_EQ(in.mem_size, 1);
	CHECK_EQ(in.reg_size, 4);
	CHECK_EQ(in.reg, 2);
	CHECK(!in.high8);
	CHECK_EQ(in.len, 3);
	CHECK_EQ(DEC(64, 0x44, 0x0F, 0xB7, 0x41, 0x04), 0); /* movzwl 0x4(%rcx),%r8d */
	CHECK_EQ(in.mem_size, 2);
	CHECK_EQ(in.reg, 8);
	CHECK_EQ(in.len, 5);
	CHECK_EQ(DEC(64, 0x48, 0x0F, 0xB7, 0x00), 0); /* movzwq (%rax),%rax */
	CHECK_EQ(in.reg_size, 8);
}

static void test_legacy_modes(void)
{
	CHECK_EQ(DEC(32, 0x89, 0x03), 0); /* mov %eax,(%ebx) */
	CHECK_EQ(in.mem_size, 4);
	CHECK_EQ(in.addr_size, 4);
	CHECK_EQ(DEC(32, 0x66, 0x89, 0x03), 0);
	CHECK_EQ(in.mem_size, 2);
	/* 0x40 is INC EAX outside 64-bit mode, not a REX. */
	CHECK_EQ(DEC(32, 0x40, 0x89, 0x03), -ERR_NOTSUP);
	CHECK_EQ(DEC(16, 0x89, 0x07), 0); /* mov %ax,(%bx) */
	CHECK_EQ(in.mem_size, 2);
	CHECK_EQ(in.addr_size, 2);
	CHECK_EQ(in.len, 2);
	CHECK_EQ(DEC(16, 0x66, 0x8B, 0x0E, 0x34, 0x12), 0); /* mov 0x1234,%ecx */
	CHECK_EQ(in.mem_size, 4);
	CHECK_EQ(in.len, 5);
	CHECK_EQ(DEC(16, 0x8B, 0x4F, 0x02), 0); /* mov 0x2(%bx),%cx */
	CHECK_EQ(in.len, 3);
	/* 32-bit addressing in 16-bit code: SIB and disp32 */
	CHECK_EQ(DEC(16, 0x67, 0x89, 0x04, 0x8D, 0, 0, 0, 0), 0);
	CHECK_EQ(in.addr_size, 4);
	CHECK_EQ(in.len, 8);
	CHECK_EQ(DEC(32, 0xC7, 0x05, 0, 0, 0xC0, 0xFE, 1, 0, 0, 0), 0); /* movl $1,0xfec00000 */
	CHECK_EQ(in.len, 10);
	CHECK_EQ(in.imm, 1);
}

static void test_string_io(void)
{
	CHECK_EQ(DEC(64, 0xF3, 0x6E), 0); /* rep outsb */
	CHECK_EQ(in.op, X86_OP_OUTS);
	CHECK_EQ(in.mem_size, 1);
	CHECK(in.rep);
	CHECK_EQ(in.len, 2);
	CHECK_EQ(DEC(64, 0x66, 0xF3, 0x6F), 0); /* rep outsw */
	CHECK_EQ(in.mem_size, 2);
	CHECK_EQ(DEC(64, 0x48, 0x6D), 0); /* insl: no 64-bit form */
	CHECK_EQ(in.op, X86_OP_INS);
	CHECK_EQ(in.mem_size, 4);
	CHECK(!in.rep);
	CHECK_EQ(DEC(64, 0x65, 0xF3, 0x67, 0x6F), 0); /* rep outsl %gs:(%esi) */
	CHECK_EQ(in.seg, X86_SEG_GS);
	CHECK_EQ(in.addr_size, 4);
	CHECK_EQ(in.len, 4);
	CHECK_EQ(DEC(16, 0x6D), 0); /* insw */
	CHECK_EQ(in.mem_size, 2);
	CHECK_EQ(in.addr_size, 2);
}

static void test_refused(void)
{
	CHECK_EQ(DEC(64, 0x01, 0x02), -ERR_NOTSUP);	  /* add */
	CHECK_EQ(DEC(64, 0x89, 0xC0), -ERR_NOTSUP);	  /* mov %eax,%eax */
	CHECK_EQ(DEC(64, 0xC6, 0x08, 0x00), -ERR_NOTSUP); /* C6 /1 */
	CHECK_EQ(DEC(64, 0x0F, 0x0B), -ERR_NOTSUP);	  /* ud2 */
	CHECK_EQ(DEC(64, 0x8B), -ERR_INVAL);
	CHECK_EQ(DEC(64, 0xC7, 0x00, 0x78, 0x56), -ERR_INVAL);
	CHECK_EQ(DEC(64, 0x8B, 0x44, 0x24), -ERR_INVAL);
	CHECK_EQ(DEC(64, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		     0x66, 0x66, 0x89, 0x02),
		 -ERR_INVAL); /* 16 bytes */
	CHECK_EQ(DEC(64, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		     0x66, 0x89, 0x02),
		 0); /* exactly 15 */
	CHECK_EQ(in.len, 15);
	CHECK_EQ(x86_decode((const uint8_t *)"\x89\x02", 2, 48, &in), -ERR_INVAL);
}

CHECK_MAIN(test_mov_64, test_moffs, test_byte_regs, test_mov_imm, test_movzx, test_legacy_modes,
	   test_string_io, test_refused)
