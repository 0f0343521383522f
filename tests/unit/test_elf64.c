/* ELF64 checks on images built here: a valid one with two PT_LOADs, then
 * one broken field at a time. Each parse runs on a heap copy of exactly
 * the image's length at an odd address, so AddressSanitizer catches reads
 * past the end and UBSan unaligned ones. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/elf64.h"
#include "lib/err.h"
#include "tests/unit/check.h"

#define IMG_LEN 0x1C0u
#define TEXT_OFF 0x100u
#define TEXT_PA 0x200000u
#define DATA_OFF 0x180u
#define DATA_PA 0x201000u
#define ENTRY 0x200010u

struct img {
	uint8_t b[0x1000];
	size_t len;
};

static struct elf64_ehdr ehdr(const struct img *im)
{
	struct elf64_ehdr eh;

	memcpy(&eh, im->b, sizeof(eh));
	return eh;
}

static void set_ehdr(struct img *im, const struct elf64_ehdr *eh)
{
	memcpy(im->b, eh, sizeof(*eh));
}

static struct elf64_phdr phdr(const struct img *im, unsigned int i)
{
	struct elf64_phdr ph;
	struct elf64_ehdr eh = ehdr(im);

	memcpy(&ph, im->b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
	return ph;
}

static void set_phdr(struct img *im, unsigned int i, const struct elf64_phdr *ph)
{
	struct elf64_ehdr eh = ehdr(im);

	memcpy(im->b + eh.e_phoff + i * sizeof(*ph), ph, sizeof(*ph));
}

/* Text (R+X, file-backed) and data (R+W, 0x40 bytes then bss to 4 KiB),
 * with a PT_NOTE between them that the parser must ignore. */
static void build(struct img *im)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	memset(im, 0, sizeof(*im));
	im->len = IMG_LEN;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident,
	       "\x7F"
	       "ELF",
	       4);
	eh.e_ident[ELF64_EI_CLASS] = ELF64_CLASS64;
	eh.e_ident[ELF64_EI_DATA] = ELF64_DATA_LSB;
	eh.e_ident[ELF64_EI_VERSION] = ELF64_EV_CURRENT;
	eh.e_type = ELF64_ET_EXEC;
	eh.e_machine = ELF64_EM_X86_64;
	eh.e_version = ELF64_EV_CURRENT;
	eh.e_entry = ENTRY;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 3;
	set_ehdr(im, &eh);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = ELF64_PT_LOAD;
	ph.p_flags = ELF64_PF_R | ELF64_PF_X;
	ph.p_offset = TEXT_OFF;
	ph.p_vaddr = ph.p_paddr = TEXT_PA;
	ph.p_filesz = ph.p_memsz = 0x80;
	ph.p_align = 0x1000;
	set_phdr(im, 0, &ph);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = 4; /* PT_NOTE */
	ph.p_offset = 0x1000000;
	ph.p_filesz = 0x1000000;
	set_phdr(im, 1, &ph);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = ELF64_PT_LOAD;
	ph.p_flags = ELF64_PF_R | ELF64_PF_W;
	ph.p_offset = DATA_OFF;
	ph.p_vaddr = ph.p_paddr = DATA_PA;
	ph.p_filesz = 0x40;
	ph.p_memsz = 0x1000;
	ph.p_align = 0x1000;
	set_phdr(im, 2, &ph);
}

static int parse_len(const struct img *im, size_t len, struct elf64_info *info)
{
	uint8_t *buf = malloc(len + 1);
	int err;

	memcpy(buf + 1, im->b, len);
	err = elf64_parse(buf + 1, len, info);
	free(buf);
	return err;
}

static int parse(const struct img *im, struct elf64_info *info)
{
	return parse_len(im, im->len, info);
}

