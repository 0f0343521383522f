/* bzImage checks, placement and the zero page. The image comes from a file
 * on the ESP and the header fields are untrusted: every offset and size is
 * checked in a form that cannot wrap, and the header is copied out with
 * memcpy since the file buffer need not be aligned. */
#include "lib/bzimage.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"

#define FOUR_GiB (4ULL * GiB)
/* Linux's limit for initrd_addr_max before protocol 2.03; a header with
 * the field at zero gets it too. */
#define INITRD_ADDR_MAX_DEFAULT 0x37FFFFFFu
/* The header must hold every field bzimage_parse reads (through
 * init_size) and fit the hole in the zero page before 0x290. */
#define HEADER_END_MIN (BP_SETUP_HEADER_OFF + offsetof(struct setup_header, handover_offset))

/* Copies the image's setup header into *hdr (fields past its end stay
 * zero) and returns its end as a file offset, or a negative error. */
static long read_header(const uint8_t *img, size_t len, struct setup_header *hdr)
{
	size_t end;

	memset(hdr, 0, sizeof(*hdr));
	if (len < SH_OFF(version))
		return -ERR_INVAL;
	if (load16(img + SH_OFF(boot_flag)) != BP_BOOT_FLAG_MAGIC ||
	    load32(img + SH_OFF(header)) != BP_HDRS_MAGIC)
		return -ERR_INVAL;
	if (len < SH_OFF(version) + 2)
		return -ERR_INVAL;
	/* Old protocols lack xloadflags; the header's length is meaningless
	 * to check for them. */
	if (load16(img + SH_OFF(version)) < BZIMAGE_MIN_VERSION)
		return -ERR_NOTSUP;
	if (img[SH_OFF(jump)] != BP_JUMP_OPCODE)
		return -ERR_INVAL;
	end = SH_OFF(jump) + 2 + img[SH_OFF(jump) + 1];
	if (end < HEADER_END_MIN || end > BP_SETUP_HEADER_LIMIT || end > len)
		return -ERR_INVAL;
	/* A header longer than ours (a newer protocol) is cut here;
	 * bzimage_fill_boot_params still copies all of it. */
	memcpy(hdr, img + BP_SETUP_HEADER_OFF,
	       end - BP_SETUP_HEADER_OFF < sizeof(*hdr) ? end - BP_SETUP_HEADER_OFF : sizeof(*hdr));
	return (long)end;
}

static bool is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

int bzimage_parse(const void *img, size_t len, struct bzimage_info *out)
{
	struct bzimage_info bi;
	struct setup_header hdr;
	uint64_t sects;
	long end;

	if (!img || !out)
		return -ERR_INVAL;
	memset(out, 0, sizeof(*out));
	memset(&bi, 0, sizeof(bi));
	end = read_header(img, len, &hdr);
	if (end < 0)
		return (int)end;
	if (!(hdr.loadflags & LOADED_HIGH) || !(hdr.xloadflags & XLF_KERNEL_64))
		return -ERR_NOTSUP;

	sects = hdr.setup_sects ? hdr.setup_sects : 4;
	bi.setup_size = (sects + 1) * BP_SECTOR_SIZE;
	if (bi.setup_size >= len)
		return -ERR_INVAL;
	bi.kernel_offset = bi.setup_size;
	/* syssize counts the protected-mode code (with its CRC); a file
	 * shorter than that was cut. A signature may follow it. */
	bi.kernel_size = (uint64_t)hdr.syssize * 16;
	if (bi.kernel_size <= BZIMAGE_ENTRY64_OFFSET || bi.kernel_size > len - bi.setup_size)
		return -ERR_INVAL;

	bi.version = hdr.version;
	bi.loadflags = hdr.loadflags;
	bi.xloadflags = hdr.xloadflags;
	bi.relocatable = hdr.relocatable_kernel != 0;
	bi.cmdline_size = hdr.cmdline_size;
	bi.header_end = (uint64_t)end;
	bi.pref_address = hdr.pref_address ? hdr.pref_address : BZIMAGE_DEFAULT_LOAD;
	bi.kernel_alignment = hdr.kernel_alignment;
	bi.init_size = hdr.init_size;
	bi.initrd_addr_max = hdr.initrd_addr_max ? hdr.initrd_addr_max : INITRD_ADDR_MAX_DEFAULT;
	bi.entry64_offset = BZIMAGE_ENTRY64_OFFSET;

	if (bi.relocatable && !is_pow2(bi.kernel_alignment))
		return -ERR_INVAL;
	if (bi.pref_address >= BZIMAGE_MAX_ADDR)
		return -ERR_INVAL;
	/* The decompressor works inside init_size; it must hold the image. */
	if (bi.init_size < bi.kernel_size)
		return -ERR_INVAL;
	*out = bi;
	return 0;
}

