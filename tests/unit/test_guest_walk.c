#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/guest_walk.h"

#define MEM_SIZE 0x10000
static uint8_t mem[MEM_SIZE] __attribute__((aligned(4096)));

static void *map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return gpa < MEM_SIZE && len <= MEM_SIZE - gpa ? &mem[gpa] : NULL;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(&mem[gpa], &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(&mem[gpa], &v, 4);
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, &mem[gpa], 8);
	return v;
}

#define P 1ULL
#define RW 2ULL
#define US 4ULL
#define A 0x20ULL
#define D 0x40ULL
#define PS 0x80ULL
#define NX (1ULL << 63)

static uint64_t gpa;
static uint32_t pf;

static int walk(const struct gwalk_ctl *c, uint64_t la, unsigned access)
{
	gpa = ~0ULL;
	return gwalk(c, la, access, map, NULL, &gpa, &pf);
}

/* 4-level tables at 0x1000 (PML4), 0x2000, 0x3000 (PD), 0x4000 (PT). */
static void build_long(void)
{
	memset(mem, 0, sizeof(mem));
	put64(0x1000, 0x2000 | P | RW | US);
	put64(0x2000, 0x3000 | P | RW | US);
	put64(0x2008, 0x40000000 | P | RW | PS); /* 1 GiB page at 1 GiB */
	put64(0x3000, 0x4000 | P | RW | US);
	put64(0x3008, 0x200000 | P | RW | US | PS);	  /* 2 MiB page at 2 MiB */
	put64(0x4000 + 5 * 8, 0x7000 | P | RW | US);	  /* 0x5000 -> 0x7000 */
	put64(0x4000 + 6 * 8, 0x8000 | P | US);		  /* read-only */
	put64(0x4000 + 7 * 8, 0x9000 | P | RW | US | NX); /* no execute */
	put64(0x4000 + 8 * 8, 0x12345000);		  /* not present */
	put64(0x4000 + 9 * 8, 0xA000 | P | RW);		  /* supervisor only */
}

static void test_long_mode(void)
{
	struct gwalk_ctl c = {.cr0 = GW_CR0_PG | GW_CR0_PE | GW_CR0_WP,
			      .cr3 = 0x1000,
			      .cr4 = GW_CR4_PAE,
			      .efer = GW_EFER_LMA | GW_EFER_NXE};

	build_long();
	CHECK_EQ(walk(&c, 0x5123, 0), 0);
	CHECK_EQ(gpa, 0x7123);
	CHECK((get64(0x1000) & A) && (get64(0x3000) & A) && (get64(0x4028) & A));
	CHECK(!(get64(0x4028) & D));
	CHECK_EQ(walk(&c, 0x5FFF, GW_WRITE), 0);
	CHECK(get64(0x4028) & D);
	CHECK_EQ(walk(&c, 0x2ABCDE, 0), 0);
	CHECK_EQ(gpa, 0x2ABCDE);
	CHECK_EQ(walk(&c, 0x40001234, GW_FETCH), 0);
	CHECK_EQ(gpa, 0x40001234);
	/* Faults and their error codes. */
	CHECK_EQ(walk(&c, 0x8000, 0), -ERR_FAULT);
	CHECK_EQ(pf, 0);
	CHECK_EQ(walk(&c, 0x8000, GW_WRITE), -ERR_FAULT);
	CHECK_EQ(pf, GW_PF_W);
	CHECK_EQ(walk(&c, 0x6000, GW_WRITE), -ERR_FAULT);
	CHECK_EQ(pf, GW_PF_P | GW_PF_W);
	c.cr0 &= ~GW_CR0_WP; /* supervisor writes ignore R/W without WP */
	CHECK_EQ(walk(&c, 0x6000, GW_WRITE), 0);
	CHECK_EQ(gpa, 0x8000);
	c.cr0 |= GW_CR0_WP;
	CHECK_EQ(walk(&c, 0x7000, GW_FETCH), -ERR_FAULT);
	CHECK_EQ(pf, GW_PF_P | GW_PF_I);
	CHECK_EQ(walk(&c, 0x7000, 0), 0);
	c.cpl = 3;
	CHECK_EQ(walk(&c, 0x9000, 0), -ERR_FAULT);
	CHECK_EQ(pf, GW_PF_P | GW_PF_U);
	CHECK_EQ(walk(&c, 0x2ABCDE, 0), 0);
	CHECK_EQ(walk(&c, 0x40001234, 0), -ERR_FAULT); /* the 1 GiB page is supervisor */
	c.cpl = 0;
	CHECK_EQ(walk(&c, 0x0000800000000000ULL, 0), -ERR_RANGE);
	CHECK_EQ(walk(&c, 0xFFFF800000000000ULL, 0), -ERR_FAULT); /* PML4[256] empty */
	put64(0x1000 + 256 * 8, 0x800000 | P);			  /* table outside RAM */
	CHECK_EQ(walk(&c, 0xFFFF800000000000ULL, 0), -ERR_NOENT);
}