static void test_valid(void)
{
	struct elf64_info info;
	struct img im;

	build(&im);
	CHECK_EQ(parse(&im, &info), 0);
	CHECK_EQ(info.entry, ENTRY);
	CHECK_EQ(info.entry_paddr, ENTRY);
	CHECK_EQ(info.nsegs, 2);
	CHECK_EQ(info.segs[0].paddr, TEXT_PA);
	CHECK_EQ(info.segs[0].offset, TEXT_OFF);
	CHECK_EQ(info.segs[0].filesz, 0x80);
	CHECK_EQ(info.segs[0].memsz, 0x80);
	CHECK_EQ(info.segs[0].flags, ELF64_PF_R | ELF64_PF_X);
	CHECK_EQ(info.segs[1].paddr, DATA_PA);
	CHECK_EQ(info.segs[1].vaddr, DATA_PA);
	CHECK_EQ(info.segs[1].offset, DATA_OFF);
	CHECK_EQ(info.segs[1].filesz, 0x40);
	CHECK_EQ(info.segs[1].memsz, 0x1000);
	CHECK_EQ(info.segs[1].flags, ELF64_PF_R | ELF64_PF_W);

	/* Entry in the bss part of a segment still counts as inside. */
	{
		struct elf64_ehdr eh = ehdr(&im);

		eh.e_entry = DATA_PA + 0xFFF;
		set_ehdr(&im, &eh);
		CHECK_EQ(parse(&im, &info), 0);
	}
	CHECK_EQ(elf64_parse(NULL, 64, &info), -ERR_INVAL);
	CHECK_EQ(elf64_parse(im.b, im.len, NULL), -ERR_INVAL);
}

/* A kernel linked high: vaddr != paddr; e_entry either physical (vmlinux)
 * or virtual. */
static void test_high_vaddr(void)
{
	const uint64_t hi = 0xFFFFFFFF81000000ULL;
	struct elf64_info info;
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	struct img im;

	build(&im);
	ph = phdr(&im, 0);
	ph.p_vaddr = hi;
	ph.p_paddr = 0x1000000;
	set_phdr(&im, 0, &ph);
	ph = phdr(&im, 2);
	ph.p_vaddr = hi + 0x1000;
	ph.p_paddr = 0x1001000;
	set_phdr(&im, 2, &ph);
	eh = ehdr(&im);
	eh.e_entry = 0x1000000;
	set_ehdr(&im, &eh);
	CHECK_EQ(parse(&im, &info), 0);
	CHECK_EQ(info.entry_paddr, 0x1000000);
	CHECK_EQ(info.segs[1].vaddr, hi + 0x1000);
	eh.e_entry = hi + 0x10;
	set_ehdr(&im, &eh);
	CHECK_EQ(parse(&im, &info), 0);
	CHECK_EQ(info.entry, hi + 0x10);
	CHECK_EQ(info.entry_paddr, 0x1000010);
}

#define WITH_EHDR(field, value, expect)                                   \
	do {                                                              \
		struct elf64_ehdr eh_;                                    \
		build(&im);                                               \
		eh_ = ehdr(&im);                                          \
		eh_.field = (value);                                      \
		set_ehdr(&im, &eh_);                                      \
		CHECK_EQ(parse(&im, &info), (uint64_t)(int64_t)(expect)); \
	} while (0)

static void test_bad_header(void)
{
	struct elf64_info info;
	struct img im;

	WITH_EHDR(e_ident[0], 0x7E, -ERR_INVAL);
	WITH_EHDR(e_ident[3], 'f', -ERR_INVAL);
	WITH_EHDR(e_ident[ELF64_EI_CLASS], 1, -ERR_NOTSUP);
	WITH_EHDR(e_ident[ELF64_EI_DATA], 2, -ERR_NOTSUP);
	WITH_EHDR(e_ident[ELF64_EI_VERSION], 0, -ERR_INVAL);
	WITH_EHDR(e_version, 2, -ERR_INVAL);
	WITH_EHDR(e_machine, 3, -ERR_NOTSUP);	/* EM_386 */
	WITH_EHDR(e_machine, 183, -ERR_NOTSUP); /* EM_AARCH64 */
	WITH_EHDR(e_type, 3, -ERR_NOTSUP);	/* ET_DYN */
	WITH_EHDR(e_type, 1, -ERR_NOTSUP);	/* ET_REL */
	WITH_EHDR(e_ehsize, 52, -ERR_INVAL);
	WITH_EHDR(e_phentsize, 32, -ERR_INVAL);
	WITH_EHDR(e_phentsize, 64, -ERR_INVAL);
	WITH_EHDR(e_phnum, 0, -ERR_INVAL);
	WITH_EHDR(e_phnum, 0xFFFF, -ERR_INVAL);
	WITH_EHDR(e_phnum, 7, -ERR_INVAL); /* table runs past the image */
	WITH_EHDR(e_phoff, IMG_LEN, -ERR_INVAL);
	WITH_EHDR(e_phoff, IMG_LEN - 3 * sizeof(struct elf64_phdr) + 1, -ERR_INVAL);
	WITH_EHDR(e_phoff, UINT64_MAX - 8, -ERR_INVAL);
	WITH_EHDR(e_entry, 0x100000, -ERR_INVAL);	/* in no segment */
	WITH_EHDR(e_entry, TEXT_PA + 0x80, -ERR_INVAL); /* just past text */

	/* Too short for a header, or for the program headers. */
	build(&im);
	CHECK_EQ(parse_len(&im, 63, &info), (uint64_t)-ERR_INVAL);
	CHECK_EQ(parse_len(&im, 0, &info), (uint64_t)-ERR_INVAL);
	CHECK_EQ(parse_len(&im, 64 + 3 * 56 - 1, &info), (uint64_t)-ERR_INVAL);
	/* A file cut inside the data segment. */
	CHECK_EQ(parse_len(&im, IMG_LEN - 1, &info), (uint64_t)-ERR_INVAL);
}

