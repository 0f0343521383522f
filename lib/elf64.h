/* ELF64 x86-64 executables held in memory: validation and a description of
 * what to load. Parsing only; the hypervisor copies the segments into guest
 * RAM itself. The layouts are defined here because the freestanding build
 * has no <elf.h>. */
#ifndef ARGON_LIB_ELF64_H
#define ARGON_LIB_ELF64_H

#include <stddef.h>
#include <stdint.h>

/* File header. */
struct elf64_ehdr {
	uint8_t e_ident[16];  /*  0 ELF64_EI_* */
	uint16_t e_type;      /* 16 */
	uint16_t e_machine;   /* 18 */
	uint32_t e_version;   /* 20 */
	uint64_t e_entry;     /* 24 */
	uint64_t e_phoff;     /* 32 */
	uint64_t e_shoff;     /* 40 */
	uint32_t e_flags;     /* 48 */
	uint16_t e_ehsize;    /* 52 */
	uint16_t e_phentsize; /* 54 */
	uint16_t e_phnum;     /* 56 */
	uint16_t e_shentsize; /* 58 */
	uint16_t e_shnum;     /* 60 */
	uint16_t e_shstrndx;  /* 62 */
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "e_entry");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54, "e_phentsize");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "e_phnum");

/* Program header. */
struct elf64_phdr {
	uint32_t p_type;   /*  0 ELF64_PT_* */
	uint32_t p_flags;  /*  4 ELF64_PF_* */
	uint64_t p_offset; /*  8 */
	uint64_t p_vaddr;  /* 16 */
	uint64_t p_paddr;  /* 24 */
	uint64_t p_filesz; /* 32 */
	uint64_t p_memsz;  /* 40 */
	uint64_t p_align;  /* 48 */
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "p_offset");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 24, "p_paddr");
_Static_assert(offsetof(struct elf64_phdr, p_memsz) == 40, "p_memsz");

/* e_ident indices and values. */
#define ELF64_EI_CLASS 4
#define ELF64_EI_DATA 5
#define ELF64_EI_VERSION 6
#define ELF64_CLASS64 2
#define ELF64_DATA_LSB 1
#define ELF64_EV_CURRENT 1

#define ELF64_ET_EXEC 2
#define ELF64_EM_X86_64 62

#define ELF64_PT_LOAD 1
#define ELF64_PF_X 0x1u
#define ELF64_PF_W 0x2u
#define ELF64_PF_R 0x4u

/* One PT_LOAD segment to copy: filesz bytes from offset in the image to
 * paddr, then zeroes up to memsz. */
struct elf64_seg {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags; /* ELF64_PF_* */
};

#define ELF64_MAX_SEGS 8

struct elf64_info {
	uint64_t entry; /* e_entry as written */
	/* e_entry turned into a physical address through the segment whose
	 * vaddr range holds it, else e_entry itself if a segment's paddr
	 * range holds it (vmlinux gives a physical e_entry). */
	uint64_t entry_paddr;
	unsigned int nsegs; /* PT_LOADs with memsz > 0, in header order */
	struct elf64_seg segs[ELF64_MAX_SEGS];
};

/* Validates an ELF64 little-endian x86-64 ET_EXEC image of len bytes and
 * describes it in *out. Every PT_LOAD must have its file bytes inside the
 * image, filesz <= memsz and paddr + memsz within 64 bits; the loaded
 * segments must not overlap, and the entry point must lie in one of them.
 * -ERR_INVAL for a malformed image, -ERR_NOTSUP for a well-formed one
 * argon does not run (another machine, class or type), -ERR_NOSPC for more
 * than ELF64_MAX_SEGS segments. */
int elf64_parse(const void *img, size_t len, struct elf64_info *out);

/* 0 if every segment lies within [lo, hi), else -ERR_RANGE (or -ERR_INVAL
 * if lo >= hi). */
int elf64_check_fits(const struct elf64_info *info, uint64_t lo, uint64_t hi);

#endif
