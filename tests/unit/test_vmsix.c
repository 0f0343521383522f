/* MSI-X shadow: guest messages checked, the device's table only ever
 * holding masked entries or remappable-format messages. */
#include "check.h"
#include "lib/err.h"
#include "vmm/dev/vmsix.h"

#define N 8
#define REMAP_ADDR(h) (0xFEE00000u | ((unsigned)(h)&0x7FFF) << 5 | 1u << 4 | 1u << 3)

struct fake {
	uint32_t phys[N][4];
	unsigned routes, blocks, refusals, next_handle, phys_writes;
	uint32_t apic[16];
	uint8_t vector[16];
	char why[128];
	unsigned why_entry;
	bool fail_route;
	bool bad_seen; /* an unmasked compatibility-format entry, ever */
};

static bool is_guests(void *ctx, uint32_t apic)
{
	(void)ctx;
	return apic == 2 || apic == 3 || apic == 0x1234; /* the guest's cores */
}

static int route(void *ctx, int *handle, uint32_t apic, uint8_t vector, uint64_t *addr,
		 uint32_t *data)
{
	struct fake *f = ctx;

	if (f->fail_route)
		return -ERR_NOSPC;
	if (*handle < 0)
		*handle = (int)f->next_handle++;
	f->routes++;
	f->apic[*handle] = apic;
	f->vector[*handle] = vector;
	*addr = REMAP_ADDR(*handle);
	*data = 0;
	return 0;
}

static void block(void *ctx, int handle)
{
	struct fake *f = ctx;

	(void)handle;
	f->blocks++;
}

/* After every write: an unmasked entry must carry a remappable message. */
static void phys_write(void *ctx, unsigned entry, unsigned dw, uint32_t val)
{
	struct fake *f = ctx;
	uint32_t *e = f->phys[entry];

	e[dw] = val;
	f->phys_writes++;
	if (!(e[VMSIX_CTRL] & 1) && (!(e[VMSIX_ADDR_LO] & (1u << 4)) || e[VMSIX_ADDR_HI]))
		f->bad_seen = true;
}

static void refused(void *ctx, unsigned entry, const char *why)
{
	struct fake *f = ctx;

	f->refusals++;
	f->why_entry = entry;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static struct fake fk;
static const struct vmsix_hooks hooks = {is_guests, route, block, phys_write, refused, &fk};
static struct vmsix_entry shadow[N];
static struct vmsix m;

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	for (unsigned i = 0; i < N; i++)
		for (unsigned k = 0; k < 4; k++)
			fk.phys[i][k] = 0xDEADBEEF; /* as a previous owner left it */
	vmsix_init(&m, shadow, N, &hooks);
}

/* Programs entry i as Linux does: mask, message, unmask. */
static void program(unsigned i, uint32_t addr, uint32_t data)
{
	vmsix_write(&m, i * 16 + 12, 4, 1);
	vmsix_write(&m, i * 16, 8, addr); /* address low and high at once */
	vmsix_write(&m, i * 16 + 8, 4, data);
	vmsix_write(&m, i * 16 + 12, 4, 0);
}

static void test_init(void)
{
	setup();
	for (unsigned i = 0; i < N; i++) {
		CHECK_EQ(fk.phys[i][VMSIX_CTRL], 1);
		CHECK_EQ(fk.phys[i][VMSIX_ADDR_LO], 0);
		CHECK_EQ(fk.phys[i][VMSIX_DATA], 0);
		CHECK_EQ(vmsix_read(&m, i * 16 + 12, 4), 1); /* the guest sees masked */
	}
	CHECK(!fk.bad_seen);
}

