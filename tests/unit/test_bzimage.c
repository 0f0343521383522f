/* bzImage checks on images built here with the header a Debian 6.1 kernel
 * has (protocol 2.15, relocatable, 64-bit entry, loadable above 4 GiB,
 * pref_address 16 MiB, 2 MiB alignment), then one broken field at a time;
 * placement for several RAM sizes; the zero page, compared byte for byte
 * with one built from absolute offsets. Parses run on heap copies of
 * exactly the image's length at an odd address, so AddressSanitizer
 * catches reads past the end and UBSan unaligned ones. A real kernel is
 * parsed too when ARGON_TEST_BZIMAGE (or /var/cache/argon/images/bzImage)
 * names one. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/bits.h"
#include "lib/bzimage.h"
#include "lib/err.h"
#include "tests/unit/check.h"

#define SETUP_SECTS 27
#define SETUP_SIZE ((size_t)(SETUP_SECTS + 1) * 512)
#define SYSSIZE 0x100u
#define KSIZE ((size_t)SYSSIZE * 16)
#define SIG_LEN 0x40 /* a signature after the kernel, as Debian's have */
#define IMG_LEN (SETUP_SIZE + KSIZE + SIG_LEN)
#define PREF 0x1000000ULL
#define KALIGN 0x200000ULL
#define INIT_SIZE (40 * MiB)
#define KEND (PREF + INIT_SIZE) /* 56 MiB */
#define CMDLINE_SIZE 2047
#define HDR_END 0x26C
#define DEFAULT_BZIMAGE "/var/cache/argon/images/bzImage"

#define ERR(e) ((uint64_t)(int64_t)(e))

struct img {
	uint8_t b[IMG_LEN];
	size_t len;
};

static struct setup_header get_hdr(const struct img *im)
{
	struct setup_header h;

	memcpy(&h, im->b + BP_SETUP_HEADER_OFF, sizeof(h));
	return h;
}

static void set_hdr(struct img *im, const struct setup_header *h)
{
	memcpy(im->b + BP_SETUP_HEADER_OFF, h, sizeof(*h));
}

static void build(struct img *im)
{
	struct setup_header h;

	/* Setup code and the bytes around the header are junk the loader
	 * must not carry into the zero page. */
	memset(im->b, 0xCC, sizeof(im->b));
	im->b[0x1EF] = 0xFF; /* where boot_params.sentinel sits */
	memset(im->b + HDR_END, 0x5A, BP_SETUP_HEADER_LIMIT - HDR_END);
	for (unsigned i = 0; i < KSIZE + SIG_LEN; i++)
		im->b[SETUP_SIZE + i] = (uint8_t)(i * 7);
	im->len = IMG_LEN;

	memset(&h, 0, sizeof(h));
	h.setup_sects = SETUP_SECTS;
	h.syssize = SYSSIZE;
	h.vid_mode = 0xFFFF;
	h.boot_flag = BP_BOOT_FLAG_MAGIC;
	h.jump[0] = BP_JUMP_OPCODE;
	h.jump[1] = HDR_END - 0x202;
	h.header = BP_HDRS_MAGIC;
	h.version = 0x020F;
	h.kernel_version = 0x3A40;
	h.loadflags = LOADED_HIGH;
	h.code32_start = 0x100000;
	h.heap_end_ptr = 0x5BE0;
	h.initrd_addr_max = 0x7FFFFFFF;
	h.kernel_alignment = KALIGN;
	h.relocatable_kernel = 1;
	h.min_alignment = 21;
	h.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h.cmdline_size = CMDLINE_SIZE;
	h.payload_offset = 0x2CC;
	h.payload_length = KSIZE - 0x400;
	h.pref_address = PREF;
	h.init_size = INIT_SIZE;
	h.handover_offset = 0x190;
	h.kernel_info_offset = 0x1000;
	set_hdr(im, &h);
}

static int parse_len(const struct img *im, size_t len, struct bzimage_info *bi)
{
	uint8_t *buf = malloc(len + 1);
	int err;

	memcpy(buf + 1, im->b, len);
	err = bzimage_parse(buf + 1, len, bi);
	free(buf);
	return err;
}

static int parse(const struct img *im, struct bzimage_info *bi)
{
	return parse_len(im, im->len, bi);
}

