/* libFuzzer target: an ELF64 guest image from arbitrary bytes, checked
 * against a guest RAM size taken from the input and then loaded the way
 * the hypervisor loads it, into a buffer of exactly that RAM. Nothing may
 * crash or read out of bounds; an accepted image must describe segments
 * whose file bytes lie in the image, that do not overlap, and that hold the
 * entry point; elf64_check_fits must agree with a plain recomputation, and
 * a load it allows must stay inside the RAM buffer.
 *
 * Input: a RAM size in KiB (2 bytes, little-endian, at most 4 MiB, so each load stays quick), then
 * the image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/elf64.h"
#include "lib/err.h"

#define LOAD_MIN 0x1000ULL /* the low page stays the loader's, as in guest.c */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info(const struct elf64_info *info, const uint8_t *img, size_t len)
{
	struct elf64_ehdr eh;
	int entry_in = 0;

	memcpy(&eh, img, sizeof(eh));
	if (info->entry != eh.e_entry || info->nsegs < 1 || info->nsegs > ELF64_MAX_SEGS)
		abort();
	for (unsigned i = 0; i < info->nsegs; i++) {
		const struct elf64_seg *s = &info->segs[i];

		if (!s->memsz || s->filesz > s->memsz || s->offset > len ||
		    s->filesz > len - s->offset || s->paddr + s->memsz < s->paddr)
			abort();
		for (unsigned j = 0; j < i; j++) {
			const struct elf64_seg *t = &info->segs[j];

			if (s->paddr < t->paddr + t->memsz && t->paddr < s->paddr + s->memsz)
				abort();
		}
		if (info->entry_paddr >= s->paddr && info->entry_paddr - s->paddr < s->memsz)
			entry_in = 1;
	}
	if (!entry_in)
		abort();
}

static int fits(const struct elf64_info *info, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < info->nsegs; i++) {
		const struct elf64_seg *s = &info->segs[i];

		if (s->paddr < lo || s->paddr + s->memsz > hi)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf64_info info;
	uint64_t ram;
	uint8_t *img, *mem;
	size_t len;
	int err;

	if (size < 2)
		return 0;
	ram = (uint64_t)(data[0] | data[1] << 8) % (4 * 1024 + 1) * 1024;
	len = size - 2;
	img = malloc(len ? len : 1);
	if (!img)
		return 0;
	memcpy(img, data + 2, len);

	err = elf64_parse(img, len, &info);
	if (err) {
		if (err != -ERR_INVAL && err != -ERR_NOTSUP && err != -ERR_NOSPC)
			abort();
		goto out;
	}
	check_info(&info, img, len);
	err = elf64_check_fits(&info, LOAD_MIN, ram);
	if (ram <= LOAD_MIN) {
		if (err != -ERR_INVAL)
			abort();
		goto out;
	}
	if ((err == 0) != fits(&info, LOAD_MIN, ram) || (err && err != -ERR_RANGE))
		abort();
	if (err)
		goto out;
	/* The copy the hypervisor does, into RAM of exactly ram bytes. */
	mem = malloc(ram);
	if (!mem)
		goto out;
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf64_seg *s = &info.segs[i];

		memcpy(mem + s->paddr, img + s->offset, s->filesz);
		memset(mem + s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	free(mem);
out:
	free(img);
	return 0;
}