static void test_route(void)
{
	setup();
	vmsix_control(&m, true, true); /* enabled, function masked */
	program(0, 0xFEE02000, 0x41);  /* APIC 2, vector 0x41, fixed */
	program(1, 0xFEE03000, 0x142); /* APIC 3, vector 0x42, lowest priority */
	CHECK_EQ(fk.routes, 0);	       /* nothing goes live under the function mask */
	CHECK_EQ(fk.phys[0][VMSIX_CTRL], 1);
	CHECK_EQ(vmsix_read(&m, 0, 4), 0xFEE02000u);
	CHECK_EQ(vmsix_read(&m, 8, 8), 0x41);
	CHECK_EQ(vmsix_read(&m, 1, 2), 0xE020); /* any size inside an entry */
	vmsix_control(&m, true, false);
	CHECK_EQ(fk.routes, 2);
	CHECK_EQ(fk.apic[0], 2);
	CHECK_EQ(fk.vector[0], 0x41);
	CHECK_EQ(fk.apic[1], 3);
	CHECK_EQ(fk.vector[1], 0x42);
	CHECK_EQ(fk.phys[0][VMSIX_ADDR_LO], REMAP_ADDR(0));
	CHECK_EQ(fk.phys[0][VMSIX_DATA], 0);
	CHECK_EQ(fk.phys[0][VMSIX_CTRL], 0);
	CHECK_EQ(fk.phys[1][VMSIX_ADDR_LO], REMAP_ADDR(1));
	CHECK_EQ(fk.phys[2][VMSIX_CTRL], 1); /* never programmed: masked */
	/* The guest still reads its own message. */
	CHECK_EQ(vmsix_read(&m, 0, 4), 0xFEE02000u);
	/* A new destination through the same remapping entry. */
	program(0, 0xFEE03000, 0x51);
	CHECK_EQ(fk.apic[0], 3);
	CHECK_EQ(fk.vector[0], 0x51);
	CHECK_EQ(fk.phys[0][VMSIX_ADDR_LO], REMAP_ADDR(0));
	CHECK_EQ(fk.phys[0][VMSIX_CTRL], 0);
	CHECK_EQ(fk.next_handle, 2);
	/* Extended destination id: APIC 0x1234 = 0x34 in 19:12, 0x12 in 11:5. */
	program(2, 0xFEE00000u | 0x34u << 12 | 0x12u << 5, 0x60);
	CHECK_EQ(fk.apic[2], 0x1234);
	/* Disable: everything masked in the device. */
	vmsix_control(&m, false, false);
	for (unsigned i = 0; i < N; i++)
		CHECK_EQ(fk.phys[i][VMSIX_CTRL], 1);
	CHECK_EQ(m.refused, 0);
	CHECK_EQ(fk.refusals, 0);
	CHECK(!fk.bad_seen);
}

static void expect_refused(uint32_t addr_lo, uint32_t addr_hi, uint32_t data, const char *why)
{
	uint64_t before = m.refused;

	vmsix_write(&m, 3 * 16 + 12, 4, 1);
	vmsix_write(&m, 3 * 16, 4, addr_lo);
	vmsix_write(&m, 3 * 16 + 4, 4, addr_hi);
	vmsix_write(&m, 3 * 16 + 8, 4, data);
	fk.refusals = 0;
	m.e[3].told = false; /* each case logs */
	vmsix_write(&m, 3 * 16 + 12, 4, 0);
	CHECK_EQ(m.refused, before + 1);
	CHECK_EQ(fk.refusals, 1);
	CHECK_EQ(fk.why_entry, 3);
	CHECK_STR(fk.why, why);
	CHECK_EQ(fk.phys[3][VMSIX_CTRL], 1);
}

static void test_refusals(void)
{
	setup();
	vmsix_control(&m, true, false);
	expect_refused(0xFEE08000, 0, 0x41, "destination APIC 0x8 is not this guest's");
	expect_refused(0xFEEFF000, 0, 0x41, "destination APIC 0xff is not this guest's");
	expect_refused(0xFEE02004, 0, 0x41, "logical destination 0x2 (only physical is taken)");
	expect_refused(0xFEE02000, 0, 0x441, "delivery mode 4 (only fixed and lowest priority)");
	expect_refused(0xFEE02000, 0, 0x241, "delivery mode 2 (only fixed and lowest priority)");
	expect_refused(0xFEE02000, 0, 0x8041, "level-triggered");
	expect_refused(0xFEE02000, 0, 0x0F, "vector 15");
	expect_refused(0xFEE02010, 0, 0x41, "remappable format (the guest has no IOMMU)");
	expect_refused(0xC0000000, 0, 0x41, "address 0xc0000000 is not an interrupt message");
	expect_refused(0xFEE02000, 1, 0x41, "address 0x1fee02000 is not an interrupt message");
	CHECK_EQ(fk.routes, 0);
	CHECK(!fk.bad_seen);
	/* Logged once per entry: the same refusal again is counted only. */
	fk.refusals = 0;
	vmsix_write(&m, 3 * 16 + 12, 4, 1);
	vmsix_write(&m, 3 * 16 + 12, 4, 0);
	CHECK_EQ(fk.refusals, 0);
	/* A live entry rewritten to another guest's core goes masked and its
	 * remapping entry is blocked. */
	program(4, 0xFEE02000, 0x41);
	CHECK_EQ(fk.phys[4][VMSIX_CTRL], 0);
	vmsix_write(&m, 4 * 16, 4, 0xFEE09000);
	CHECK_EQ(fk.phys[4][VMSIX_CTRL], 1);
	CHECK_EQ(fk.blocks, 1);
	/* Back to a good message: live again. */
	vmsix_write(&m, 4 * 16, 4, 0xFEE02000);
	CHECK_EQ(fk.phys[4][VMSIX_CTRL], 0);
	/* No remapping entry to be had. */
	fk.fail_route = true;
	fk.refusals = 0;
	program(5, 0xFEE02000, 0x41);
	CHECK_EQ(fk.refusals, 1);
	CHECK_STR(fk.why, "no interrupt-remapping entry left");
	CHECK_EQ(fk.phys[5][VMSIX_CTRL], 1);
	CHECK(!fk.bad_seen);
}

