/* Bit-field helpers for hardware registers: fields are described by an
 * offset and a length (FOO_OFF / FOO_LEN), never by C bitfields. */
#ifndef ARGON_LIB_BITS_H
#define ARGON_LIB_BITS_H

#include <stdint.h>

#define BIT(n) (1ULL << (n))
#define BIT_MASK(off, len) ((((len) >= 64) ? ~0ULL : ((1ULL << (len)) - 1)) << (off))

static inline uint64_t bit_extract(uint64_t v, unsigned off, unsigned len)
{
	return (v & BIT_MASK(off, len)) >> off;
}

static inline uint64_t bit_insert(uint64_t v, uint64_t field, unsigned off, unsigned len)
{
	return (v & ~BIT_MASK(off, len)) | ((field << off) & BIT_MASK(off, len));
}

/* Little-endian loads from any address (tables and images in memory are
 * byte-packed; x86 is little-endian). */
static inline uint16_t load16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t load32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t load64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define PAGE_SIZE 4096ULL

#endif