static void test_five_level(void)
{
	struct gwalk_ctl c = {.cr0 = GW_CR0_PG | GW_CR0_PE,
			      .cr3 = 0xB000,
			      .cr4 = GW_CR4_PAE | GW_CR4_LA57,
			      .efer = GW_EFER_LMA};

	build_long();
	put64(0xB000, 0x1000 | P | RW | US);
	put64(0xB000 + 8, 0x1000 | P | RW | US); /* PML5[1]: the same 256 TiB again */
	CHECK_EQ(walk(&c, 0x5123, 0), 0);
	CHECK_EQ(gpa, 0x7123);
	CHECK_EQ(walk(&c, (1ULL << 48) | 0x5123, 0), 0);
	CHECK_EQ(gpa, 0x7123);
	CHECK_EQ(walk(&c, 1ULL << 56, 0), -ERR_RANGE);
	c.cr4 &= ~GW_CR4_LA57;
	CHECK_EQ(walk(&c, (1ULL << 48) | 0x5123, 0), -ERR_RANGE);
}

static void test_pae(void)
{
	struct gwalk_ctl c = {.cr0 = GW_CR0_PG | GW_CR0_PE, .cr3 = 0xC020, .cr4 = GW_CR4_PAE};

	memset(mem, 0, sizeof(mem));
	put64(0xC020 + 8, 0xD000 | P); /* PDPTE 1: 1-2 GiB */
	put64(0xD000, 0xE000 | P | RW);
	put64(0xD008, 0x00600000 | P | RW | PS);
	put64(0xE000 + 5 * 8, 0x7000 | P | RW);
	CHECK_EQ(walk(&c, 0x40005123, 0), 0);
	CHECK_EQ(gpa, 0x7123);
	CHECK_EQ(walk(&c, 0x40212345, 0), 0);
	CHECK_EQ(gpa, 0x612345);
	CHECK_EQ(walk(&c, 0x5123, 0), -ERR_FAULT); /* PDPTE 0 not present */
	CHECK_EQ(pf, 0);
	/* Only 32 bits of linear address exist outside long mode. */
	CHECK_EQ(walk(&c, 0x1040005123ULL, 0), 0);
	CHECK_EQ(gpa, 0x7123);
}

static void test_legacy_32(void)
{
	struct gwalk_ctl c = {.cr0 = GW_CR0_PG | GW_CR0_PE, .cr3 = 0xC000, .cr4 = GW_CR4_PSE};

	memset(mem, 0, sizeof(mem));
	put32(0xC000, 0xD000 | P | RW | US);
	put32(0xC004, 0x00400000 | P | RW | PS);
	put32(0xC008, 0x00800000 | (3u << 13) | P | PS); /* PSE-36: bits 33:32 */
	put32(0xD000 + 5 * 4, 0x7000 | P | US);
	CHECK_EQ(walk(&c, 0x5123, 0), 0);
	CHECK_EQ(gpa, 0x7123);
	CHECK(mem[0xD014] & A);
	CHECK_EQ(walk(&c, 0x5123, GW_WRITE), 0); /* no WP: supervisor may write */
	CHECK(mem[0xD014] & D);
	c.cpl = 3;
	CHECK_EQ(walk(&c, 0x5123, GW_WRITE), -ERR_FAULT);
	CHECK_EQ(pf, GW_PF_P | GW_PF_W | GW_PF_U);
	c.cpl = 0;
	CHECK_EQ(walk(&c, 0x400123, 0), 0);
	CHECK_EQ(gpa, 0x400123);
	CHECK_EQ(walk(&c, 0x800010, 0), 0);
	CHECK_EQ(gpa, 0x300800010ULL);
	/* Without CR4.PSE the PS bit means nothing: 0x400000 is a table. */
	c.cr4 = 0;
	CHECK_EQ(walk(&c, 0x400123, 0), -ERR_NOENT);
	CHECK_EQ(walk(&c, 0x1000, 0), -ERR_FAULT);
}

static void test_paging_off(void)
{
	struct gwalk_ctl c = {.cr0 = GW_CR0_PE};

	CHECK_EQ(walk(&c, 0x123456789ULL, GW_WRITE), 0);
	CHECK_EQ(gpa, 0x23456789);
	c.cr0 = 0;
	CHECK_EQ(walk(&c, 0xFEC00010, 0), 0);
	CHECK_EQ(gpa, 0xFEC00010);
}

CHECK_MAIN(test_long_mode, test_five_level, test_pae, test_legacy_32, test_paging_off)