#define WITH_PHDR(i, field, value, expect)                                \
	do {                                                              \
		struct elf64_phdr ph_;                                    \
		build(&im);                                               \
		ph_ = phdr(&im, (i));                                     \
		ph_.field = (value);                                      \
		set_phdr(&im, (i), &ph_);                                 \
		CHECK_EQ(parse(&im, &info), (uint64_t)(int64_t)(expect)); \
	} while (0)

static void test_bad_segments(void)
{
	struct elf64_info info;
	struct img im;

	/* File range outside the image, or wrapping. */
	WITH_PHDR(2, p_offset, IMG_LEN, -ERR_INVAL);
	WITH_PHDR(2, p_offset, IMG_LEN - 0x40 + 1, -ERR_INVAL);
	WITH_PHDR(2, p_offset, UINT64_MAX - 0x10, -ERR_INVAL);
	WITH_PHDR(2, p_filesz, 0x41, -ERR_INVAL);
	WITH_PHDR(0, p_filesz, UINT64_MAX, -ERR_INVAL);
	/* Ends exactly at the end of the image: fine. */
	WITH_PHDR(0, p_offset, IMG_LEN - 0x80, 0);
	/* filesz > memsz. */
	WITH_PHDR(0, p_memsz, 0x7F, -ERR_INVAL);
	/* paddr + memsz past 2^64 (even by one byte), and the vaddr twin. */
	WITH_PHDR(2, p_paddr, UINT64_MAX - 0x800, -ERR_INVAL);
	WITH_PHDR(2, p_paddr, UINT64_MAX - 0xFFF, -ERR_INVAL); /* end wraps to 0 */
	WITH_PHDR(2, p_paddr, UINT64_MAX - 0x1000, 0);	       /* end is 2^64 - 1 */
	WITH_PHDR(2, p_vaddr, UINT64_MAX - 0x10, -ERR_INVAL);
	WITH_PHDR(2, p_memsz, UINT64_MAX, -ERR_INVAL);
	/* Overlapping segments. */
	WITH_PHDR(2, p_paddr, TEXT_PA + 0x7F, -ERR_INVAL);
	WITH_PHDR(2, p_paddr, TEXT_PA - 0xF00, -ERR_INVAL);
	WITH_PHDR(2, p_paddr, TEXT_PA + 0x80, 0); /* adjacent is fine */
	/* With text gone, the entry point is in no segment; with both gone
	 * there is nothing to load. */
	WITH_PHDR(0, p_type, 4, -ERR_INVAL);
	{
		struct elf64_phdr ph;

		build(&im);
		ph = phdr(&im, 0);
		ph.p_type = 6; /* PT_PHDR */
		set_phdr(&im, 0, &ph);
		ph = phdr(&im, 2);
		ph.p_type = 6;
		set_phdr(&im, 2, &ph);
		CHECK_EQ(parse(&im, &info), (uint64_t)-ERR_INVAL);
	}
	/* A PT_LOAD with memsz 0 is skipped, not described. */
	{
		struct elf64_phdr ph;

		build(&im);
		ph = phdr(&im, 1);
		ph.p_type = ELF64_PT_LOAD;
		ph.p_offset = 0;
		ph.p_filesz = ph.p_memsz = 0;
		ph.p_paddr = TEXT_PA; /* would overlap if it counted */
		set_phdr(&im, 1, &ph);
		CHECK_EQ(parse(&im, &info), 0);
		CHECK_EQ(info.nsegs, 2);
	}
}

