/* libFuzzer target: a bzImage from arbitrary bytes, placed in a RAM size,
 * initrd size and reserved low area taken from the input, then given its
 * zero page. Nothing may crash or read out of bounds, and what is accepted
 * must keep the loader's promises: a parsed header lies inside the file, a
 * plan fits the RAM it was given, and the loader's own checks accept every
 * plan bzimage_plan makes.
 *
 * Input: ram_size (8 bytes, little-endian), initrd_size (8), low_reserved_end
 * (4), then the image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bits.h"
#include "lib/bzimage.h"
#include "lib/err.h"

#define PARAMS_LEN 20
#define ZERO_PAGE_GPA 0x7000ULL
#define CMDLINE_GPA 0x8000ULL
#define FOUR_GiB (4ULL << 30)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void check_info(const struct bzimage_info *bi, size_t len)
{
	if (bi->version < BZIMAGE_MIN_VERSION || !(bi->loadflags & LOADED_HIGH) ||
	    !(bi->xloadflags & XLF_KERNEL_64))
		abort();
	if (bi->header_end < BP_SETUP_HEADER_OFF + offsetof(struct setup_header, handover_offset) ||
	    bi->header_end > BP_SETUP_HEADER_LIMIT || bi->header_end > len)
		abort();
	if (bi->setup_size < 512 || bi->setup_size % 512 || bi->kernel_offset != bi->setup_size)
		abort();
	if (bi->kernel_size <= BZIMAGE_ENTRY64_OFFSET || bi->setup_size > len ||
	    bi->kernel_size > len - bi->setup_size)
		abort();
	if (bi->init_size < bi->kernel_size || bi->pref_address >= BZIMAGE_MAX_ADDR ||
	    !bi->pref_address)
		abort();
	if (bi->relocatable &&
	    (!bi->kernel_alignment || (bi->kernel_alignment & (bi->kernel_alignment - 1))))
		abort();
	if (bi->entry64_offset != BZIMAGE_ENTRY64_OFFSET)
		abort();
}

static void check_plan(const struct bzimage_info *bi, uint64_t ram, uint64_t initrd, uint64_t low,
		       const struct linux_boot_layout *lo)
{
	uint64_t floor = low > BZIMAGE_LOW_END ? low : BZIMAGE_LOW_END;
	uint64_t kend = lo->kernel_load + bi->init_size;
	uint64_t limit = (bi->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) ? ram : FOUR_GiB;

	if (lo->ram_size != ram || lo->entry != lo->kernel_load + BZIMAGE_ENTRY64_OFFSET)
		abort();
	/* The kernel's whole init_size region inside RAM, above the reserved
	 * area, not below pref_address, and aligned or at pref_address. */
	if (lo->kernel_load < floor || lo->kernel_load < bi->pref_address ||
	    kend < lo->kernel_load || kend > ram || kend > limit)
		abort();
	if (bi->relocatable ? lo->kernel_load % bi->kernel_alignment
			    : lo->kernel_load != bi->pref_address)
		abort();
	if (!initrd) {
		if (lo->initrd_gpa || lo->initrd_size)
			abort();
		return;
	}
	/* The initrd page-aligned, inside RAM and initrd_addr_max, above the
	 * reserved area and clear of the kernel. */
	if (lo->initrd_size != initrd || lo->initrd_gpa % PAGE_SIZE || lo->initrd_gpa < floor ||
	    lo->initrd_gpa > ram || initrd > ram - lo->initrd_gpa ||
	    lo->initrd_gpa + initrd - 1 > bi->initrd_addr_max)
		abort();
	if (lo->initrd_gpa < kend && lo->kernel_load < lo->initrd_gpa + initrd)
		abort();
}

/* The loader's next step on an accepted plan must succeed, and the zero
 * page must say what the plan says. */
static void check_zero_page(const uint8_t *img, size_t len, const struct bzimage_info *bi,
			    struct linux_boot_layout *lo)
{
	static struct boot_params bp;
	struct e820_range ram = {0, lo->ram_size, E820_RAM};
	static const char cmdline[] = "console=ttyS0";
	int err;

	lo->cmdline_gpa = CMDLINE_GPA;
	lo->boot_params_gpa = ZERO_PAGE_GPA;
	lo->e820 = &ram;
	lo->e820_count = 1;
	lo->cmdline = cmdline;
	err = bzimage_fill_boot_params(&bp, img, len, bi, lo);
	if (bi->cmdline_size < sizeof(cmdline) - 1) {
		if (err != -ERR_RANGE)
			abort();
		return;
	}
	if (err)
		abort();
	if (bp.hdr.boot_flag != BP_BOOT_FLAG_MAGIC || bp.hdr.header != BP_HDRS_MAGIC ||
	    bp.hdr.type_of_loader != BP_TYPE_OF_LOADER_UNDEF || !(bp.hdr.loadflags & LOADED_HIGH))
		abort();
	if (bp.hdr.cmd_line_ptr != (uint32_t)CMDLINE_GPA || bp.e820_entries != 1 ||
	    bp.e820_table[0].size != lo->ram_size)
		abort();
	if ((bp.hdr.ramdisk_image | (uint64_t)bp.ext_ramdisk_image << 32) != lo->initrd_gpa ||
	    (bp.hdr.ramdisk_size | (uint64_t)bp.ext_ramdisk_size << 32) != lo->initrd_size)
		abort();
	/* Nothing past the image's header is carried over. */
	for (size_t i = bi->header_end; i < BP_SETUP_HEADER_LIMIT; i++) {
		if (((const uint8_t *)&bp)[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bzimage_info bi;
	struct linux_boot_layout lo;
	uint64_t ram, initrd, low;
	uint8_t *img;
	size_t len;
	int err;

	if (size < PARAMS_LEN)
		return 0;
	ram = rd64(data);
	initrd = rd64(data + 8);
	low = rd32(data + 16);
	len = size - PARAMS_LEN;
	/* An allocation of exactly the image, so any read past it is caught. */
	img = malloc(len ? len : 1);
	if (!img)
		return 0;
	memcpy(img, data + PARAMS_LEN, len);

	err = bzimage_parse(img, len, &bi);
	if (err) {
		if (err != -ERR_INVAL && err != -ERR_NOTSUP)
			abort();
		goto out;
	}
	check_info(&bi, len);
	err = bzimage_plan(&bi, ram, initrd, low, &lo);
	if (err) {
		if (err != -ERR_INVAL && err != -ERR_NOSPC && err != -ERR_RANGE)
			abort();
		/* A refused plan leaves nothing a loader could use. */
		if (lo.ram_size || lo.kernel_load || lo.entry || lo.initrd_gpa || lo.initrd_size)
			abort();
		goto out;
	}
	check_plan(&bi, ram, initrd, low, &lo);
	check_zero_page(img, len, &bi, &lo);
out:
	free(img);
	return 0;
}
