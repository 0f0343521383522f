/* ELF64 image checks. The image comes from a file on the ESP, so every
 * field is untrusted: offsets and sizes are checked in forms that cannot
 * wrap, and headers are copied out with memcpy since the file buffer need
 * not be aligned. */
#include "lib/elf64.h"

#include <stdbool.h>

#include "lib/err.h"
#include "lib/string.h"

/* Real images have a handful of program headers; a bound keeps a corrupt
 * e_phnum from making the scan long. */
#define ELF64_MAX_PHNUM 256

static const uint8_t elf_magic[4] = {0x7F, 'E', 'L', 'F'};

static int check_ehdr(const struct elf64_ehdr *eh, size_t len)
{
	if (memcmp(eh->e_ident, elf_magic, sizeof(elf_magic)) != 0)
		return -ERR_INVAL;
	if (eh->e_ident[ELF64_EI_VERSION] != ELF64_EV_CURRENT || eh->e_version != ELF64_EV_CURRENT)
		return -ERR_INVAL;
	/* A valid ELF file for some other target: say so rather than "bad". */
	if (eh->e_ident[ELF64_EI_CLASS] != ELF64_CLASS64 ||
	    eh->e_ident[ELF64_EI_DATA] != ELF64_DATA_LSB || eh->e_machine != ELF64_EM_X86_64 ||
	    eh->e_type != ELF64_ET_EXEC)
		return -ERR_NOTSUP;
	if (eh->e_ehsize != sizeof(struct elf64_ehdr) ||
	    eh->e_phentsize != sizeof(struct elf64_phdr))
		return -ERR_INVAL;
	if (eh->e_phnum == 0 || eh->e_phnum > ELF64_MAX_PHNUM)
		return -ERR_INVAL;
	/* e_phnum is bounded above, so the product cannot wrap. */
	if (eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > len - eh->e_phoff)
		return -ERR_INVAL;
	return 0;
}

static int check_load(const struct elf64_phdr *ph, size_t len)
{
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return -ERR_INVAL;
	if (ph->p_filesz > ph->p_memsz)
		return -ERR_INVAL;
	if (ph->p_memsz > UINT64_MAX - ph->p_paddr || ph->p_memsz > UINT64_MAX - ph->p_vaddr)
		return -ERR_INVAL;
	return 0;
}

/* Half-open ranges; no end can wrap after check_load. */
static bool overlaps(const struct elf64_seg *a, const struct elf64_seg *b)
{
	return a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz;
}

static bool in_range(uint64_t x, uint64_t base, uint64_t size)
{
	return x >= base && x - base < size;
}

/* e_entry is a virtual address by the ELF spec, but kernels linked high
 * (vmlinux) put the physical one there; try both, vaddr first. */
static int entry_paddr(struct elf64_info *out)
{
	for (unsigned int i = 0; i < out->nsegs; i++) {
		const struct elf64_seg *s = &out->segs[i];

		if (in_range(out->entry, s->vaddr, s->memsz)) {
			out->entry_paddr = s->paddr + (out->entry - s->vaddr);
			return 0;
		}
	}
	for (unsigned int i = 0; i < out->nsegs; i++) {
		const struct elf64_seg *s = &out->segs[i];

		if (in_range(out->entry, s->paddr, s->memsz)) {
			out->entry_paddr = out->entry;
			return 0;
		}
	}
	return -ERR_INVAL;
}

int elf64_parse(const void *img, size_t len, struct elf64_info *out)
{
	const uint8_t *base = img;
	struct elf64_ehdr eh;
	int err;

	if (!img || !out)
		return -ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(eh))
		return -ERR_INVAL;
	memcpy(&eh, base, sizeof(eh));
	err = check_ehdr(&eh, len);
	if (err)
		return err;
	out->entry = eh.e_entry;

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		struct elf64_seg *s;

		memcpy(&ph, base + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF64_PT_LOAD)
			continue;
		err = check_load(&ph, len);
		if (err)
			return err;
		/* Nothing to copy or zero; its addresses mean nothing. */
		if (ph.p_memsz == 0)
			continue;
		if (out->nsegs == ELF64_MAX_SEGS)
			return -ERR_NOSPC;
		s = &out->segs[out->nsegs];
		s->paddr = ph.p_paddr;
		s->vaddr = ph.p_vaddr;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
		s->flags = ph.p_flags;
		/* Overlapping segments would make the copy order matter. */
		for (unsigned int j = 0; j < out->nsegs; j++) {
			if (overlaps(&out->segs[j], s))
				return -ERR_INVAL;
		}
		out->nsegs++;
	}
	if (out->nsegs == 0)
		return -ERR_INVAL;
	return entry_paddr(out);
}

int elf64_check_fits(const struct elf64_info *info, uint64_t lo, uint64_t hi)
{
	if (!info || lo >= hi)
		return -ERR_INVAL;
	for (unsigned int i = 0; i < info->nsegs; i++) {
		const struct elf64_seg *s = &info->segs[i];

		if (s->paddr < lo || s->paddr > hi || s->memsz > hi - s->paddr)
			return -ERR_RANGE;
	}
	return 0;
}