static void test_many_segments(void)
{
	struct elf64_info info;
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	struct img im;
	unsigned int n;

	/* ELF64_MAX_SEGS segments fit, one more does not. */
	for (n = ELF64_MAX_SEGS; n <= ELF64_MAX_SEGS + 1; n++) {
		build(&im);
		eh = ehdr(&im);
		eh.e_phoff = 0x200;
		eh.e_phnum = (uint16_t)n;
		eh.e_entry = 0x400000;
		set_ehdr(&im, &eh);
		for (unsigned int i = 0; i < n; i++) {
			memset(&ph, 0, sizeof(ph));
			ph.p_type = ELF64_PT_LOAD;
			ph.p_flags = ELF64_PF_R;
			ph.p_offset = 0x100;
			ph.p_filesz = 0x10;
			ph.p_memsz = 0x1000;
			ph.p_vaddr = ph.p_paddr = 0x400000 + i * 0x1000;
			set_phdr(&im, i, &ph);
		}
		im.len = 0x200 + n * sizeof(ph);
		CHECK_EQ(parse(&im, &info), n == ELF64_MAX_SEGS ? 0 : (uint64_t)-ERR_NOSPC);
		if (n == ELF64_MAX_SEGS) {
			CHECK_EQ(info.nsegs, ELF64_MAX_SEGS);
			CHECK_EQ(info.segs[ELF64_MAX_SEGS - 1].paddr,
				 0x400000 + (ELF64_MAX_SEGS - 1) * 0x1000);
		}
	}
}

static void test_check_fits(void)
{
	struct elf64_info info;
	struct img im;

	build(&im);
	CHECK_EQ(parse(&im, &info), 0);
	/* Text at [0x200000, 0x200080), data at [0x201000, 0x202000). */
	CHECK_EQ(elf64_check_fits(&info, TEXT_PA, DATA_PA + 0x1000), 0);
	CHECK_EQ(elf64_check_fits(&info, 0x100000, 0x40000000), 0);
	CHECK_EQ(elf64_check_fits(&info, 0, UINT64_MAX), 0);
	CHECK_EQ(elf64_check_fits(&info, TEXT_PA, DATA_PA + 0xFFF), (uint64_t)-ERR_RANGE);
	CHECK_EQ(elf64_check_fits(&info, TEXT_PA + 1, DATA_PA + 0x1000), (uint64_t)-ERR_RANGE);
	CHECK_EQ(elf64_check_fits(&info, DATA_PA, 0x40000000), (uint64_t)-ERR_RANGE);
	CHECK_EQ(elf64_check_fits(&info, 0, TEXT_PA), (uint64_t)-ERR_RANGE);
	CHECK_EQ(elf64_check_fits(&info, 0x300000, 0x400000), (uint64_t)-ERR_RANGE);
	CHECK_EQ(elf64_check_fits(&info, 0x400000, 0x400000), (uint64_t)-ERR_INVAL);
	CHECK_EQ(elf64_check_fits(&info, 0x400000, 0x300000), (uint64_t)-ERR_INVAL);
	CHECK_EQ(elf64_check_fits(NULL, 0, 1), (uint64_t)-ERR_INVAL);

	/* A segment ending at 2^64 - 1 against an upper bound of UINT64_MAX. */
	{
		struct elf64_phdr ph = phdr(&im, 2);

		ph.p_paddr = UINT64_MAX - 0x1000;
		set_phdr(&im, 2, &ph);
		CHECK_EQ(parse(&im, &info), 0);
		CHECK_EQ(elf64_check_fits(&info, 0, UINT64_MAX), 0);
		CHECK_EQ(elf64_check_fits(&info, 0, UINT64_MAX - 1), (uint64_t)-ERR_RANGE);
	}
}

CHECK_MAIN(test_valid, test_high_vaddr, test_bad_header, test_bad_segments, test_many_segments,
	   test_check_fits)