static void test_parse_valid(void)
{
	struct bzimage_info bi;
	struct setup_header h;
	struct img im;

	build(&im);
	CHECK_EQ(parse(&im, &bi), 0);
	CHECK_EQ(bi.version, 0x020F);
	CHECK_EQ(bi.setup_size, SETUP_SIZE);
	CHECK_EQ(bi.kernel_offset, SETUP_SIZE);
	CHECK_EQ(bi.kernel_size, KSIZE); /* the signature is not kernel */
	CHECK_EQ(bi.pref_address, PREF);
	CHECK_EQ(bi.kernel_alignment, KALIGN);
	CHECK(bi.relocatable);
	CHECK_EQ(bi.init_size, INIT_SIZE);
	CHECK_EQ(bi.cmdline_size, CMDLINE_SIZE);
	CHECK_EQ(bi.initrd_addr_max, 0x7FFFFFFF);
	CHECK_EQ(bi.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	CHECK_EQ(bi.loadflags, LOADED_HIGH);
	CHECK_EQ(bi.entry64_offset, 0x200);
	CHECK_EQ(bi.header_end, HDR_END);

	/* The file may end right after the kernel. */
	CHECK_EQ(parse_len(&im, SETUP_SIZE + KSIZE, &bi), 0);

	/* setup_sects 0 means 4. */
	h = get_hdr(&im);
	h.setup_sects = 0;
	set_hdr(&im, &h);
	CHECK_EQ(parse(&im, &bi), 0);
	CHECK_EQ(bi.setup_size, 5 * 512);
	CHECK_EQ(bi.kernel_offset, 5 * 512);

	/* Defaults for fields left at zero. */
	build(&im);
	h = get_hdr(&im);
	h.pref_address = 0;
	h.initrd_addr_max = 0;
	set_hdr(&im, &h);
	CHECK_EQ(parse(&im, &bi), 0);
	CHECK_EQ(bi.pref_address, 0x100000);
	CHECK_EQ(bi.initrd_addr_max, 0x37FFFFFF);

	CHECK_EQ(bzimage_parse(NULL, IMG_LEN, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_parse(im.b, im.len, NULL), ERR(-ERR_INVAL));
}

#define WITH_HDR(field, value, expect)                  \
	do {                                            \
		struct setup_header h_;                 \
		build(&im);                             \
		h_ = get_hdr(&im);                      \
		h_.field = (value);                     \
		set_hdr(&im, &h_);                      \
		CHECK_EQ(parse(&im, &bi), ERR(expect)); \
	} while (0)

static void test_parse_bad(void)
{
	struct bzimage_info bi;
	struct img im;

	/* Magic numbers. */
	WITH_HDR(boot_flag, 0xAA56, -ERR_INVAL);
	WITH_HDR(boot_flag, 0x55AA, -ERR_INVAL);
	WITH_HDR(header, 0x54726448, -ERR_INVAL); /* "HdrT" */
	WITH_HDR(jump[0], 0xE9, -ERR_INVAL);

	/* Protocol versions and kinds argon does not boot. */
	WITH_HDR(version, 0x020B, -ERR_NOTSUP);
	WITH_HDR(version, 0x0200, -ERR_NOTSUP);
	WITH_HDR(version, 0x020C, 0);
	WITH_HDR(version, 0x0300, 0);
	WITH_HDR(xloadflags, XLF_CAN_BE_LOADED_ABOVE_4G, -ERR_NOTSUP);
	WITH_HDR(xloadflags, 0, -ERR_NOTSUP);
	WITH_HDR(loadflags, 0, -ERR_NOTSUP); /* zImage */

	/* The header's end, from the jump: it must reach init_size and fit
	 * the zero page's hole before 0x290. */
	WITH_HDR(jump[1], 0x61, -ERR_INVAL);
	WITH_HDR(jump[1], 0x62, 0);
	WITH_HDR(jump[1], 0x8E, 0);
	WITH_HDR(jump[1], 0x8F, -ERR_INVAL);
	WITH_HDR(jump[1], 0xFF, -ERR_INVAL);

	/* Setup past the end of the file, or the kernel cut short. */
	WITH_HDR(setup_sects, 255, -ERR_INVAL);
	WITH_HDR(setup_sects, IMG_LEN / 512, -ERR_INVAL);
	WITH_HDR(setup_sects, SETUP_SECTS + 1, -ERR_INVAL); /* syssize runs past the end */
	WITH_HDR(syssize, 0, -ERR_INVAL);
	WITH_HDR(syssize, 0x20, -ERR_INVAL); /* no room for the 64-bit entry */
	WITH_HDR(syssize, 0x21, 0);
	WITH_HDR(syssize, SYSSIZE + SIG_LEN / 16, 0);
	WITH_HDR(syssize, SYSSIZE + SIG_LEN / 16 + 1, -ERR_INVAL);
	WITH_HDR(syssize, 0xFFFFFFFF, -ERR_INVAL);

	/* Alignment, init_size, pref_address. */
	WITH_HDR(kernel_alignment, 0, -ERR_INVAL);
	WITH_HDR(kernel_alignment, 0x300000, -ERR_INVAL);
	WITH_HDR(kernel_alignment, 0x1000, 0);
	{
		struct setup_header h;

		build(&im);
		h = get_hdr(&im);
		h.relocatable_kernel = 0;
		h.kernel_alignment = 0; /* meaningless for a fixed kernel */
		set_hdr(&im, &h);
		CHECK_EQ(parse(&im, &bi), 0);
		CHECK(!bi.relocatable);
	}
	WITH_HDR(init_size, 0, -ERR_INVAL);
	WITH_HDR(init_size, KSIZE - 1, -ERR_INVAL);
	WITH_HDR(init_size, KSIZE, 0);
	WITH_HDR(pref_address, 1ULL << 52, -ERR_INVAL);
	WITH_HDR(pref_address, UINT64_MAX, -ERR_INVAL);
	WITH_HDR(pref_address, (1ULL << 52) - KALIGN, 0);

	/* Truncated files. */
	build(&im);
	CHECK_EQ(parse_len(&im, 0, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, 0x1FF, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, 0x205, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, 0x207, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, HDR_END - 1, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, HDR_END, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, SETUP_SIZE, &bi), ERR(-ERR_INVAL));
	CHECK_EQ(parse_len(&im, SETUP_SIZE + KSIZE - 1, &bi), ERR(-ERR_INVAL));
	/* A failed parse leaves nothing half-filled behind. */
	CHECK_EQ(bi.version, 0);
	CHECK_EQ(bi.kernel_size, 0);
}

static struct bzimage_info good_info(void)
{
	struct bzimage_info bi;
	struct img im;

	build(&im);
	CHECK_EQ(parse(&im, &bi), 0);
	return bi;
}

static void test_plan_sizes(void)
{
	struct bzimage_info bi = good_info();
	struct linux_boot_layout lo;

	/* 64 MiB: the kernel at pref_address uses 16..56 MiB. */
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.ram_size, 64 * MiB);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(lo.entry, PREF + 0x200);
	CHECK_EQ(lo.initrd_gpa, 0);
	CHECK_EQ(lo.initrd_size, 0);
	CHECK_EQ(lo.cmdline_gpa, 0);
	CHECK(lo.e820 == NULL);
	/* An initrd at the top of RAM, page-aligned... */
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 4 * MiB, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(lo.initrd_gpa, 60 * MiB);
	CHECK_EQ(lo.initrd_size, 4 * MiB);
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 4 * MiB + 1, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, 60 * MiB - 0x1000);
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 8 * MiB, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, KEND);
	/* ...else below the kernel, above 1 MiB. */
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 8 * MiB + 1, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, PREF - 8 * MiB - 0x1000);
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 12 * MiB, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, 4 * MiB);
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 15 * MiB, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, 1 * MiB);
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 15 * MiB + 1, 0, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(lo.kernel_load, 0); /* nothing half-planned */
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 15 * MiB, 2 * MiB, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 14 * MiB, 2 * MiB, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, 2 * MiB);

	/* 512 MiB. */
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0x10000, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(lo.initrd_gpa, 0);
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 20 * MiB, 0x10000, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(lo.initrd_gpa, 492 * MiB);

	/* 4 GiB: the initrd stays below initrd_addr_max (2 GiB - 1). */
	CHECK_EQ(bzimage_plan(&bi, 4 * GiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(bzimage_plan(&bi, 4 * GiB, 100 * MiB + 123, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(lo.initrd_gpa, ALIGN_DOWN(2 * GiB - 100 * MiB - 123, PAGE_SIZE));
	CHECK(lo.initrd_gpa + lo.initrd_size <= 0x80000000ULL);
	CHECK_EQ(lo.initrd_size, 100 * MiB + 123);

	/* Too small: the kernel needs 16 MiB + init_size. */
	CHECK_EQ(bzimage_plan(&bi, 32 * MiB, 0, 0, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, KEND - 1, 0, 0, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, KEND, 0, 0, &lo), 0);
	CHECK_EQ(bzimage_plan(&bi, KEND, 0x1000, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, PREF - 0x1000);
	CHECK_EQ(bzimage_plan(&bi, 1 * MiB, 0, 0, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, 0, 0, 0, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 64 * MiB, 0, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, UINT64_MAX, 0, &lo), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_plan(&bi, UINT64_MAX, 0, 0, &lo), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_plan(NULL, 64 * MiB, 0, 0, &lo), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_plan(&bi, 64 * MiB, 0, 0, NULL), ERR(-ERR_INVAL));
}

static void test_plan_placement(void)
{
	struct bzimage_info bi = good_info();
	struct linux_boot_layout lo;

	/* A reserved area reaching past pref_address pushes the kernel to
	 * the next alignment boundary. */
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 20 * MiB, &lo), 0);
	CHECK_EQ(lo.kernel_load, 20 * MiB);
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 21 * MiB, &lo), 0);
	CHECK_EQ(lo.kernel_load, 22 * MiB);
	CHECK_EQ(lo.entry, 22 * MiB + 0x200);
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 512 * MiB, &lo), ERR(-ERR_NOSPC));
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, UINT64_MAX, &lo), ERR(-ERR_NOSPC));
	/* An unaligned pref_address is rounded up. */
	bi.pref_address = PREF + 0x1000;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF + KALIGN);

	/* A fixed kernel goes at pref_address or not at all. */
	bi = good_info();
	bi.relocatable = false;
	bi.kernel_alignment = 0;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF);
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 17 * MiB, &lo), ERR(-ERR_RANGE));
	bi.pref_address = PREF + 0x1000;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, PREF + 0x1000);

	/* Above 4 GiB only with XLF_CAN_BE_LOADED_ABOVE_4G. */
	bi = good_info();
	bi.pref_address = 4 * GiB;
	CHECK_EQ(bzimage_plan(&bi, 8 * GiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, 4 * GiB);
	bi.xloadflags = XLF_KERNEL_64;
	CHECK_EQ(bzimage_plan(&bi, 8 * GiB, 0, 0, &lo), ERR(-ERR_NOSPC));
	bi.pref_address = 4 * GiB - INIT_SIZE;
	CHECK_EQ(bzimage_plan(&bi, 8 * GiB, 0, 0, &lo), 0);
	CHECK_EQ(lo.kernel_load, 4 * GiB - INIT_SIZE);

	/* An initrd_addr_max below the kernel puts the initrd under it. */
	bi = good_info();
	bi.initrd_addr_max = 12 * MiB - 1;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 1 * MiB, 0, &lo), 0);
	CHECK_EQ(lo.initrd_gpa, 11 * MiB);
	bi.initrd_addr_max = 2 * MiB - 1;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 1 * MiB + 1, 0, &lo), ERR(-ERR_NOSPC));

	/* Corrupt descriptions are refused, not trusted. */
	bi = good_info();
	bi.kernel_alignment = 3;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0, &lo), ERR(-ERR_INVAL));
	bi = good_info();
	bi.pref_address = UINT64_MAX - 0x1000;
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0, &lo), ERR(-ERR_INVAL));
}