static void test_accesses(void)
{
	uint64_t before;

	setup();
	before = m.refused;
	vmsix_write(&m, 2, 2, 0xFFFF); /* 2-byte write: ignored */
	vmsix_write(&m, 4, 8, ~0ULL);  /* misaligned 8-byte write */
	vmsix_write(&m, 1, 4, ~0ULL);  /* misaligned 4-byte write */
	CHECK_EQ(m.refused, before + 3);
	CHECK_EQ(vmsix_read(&m, 0, 8), 0);
	vmsix_write(&m, 8, 8, 0x0000000100000041ull); /* data and control at once */
	CHECK_EQ(vmsix_read(&m, 8, 4), 0x41);
	CHECK_EQ(vmsix_read(&m, 12, 4), 1);
	vmsix_write(&m, 12, 4, 0xFFFFFFFEu); /* reserved control bits read 0 */
	CHECK_EQ(vmsix_read(&m, 12, 4), 0);
	CHECK_EQ(vmsix_read(&m, N * 16, 4), ~0ULL);
}

static void test_reset(void)
{
	setup();
	vmsix_control(&m, true, false);
	program(0, 0xFEE02000, 0x41);
	CHECK_EQ(fk.phys[0][VMSIX_CTRL], 0);
	vmsix_reset(&m);
	CHECK_EQ(fk.blocks, 1);
	CHECK_EQ(fk.phys[0][VMSIX_CTRL], 1);
	CHECK_EQ(fk.phys[0][VMSIX_ADDR_LO], 0);
	CHECK_EQ(vmsix_read(&m, 0, 4), 0);
	CHECK_EQ(vmsix_read(&m, 12, 4), 1);
	/* The handle is kept for the next boot. */
	vmsix_control(&m, true, false);
	program(0, 0xFEE03000, 0x41);
	CHECK_EQ(fk.next_handle, 1);
	CHECK_EQ(fk.phys[0][VMSIX_ADDR_LO], REMAP_ADDR(0));
	CHECK(!fk.bad_seen);
}

static void test_resync(void)
{
	setup();
	vmsix_control(&m, true, false);
	program(0, 0xFEE02000, 0x41);
	program(1, 0xFEE09000, 0x41); /* refused: stays masked */
	/* The device dropped everything (its decoding was off). */
	for (unsigned i = 0; i < N; i++)
		for (unsigned k = 0; k < 4; k++)
			fk.phys[i][k] = 0;
	vmsix_resync(&m);
	CHECK_EQ(fk.phys[0][VMSIX_ADDR_LO], REMAP_ADDR(0));
	CHECK_EQ(fk.phys[0][VMSIX_CTRL], 0);
	for (unsigned i = 1; i < N; i++)
		CHECK_EQ(fk.phys[i][VMSIX_CTRL], 1);
	CHECK_EQ(fk.routes, 1); /* no new remapping entry needed */
	CHECK(!fk.bad_seen);
}

CHECK_MAIN(test_init, test_route, test_refusals, test_accesses, test_reset, test_resync)