/* Where the kernel goes, or a negative error; floor and limit are below
 * BZIMAGE_MAX_ADDR, so nothing here wraps. */
static int64_t kernel_place(const struct bzimage_info *bi, uint64_t floor, uint64_t limit)
{
	uint64_t load = bi->pref_address;

	if (bi->relocatable)
		load = ALIGN_UP(load > floor ? load : floor, bi->kernel_alignment);
	else if (load < floor)
		return -ERR_RANGE;
	if (load > limit || bi->init_size > limit - load)
		return -ERR_NOSPC;
	return (int64_t)load;
}

/* Highest page-aligned start for size bytes inside [lo, hi), or 0. */
static uint64_t place_top(uint64_t lo, uint64_t hi, uint64_t size)
{
	uint64_t at;

	if (hi <= lo || size > hi - lo)
		return 0;
	at = ALIGN_DOWN(hi - size, PAGE_SIZE);
	return at >= lo ? at : 0;
}

int bzimage_plan(const struct bzimage_info *bi, uint64_t ram_size, uint64_t initrd_size,
		 uint64_t low_reserved_end, struct linux_boot_layout *out)
{
	uint64_t floor, klimit, kend, top, at;
	int64_t load;

	if (!bi || !out)
		return -ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (ram_size > BZIMAGE_MAX_ADDR || bi->pref_address >= BZIMAGE_MAX_ADDR ||
	    initrd_size > BZIMAGE_MAX_ADDR || (bi->relocatable && !is_pow2(bi->kernel_alignment)))
		return -ERR_INVAL;
	floor = low_reserved_end > BZIMAGE_LOW_END ? low_reserved_end : BZIMAGE_LOW_END;
	if (floor >= ram_size)
		return -ERR_NOSPC;
	klimit = ram_size;
	if (!(bi->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) && klimit > FOUR_GiB)
		klimit = FOUR_GiB;
	load = kernel_place(bi, floor, klimit);
	if (load < 0)
		return (int)load;
	kend = (uint64_t)load + bi->init_size;

	out->ram_size = ram_size;
	out->kernel_load = (uint64_t)load;
	out->entry = (uint64_t)load + bi->entry64_offset;
	if (initrd_size == 0)
		return 0;
	/* initrd_addr_max comes from a 32-bit field: + 1 cannot wrap. */
	top = bi->initrd_addr_max + 1 < ram_size ? bi->initrd_addr_max + 1 : ram_size;
	at = place_top(kend, top, initrd_size);
	if (!at)
		at = place_top(floor, top < (uint64_t)load ? top : (uint64_t)load, initrd_size);
	if (!at) {
		memset(out, 0, sizeof(*out));
		return -ERR_NOSPC;
	}
	out->initrd_gpa = at;
	out->initrd_size = initrd_size;
	return 0;
}

struct span {
	uint64_t start, size;
};

static bool spans_overlap(struct span a, struct span b)
{
	return a.size && b.size && a.start < b.start + b.size && b.start < a.start + a.size;
}

/* [s.start, s.start + s.size) is all E820_RAM, possibly across adjacent
 * entries in any order. Entries are untrusted: ends are computed only
 * where they cannot wrap. */
static bool in_ram(struct span s, const struct e820_range *map, unsigned n)
{
	uint64_t pos = s.start, end = s.start + s.size;

	while (pos < end) {
		bool advanced = false;

		for (unsigned i = 0; i < n; i++) {
			const struct e820_range *r = &map[i];

			if (r->type != E820_RAM || pos < r->addr || pos - r->addr >= r->size)
				continue;
			pos = r->size - (pos - r->addr) >= end - pos ? end : r->addr + r->size;
			advanced = true;
			break;
		}
		if (!advanced)
			return false;
	}
	return true;
}