/* Byte-level writers for the expected zero page, independent of the
 * structure definitions. */
static void put32(uint8_t *p, unsigned off, uint64_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, unsigned off, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

struct zp {
	uint8_t *mem;		/* allocation */
	struct boot_params *bp; /* at an odd address inside it */
};

static struct zp zp_new(void)
{
	struct zp z;

	z.mem = malloc(sizeof(struct boot_params) + 1);
	memset(z.mem, 0xAA, sizeof(struct boot_params) + 1);
	z.bp = (struct boot_params *)(z.mem + 1);
	return z;
}

static int fill(struct zp *z, const struct img *im, const struct bzimage_info *bi,
		const struct linux_boot_layout *lo)
{
	uint8_t *copy = malloc(im->len + 1);
	int err;

	memcpy(copy + 1, im->b, im->len);
	err = bzimage_fill_boot_params(z->bp, copy + 1, im->len, bi, lo);
	free(copy);
	return err;
}

static const struct e820_range map512[] = {
	{0, 0x9FC00, E820_RAM},
	{0x9FC00, 0x60400, E820_RESERVED},
	{0x100000, 511 * MiB, E820_RAM},
};

/* 512 MiB, a 20 MiB initrd, the zero page and command line in low RAM. */
static void layout512(const struct bzimage_info *bi, struct linux_boot_layout *lo,
		      const char *cmdline)
{
	CHECK_EQ(bzimage_plan(bi, 512 * MiB, 20 * MiB, 0x10000, lo), 0);
	lo->cmdline_gpa = 0x20000;
	lo->boot_params_gpa = 0x7000;
	lo->rsdp_gpa = 0xE0000;
	lo->e820 = map512;
	lo->e820_count = ARRAY_SIZE(map512);
	lo->cmdline = cmdline;
}

static void test_fill_fields(void)
{
	static uint8_t expect[4096];
	struct linux_boot_layout lo;
	struct bzimage_info bi;
	struct img im;
	struct zp z = zp_new();
	const uint8_t *got = (const uint8_t *)z.bp;

	build(&im);
	CHECK_EQ(parse(&im, &bi), 0);
	layout512(&bi, &lo, "console=ttyS0 root=/dev/vda");
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);

	/* Through the structure. */
	CHECK_EQ(z.bp->hdr.type_of_loader, 0xFF);
	CHECK_EQ(z.bp->hdr.loadflags, LOADED_HIGH);
	CHECK_EQ(z.bp->hdr.code32_start, PREF);
	CHECK_EQ(z.bp->hdr.cmd_line_ptr, 0x20000);
	CHECK_EQ(z.bp->ext_cmd_line_ptr, 0);
	CHECK_EQ(z.bp->hdr.ramdisk_image, 492 * MiB);
	CHECK_EQ(z.bp->hdr.ramdisk_size, 20 * MiB);
	CHECK_EQ(z.bp->ext_ramdisk_image, 0);
	CHECK_EQ(z.bp->ext_ramdisk_size, 0);
	CHECK_EQ(z.bp->acpi_rsdp_addr, 0xE0000);
	CHECK_EQ(z.bp->e820_entries, 3);
	CHECK_EQ(z.bp->e820_table[2].addr, 0x100000);
	CHECK_EQ(z.bp->e820_table[2].size, 511 * MiB);
	CHECK_EQ(z.bp->e820_table[2].type, E820_RAM);
	CHECK_EQ(z.bp->sentinel, 0);
	CHECK_EQ(z.bp->hdr.header, BP_HDRS_MAGIC);
	CHECK_EQ(z.bp->hdr.version, 0x020F);
	CHECK_EQ(z.bp->hdr.init_size, INIT_SIZE);
	CHECK_EQ(z.bp->hdr.heap_end_ptr, 0x5BE0); /* copied; CAN_USE_HEAP stays clear */
	CHECK_EQ(z.bp->hdr.kernel_info_offset, 0x1000);

	/* Byte for byte: zeroes, the header from the file, then what the
	 * loader writes, at the protocol's absolute offsets. */
	memset(expect, 0, sizeof(expect));
	memcpy(expect + 0x1F1, im.b + 0x1F1, HDR_END - 0x1F1);
	expect[0x210] = 0xFF;
	expect[0x211] |= LOADED_HIGH;
	put32(expect, 0x214, PREF);
	put32(expect, 0x218, 492 * MiB);
	put32(expect, 0x21C, 20 * MiB);
	put32(expect, 0x228, 0x20000);
	put64(expect, 0x070, 0xE0000);
	expect[0x1E8] = 3;
	for (unsigned i = 0; i < ARRAY_SIZE(map512); i++) {
		put64(expect, 0x2D0 + 20 * i, map512[i].addr);
		put64(expect, 0x2D0 + 20 * i + 8, map512[i].size);
		put32(expect, 0x2D0 + 20 * i + 16, map512[i].type);
	}
	CHECK(memcmp(got, expect, sizeof(expect)) == 0);
	for (unsigned i = 0; i < sizeof(expect); i++) {
		if (got[i] != expect[i]) {
			fprintf(stderr, "zero page byte 0x%x: 0x%02x, expected 0x%02x\n", i, got[i],
				expect[i]);
			break;
		}
	}
	CHECK_EQ(z.mem[0], 0xAA); /* nothing written before the page */
	/* ... and nothing after it: ASan would have said. */

	/* No initrd, no RSDP, no command line at all (an empty one). */
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 0, 0x10000, &lo), 0);
	lo.cmdline_gpa = 0x20000;
	lo.boot_params_gpa = 0x7000;
	lo.e820 = map512;
	lo.e820_count = ARRAY_SIZE(map512);
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	CHECK_EQ(z.bp->hdr.ramdisk_image, 0);
	CHECK_EQ(z.bp->hdr.ramdisk_size, 0);
	CHECK_EQ(z.bp->acpi_rsdp_addr, 0);
	CHECK_EQ(z.bp->hdr.cmd_line_ptr, 0x20000);
	free(z.mem);
}

static void test_fill_header_copy(void)
{
	struct linux_boot_layout lo;
	struct bzimage_info bi;
	struct setup_header h;
	struct img im;
	struct zp z = zp_new();
	const uint8_t *got = (const uint8_t *)z.bp;
	int same = 1;

	/* A header that claims the whole hole up to 0x290 (a newer kernel)
	 * is copied whole. */
	build(&im);
	h = get_hdr(&im);
	h.jump[1] = BP_SETUP_HEADER_LIMIT - 0x202;
	set_hdr(&im, &h);
	CHECK_EQ(parse(&im, &bi), 0);
	CHECK_EQ(bi.header_end, BP_SETUP_HEADER_LIMIT);
	layout512(&bi, &lo, "");
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	for (unsigned i = HDR_END; i < BP_SETUP_HEADER_LIMIT; i++)
		same &= got[i] == 0x5A;
	CHECK(same);
	CHECK_EQ(got[BP_SETUP_HEADER_LIMIT], 0);
	CHECK_EQ(got[0x1EF], 0);
	CHECK_EQ(got[0x1F0], 0);

	/* A shorter (2.12-era) header: the bytes past it stay zero. */
	build(&im);
	h = get_hdr(&im);
	h.jump[1] = 0x66; /* ends at 0x268, before kernel_info_offset */
	set_hdr(&im, &h);
	CHECK_EQ(parse(&im, &bi), 0);
	layout512(&bi, &lo, "");
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	CHECK_EQ(z.bp->hdr.handover_offset, 0x190);
	CHECK_EQ(z.bp->hdr.kernel_info_offset, 0);

	/* bi from another image than the one passed. */
	CHECK_EQ(parse(&im, &bi), 0);
	build(&im);
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_INVAL));
	free(z.mem);
}