static int check_layout(const struct bzimage_info *bi, const struct linux_boot_layout *lo,
			size_t cmdline_len)
{
	struct span s[4] = {
		{lo->kernel_load, bi->init_size},
		{lo->initrd_gpa, lo->initrd_size},
		{lo->cmdline_gpa, cmdline_len + 1},
		{lo->boot_params_gpa, sizeof(struct boot_params)},
	};
	uint64_t limit = BZIMAGE_MAX_ADDR;

	if (!(bi->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
		limit = FOUR_GiB;
	for (unsigned i = 0; i < ARRAY_SIZE(s); i++) {
		if (s[i].start > limit || s[i].size > limit - s[i].start)
			return -ERR_RANGE;
	}
	if (bi->relocatable ? !IS_ALIGNED(lo->kernel_load, bi->kernel_alignment)
			    : lo->kernel_load != bi->pref_address)
		return -ERR_INVAL;
	if (!(bi->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) && lo->initrd_size &&
	    lo->initrd_gpa + lo->initrd_size > bi->initrd_addr_max + 1)
		return -ERR_RANGE;
	for (unsigned i = 0; i < ARRAY_SIZE(s); i++) {
		for (unsigned j = i + 1; j < ARRAY_SIZE(s); j++) {
			if (spans_overlap(s[i], s[j]))
				return -ERR_EXIST;
		}
	}
	if (!in_ram(s[0], lo->e820, lo->e820_count) || !in_ram(s[1], lo->e820, lo->e820_count))
		return -ERR_RANGE;
	return 0;
}

int bzimage_fill_boot_params(void *zero_page, const void *img, size_t len,
			     const struct bzimage_info *bi, const struct linux_boot_layout *layout)
{
	struct boot_params *bp = zero_page;
	const char *cmdline;
	struct setup_header hdr;
	size_t cmdline_len;
	long end;
	int err;

	if (!zero_page || !img || !bi || !layout)
		return -ERR_INVAL;
	end = read_header(img, len, &hdr);
	if (end < 0)
		return (int)end;
	/* bi must describe this image. */
	if ((uint64_t)end != bi->header_end)
		return -ERR_INVAL;
	if (!layout->kernel_load || !layout->cmdline_gpa)
		return -ERR_INVAL;
	if (layout->e820_count > BP_E820_MAX)
		return -ERR_NOSPC;
	if (layout->e820_count && !layout->e820)
		return -ERR_INVAL;
	cmdline = layout->cmdline ? layout->cmdline : "";
	cmdline_len = strnlen(cmdline, (size_t)bi->cmdline_size + 1);
	if (cmdline_len > bi->cmdline_size)
		return -ERR_RANGE;
	err = check_layout(bi, layout, cmdline_len);
	if (err)
		return err;

	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + BP_SETUP_HEADER_OFF, (const uint8_t *)img + BP_SETUP_HEADER_OFF,
	       (size_t)end - BP_SETUP_HEADER_OFF);
	bp->hdr.type_of_loader = BP_TYPE_OF_LOADER_UNDEF;
	bp->hdr.loadflags |= LOADED_HIGH;
	/* Unused by the 64-bit entry, but the protocol asks a loader that
	 * moves a relocatable kernel to say where it put it. */
	if (layout->kernel_load < FOUR_GiB)
		bp->hdr.code32_start = (uint32_t)layout->kernel_load;
	bp->hdr.cmd_line_ptr = (uint32_t)layout->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(layout->cmdline_gpa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)layout->initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(layout->initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)layout->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(layout->initrd_size >> 32);
	bp->acpi_rsdp_addr = layout->rsdp_gpa;
	bp->e820_entries = (uint8_t)layout->e820_count;
	for (unsigned i = 0; i < layout->e820_count; i++) {
		bp->e820_table[i].addr = layout->e820[i].addr;
		bp->e820_table[i].size = layout->e820[i].size;
		bp->e820_table[i].type = layout->e820[i].type;
	}
	return 0;
}