static void test_fill_high(void)
{
	static const struct e820_range map[] = {
		{0, 0x9FC00, E820_RAM},
		{0x100000, 3 * GiB - 0x100000, E820_RAM},
		{4 * GiB, 12 * GiB, E820_RAM},
	};
	struct linux_boot_layout lo;
	struct bzimage_info bi;
	struct img im;
	struct zp z = zp_new();

	/* Kernel, initrd (over 4 GiB long), command line and zero page all
	 * above 4 GiB: the ext_ fields carry the high halves. */
	build(&im);
	CHECK_EQ(parse(&im, &bi), 0);
	memset(&lo, 0, sizeof(lo));
	lo.kernel_load = 4 * GiB + 2 * KALIGN;
	lo.initrd_gpa = 0x180000000ULL;
	lo.initrd_size = 0x100001000ULL;
	lo.cmdline_gpa = 0x300000100ULL;
	lo.boot_params_gpa = 0x300001000ULL;
	lo.rsdp_gpa = 0x9FC00;
	lo.e820 = map;
	lo.e820_count = ARRAY_SIZE(map);
	lo.cmdline = "quiet";
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	CHECK_EQ(z.bp->hdr.ramdisk_image, 0x80000000u);
	CHECK_EQ(z.bp->ext_ramdisk_image, 1);
	CHECK_EQ(z.bp->hdr.ramdisk_size, 0x1000);
	CHECK_EQ(z.bp->ext_ramdisk_size, 1);
	CHECK_EQ(z.bp->hdr.cmd_line_ptr, 0x100);
	CHECK_EQ(z.bp->ext_cmd_line_ptr, 3);
	CHECK_EQ(z.bp->hdr.code32_start, 0x100000); /* the file's; no 32-bit form */
	CHECK_EQ(z.bp->e820_table[2].addr, 4 * GiB);
	CHECK_EQ(z.bp->e820_table[2].size, 12 * GiB);

	/* Without XLF_CAN_BE_LOADED_ABOVE_4G each of them is refused. */
	{
		struct setup_header h = get_hdr(&im);
		struct linux_boot_layout low;

		h.xloadflags = XLF_KERNEL_64;
		set_hdr(&im, &h);
		CHECK_EQ(parse(&im, &bi), 0);
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		layout512(&bi, &low, "");
		CHECK_EQ(fill(&z, &im, &bi, &low), 0);
		lo = low;
		lo.cmdline_gpa = 4 * GiB; /* an empty line is just its NUL */
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		lo.cmdline_gpa = 4 * GiB - 1;
		CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
		lo = low;
		lo.boot_params_gpa = 4 * GiB - 0x800;
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		/* The initrd must also end by initrd_addr_max... */
		lo = low;
		lo.initrd_gpa = 0x80000000ULL - lo.initrd_size + 0x1000;
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		lo.initrd_gpa = 0x80000000ULL - lo.initrd_size;
		lo.e820 = map;
		lo.e820_count = ARRAY_SIZE(map);
		CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
		/* ...which a kernel loadable above 4 GiB does not ask for. */
		h.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
		set_hdr(&im, &h);
		CHECK_EQ(parse(&im, &bi), 0);
		lo.initrd_gpa += 0x1000;
		CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	}
	free(z.mem);
}

static void test_fill_bad(void)
{
	struct linux_boot_layout lo, good;
	struct e820_range map[BP_E820_MAX + 1];
	struct bzimage_info bi;
	struct setup_header h;
	struct img im;
	struct zp z = zp_new();

	build(&im);
	CHECK_EQ(parse(&im, &bi), 0);
	layout512(&bi, &good, "");

	/* Missing arguments. */
	CHECK_EQ(bzimage_fill_boot_params(NULL, im.b, im.len, &bi, &good), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_fill_boot_params(z.bp, NULL, im.len, &bi, &good), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_fill_boot_params(z.bp, im.b, im.len, NULL, &good), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_fill_boot_params(z.bp, im.b, im.len, &bi, NULL), ERR(-ERR_INVAL));
	CHECK_EQ(bzimage_fill_boot_params(z.bp, im.b, 0x100, &bi, &good), ERR(-ERR_INVAL));
	lo = good;
	lo.kernel_load = 0;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_INVAL));
	lo = good;
	lo.cmdline_gpa = 0;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_INVAL));
	lo = good;
	lo.e820 = NULL;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_INVAL));

	/* A kernel off its alignment, or a fixed one moved. */
	lo = good;
	lo.kernel_load += 0x1000;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_INVAL));
	lo = good;
	lo.kernel_load += KALIGN;
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	bi.relocatable = false;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_INVAL));
	CHECK_EQ(fill(&z, &im, &bi, &good), 0);
	bi.relocatable = true;

	/* Command line length against cmdline_size. */
	h = get_hdr(&im);
	h.cmdline_size = 16;
	set_hdr(&im, &h);
	CHECK_EQ(parse(&im, &bi), 0);
	lo = good;
	lo.cmdline = "0123456789abcdef";
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	lo.cmdline = "0123456789abcdefg";
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
	build(&im);
	CHECK_EQ(parse(&im, &bi), 0);

	/* Overlaps: command line in the kernel's region, zero page on the
	 * initrd, command line running into the zero page. */
	lo = good;
	lo.cmdline_gpa = PREF + INIT_SIZE - 1;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_EXIST));
	lo.cmdline_gpa = PREF + INIT_SIZE;
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	lo = good;
	lo.boot_params_gpa = good.initrd_gpa + good.initrd_size - 0x1000 + 1;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_EXIST));
	lo.boot_params_gpa = good.initrd_gpa - 0x1000;
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	lo = good;
	lo.cmdline = "abc";
	lo.cmdline_gpa = good.boot_params_gpa - 3;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_EXIST));
	lo.cmdline_gpa = good.boot_params_gpa - 4;
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	lo = good;
	lo.initrd_gpa = PREF + INIT_SIZE - 0x1000;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_EXIST));

	/* Kernel and initrd must be RAM in the map: split entries in any
	 * order are fine, a hole or another type is not. */
	{
		const struct e820_range split[] = {
			{30 * MiB, 482 * MiB, E820_RAM},
			{0, 0x9FC00, E820_RAM},
			{0x100000, 29 * MiB, E820_RAM},
		};
		const struct e820_range hole[] = {
			{0x100000, 29 * MiB, E820_RAM},
			{30 * MiB + 0x1000, 482 * MiB - 0x1000, E820_RAM},
		};
		const struct e820_range acpi[] = {
			{0x100000, 29 * MiB, E820_RAM},
			{30 * MiB, 0x1000, E820_ACPI},
			{30 * MiB + 0x1000, 482 * MiB - 0x1000, E820_RAM},
		};
		const struct e820_range short_ram[] = {
			{0x100000, 511 * MiB - 1, E820_RAM},
		};
		const struct e820_range wraps[] = {
			{0x100000, UINT64_MAX, E820_RAM},
		};

		lo = good;
		lo.e820 = split;
		lo.e820_count = ARRAY_SIZE(split);
		CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
		lo.e820 = hole;
		lo.e820_count = ARRAY_SIZE(hole);
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		lo.e820 = acpi;
		lo.e820_count = ARRAY_SIZE(acpi);
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		lo.e820 = short_ram; /* the initrd's last byte is outside */
		lo.e820_count = ARRAY_SIZE(short_ram);
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
		lo.e820 = wraps; /* nonsense, but it covers everything */
		lo.e820_count = ARRAY_SIZE(wraps);
		CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
		lo.e820_count = 0;
		CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
	}

	/* The zero page holds 128 entries. */
	map[0] = (struct e820_range){0, 512 * MiB, E820_RAM};
	for (unsigned i = 1; i < ARRAY_SIZE(map); i++)
		map[i] = (struct e820_range){4 * GiB + i * 0x1000ULL, 0x1000, E820_RESERVED};
	lo = good;
	lo.e820 = map;
	lo.e820_count = BP_E820_MAX;
	CHECK_EQ(fill(&z, &im, &bi, &lo), 0);
	CHECK_EQ(z.bp->e820_entries, BP_E820_MAX);
	CHECK_EQ(z.bp->e820_table[BP_E820_MAX - 1].addr, 4 * GiB + (BP_E820_MAX - 1) * 0x1000ULL);
	lo.e820_count = BP_E820_MAX + 1;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_NOSPC));

	/* Addresses that would wrap. */
	lo = good;
	lo.cmdline = "x";
	lo.cmdline_gpa = UINT64_MAX - 1;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));
	lo = good;
	lo.initrd_size = UINT64_MAX;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_RANGE));

	/* A failed fill leaves the page as it was. */
	memset(z.bp, 0x33, sizeof(*z.bp));
	lo = good;
	lo.cmdline = "ok";
	lo.cmdline_gpa = PREF;
	CHECK_EQ(fill(&z, &im, &bi, &lo), ERR(-ERR_EXIST));
	CHECK_EQ(((const uint8_t *)z.bp)[0], 0x33);
	CHECK_EQ(((const uint8_t *)z.bp)[4095], 0x33);
	free(z.mem);
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_real_image(void)
{
	const char *path = getenv("ARGON_TEST_BZIMAGE");
	struct linux_boot_layout lo;
	struct bzimage_info bi;
	struct boot_params *bp;
	uint8_t *img;
	size_t len = 0;

	if (!path || !*path)
		path = DEFAULT_BZIMAGE;
	img = read_whole(path, &len);
	if (!img) {
		printf("note: no real bzImage at %s (set ARGON_TEST_BZIMAGE); skipped\n", path);
		return;
	}
	CHECK_EQ(bzimage_parse(img, len, &bi), 0);
	printf("%s: protocol %u.%02u, setup %" PRIu64 " bytes, kernel %" PRIu64
	       " bytes, pref_address 0x%" PRIx64 ", alignment 0x%" PRIx64 ", init_size 0x%" PRIx64
	       ", xloadflags 0x%x, cmdline_size %u, initrd_addr_max 0x%" PRIx64 "\n",
	       path, bi.version >> 8, bi.version & 0xFF, bi.setup_size, bi.kernel_size,
	       bi.pref_address, bi.kernel_alignment, bi.init_size, bi.xloadflags, bi.cmdline_size,
	       bi.initrd_addr_max);
	CHECK(bi.version >= BZIMAGE_MIN_VERSION);
	CHECK(bi.xloadflags & XLF_KERNEL_64);
	CHECK(bi.relocatable);
	CHECK(bi.init_size > bi.kernel_size);
	CHECK(bi.kernel_offset + bi.kernel_size <= len);
	CHECK(IS_ALIGNED(bi.pref_address, bi.kernel_alignment));

	/* It plans and fills like the synthetic one. */
	CHECK_EQ(bzimage_plan(&bi, 512 * MiB, 16 * MiB, 0x10000, &lo), 0);
	CHECK_EQ(lo.kernel_load, bi.pref_address);
	lo.cmdline_gpa = 0x20000;
	lo.boot_params_gpa = 0x7000;
	lo.e820 = map512;
	lo.e820_count = ARRAY_SIZE(map512);
	lo.cmdline = "console=ttyS0";
	bp = malloc(sizeof(*bp));
	CHECK_EQ(bzimage_fill_boot_params(bp, img, len, &bi, &lo), 0);
	CHECK_EQ(bp->hdr.version, bi.version);
	CHECK_EQ(bp->hdr.init_size, bi.init_size);
	CHECK_EQ(bp->hdr.ramdisk_image, lo.initrd_gpa);
	free(bp);
	free(img);
}

CHECK_MAIN(test_parse_valid, test_parse_bad, test_plan_sizes, test_plan_placement, test_fill_fields,
	   test_fill_header_copy, test_fill_high, test_fill_bad, test_real_image)
