/* Writes the seed corpora of the fuzz targets at build time, so that no
 * binary seed is kept in the tree: bzImage headers built here, the test
 * guest's ELF cut after its last loaded byte plus a minimal ELF, the ACPI
 * tables of tests/unit/fixtures laid out as fuzz_acpi.c reads its input,
 * a few MMIO instructions, the guest platform's ACPI configuration and a
 * PCI function with a few guest accesses.
 *
 * Usage: make_seeds FIXTURES_DIR TESTGUEST_ELF OUT_DIR (OUT_DIR/bzimage,
 * OUT_DIR/elf64, OUT_DIR/acpi, OUT_DIR/x86_decode, OUT_DIR/vacpi,
 * OUT_DIR/dmar and OUT_DIR/vpci must exist). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/boot_params.h"
#include "lib/elf64.h"
#include "vmm/host/acpi_tables.h"
#include "vmm/guest_abi.h"

static const char *out_dir;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void write_seed(const char *target, const char *name, const void *a, size_t alen,
		       const void *b, size_t blen)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f))
		die(path);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- bzImage: ram_size, initrd_size, low_reserved_end, image ---- */

#define BZ_SETUP (2 * 512)
#define BZ_KERNEL (0x30 * 16)

static void bz_seed(const char *name, uint64_t ram, uint64_t initrd, uint32_t low, int reloc,
		    uint16_t xlf)
{
	uint8_t img[BZ_SETUP + BZ_KERNEL], params[20];
	struct setup_header h;

	memset(img, 0, sizeof(img));
	memset(&h, 0, sizeof(h));
	h.setup_sects = 1;
	h.syssize = BZ_KERNEL / 16;
	h.boot_flag = BP_BOOT_FLAG_MAGIC;
	h.jump[0] = BP_JUMP_OPCODE;
	h.jump[1] = 0x6A; /* header ends at 0x26C */
	h.header = BP_HDRS_MAGIC;
	h.version = 0x020F;
	h.loadflags = LOADED_HIGH;
	h.initrd_addr_max = 0x7FFFFFFF;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = (uint8_t)reloc;
	h.xloadflags = xlf;
	h.cmdline_size = 2047;
	h.pref_address = 0x1000000;
	h.init_size = 0x2000000;
	memcpy(img + BP_SETUP_HEADER_OFF, &h, sizeof(h));
	put64(params, ram);
	put64(params + 8, initrd);
	put32(params + 16, low);
	write_seed("bzimage", name, params, sizeof(params), img, sizeof(img));
}

/* ---- ELF64: RAM size in KiB, image ---- */

static void elf_seeds(const char *guest)
{
	static const uint8_t ram[2] = {0x00, 0x10}; /* 4096 KiB */
	uint8_t tiny[sizeof(struct elf64_ehdr) + sizeof(struct elf64_phdr) + 16];
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	uint8_t *img;
	size_t end = 0;
	long len = 0;
	FILE *f;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, "\177ELF", 4);
	eh.e_ident[ELF64_EI_CLASS] = ELF64_CLASS64;
	eh.e_ident[ELF64_EI_DATA] = ELF64_DATA_LSB;
	eh.e_ident[ELF64_EI_VERSION] = ELF64_EV_CURRENT;
	eh.e_type = ELF64_ET_EXEC;
	eh.e_machine = ELF64_EM_X86_64;
	eh.e_version = ELF64_EV_CURRENT;
	eh.e_entry = 0x100000;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memset(&ph, 0, sizeof(ph));
	ph.p_type = ELF64_PT_LOAD;
	ph.p_flags = ELF64_PF_R | ELF64_PF_X;
	ph.p_offset = sizeof(eh) + sizeof(ph);
	ph.p_vaddr = ph.p_paddr = 0x100000;
	ph.p_filesz = 16;
	ph.p_memsz = 0x2000;
	ph.p_align = 0x1000;
	memset(tiny, 0xF4, sizeof(tiny));
	memcpy(tiny, &eh, sizeof(eh));
	memcpy(tiny + sizeof(eh), &ph, sizeof(ph));
	write_seed("elf64", "tiny", ram, sizeof(ram), tiny, sizeof(tiny));

	/* The test guest, without what follows its last loaded byte. */
	f = fopen(guest, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < (long)sizeof(eh) ||
	    fseek(f, 0, SEEK_SET))
		die(guest);
	img = malloc((size_t)len);
	if (!img || fread(img, 1, (size_t)len, f) != (size_t)len)
		die(guest);
	fclose(f);
	memcpy(&eh, img, sizeof(eh));
	end = eh.e_phoff + (size_t)eh.e_phnum * sizeof(ph);
	for (unsigned i = 0; i < eh.e_phnum && end <= (size_t)len; i++) {
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == ELF64_PT_LOAD && ph.p_offset + ph.p_filesz > end)
			end = ph.p_offset + ph.p_filesz;
	}
	if (end > (size_t)len)
		die("testguest.elf: truncated");
	write_seed("elf64", "testguest", ram, sizeof(ram), img, end);
	free(img);
}

/* ---- ACPI: flags, then (length, bytes) pieces ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The bytes of an `xxd` dump: "OFFSET: hhhh hhhh ...  ascii" lines. */
static uint8_t *load_xxd(const char *dir, const char *name, size_t *len)
{
	char path[1024], line[256];
	uint8_t *buf = NULL;
	size_t size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		size_t off = strtoul(line, NULL, 16), n = 0;
		uint8_t bytes[16];

		if (!p)
			continue;
		for (p++; n < sizeof(bytes) && !(p[0] == ' ' && p[1] == ' ');) {
			if (p[0] == ' ') {
				p++;
				continue;
			}
			if (hexval(p[0]) < 0 || hexval(p[1]) < 0)
				break;
			bytes[n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
			p += 2;
		}
		if (off + n > size) {
			buf = realloc(buf, off + n);
			if (!buf)
				die("realloc");
			memset(buf + size, 0, off + n - size);
			size = off + n;
		}
		if (n)
			memcpy(buf + off, bytes, n);
	}
	fclose(f);
	*len = size;
	return buf;
}

struct acpi_seed {
	uint8_t buf[32768];
	size_t len;
};

static void piece(struct acpi_seed *s, const void *p, size_t n)
{
	if (s->len + 2 + n > sizeof(s->buf))
		die("acpi seed too long");
	put16(s->buf + s->len, (uint16_t)n);
	memcpy(s->buf + s->len + 2, p, n);
	s->len += 2 + n;
}

/* An SDT header with room for n bytes after it (zeroed). */
static size_t sdt(uint8_t *t, const char *sig, size_t body)
{
	memset(t, 0, sizeof(struct acpi_sdt_hdr) + body);
	memcpy(t, sig, 4);
	put32(t + 4, (uint32_t)(sizeof(struct acpi_sdt_hdr) + body));
	t[8] = 1;
	memcpy(t + 10, "ARGON ", 6);
	return sizeof(struct acpi_sdt_hdr) + body;
}

static void rsdp(struct acpi_seed *s, int rev)
{
	uint8_t r[36];

	memset(r, 0, sizeof(r));
	memcpy(r, ACPI_RSDP_SIG, 8);
	memcpy(r + 9, "ARGON ", 6);
	r[15] = (uint8_t)rev;
	put32(r + 20, sizeof(r));
	piece(s, r, rev >= 2 ? sizeof(r) : ACPI_RSDP_V1_LEN);
}

static void acpi_seeds(const char *fixtures)
{
	static struct acpi_seed s;
	/* Name(\_S5_, Package(0x04) {0x05, 0x05, Zero, Zero}) */
	static const uint8_t s5[] = {0x08, 0x5C, '_',  'S',  '5',  '_',	 0x12, 0x08,
				     0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00};
	uint8_t t[256];
	const char *names[] = {"FACP.xxd", "APIC.xxd", "MCFG.xxd"};
	uint8_t *fix[3], *dsdt;
	size_t fix_len[3], dsdt_len, n;

	for (int i = 0; i < 3; i++)
		fix[i] = load_xxd(fixtures, names[i], &fix_len[i]);
	dsdt = load_xxd(fixtures, "DSDT.xxd", &dsdt_len);

	/* QEMU q35's tables behind an XSDT, with its whole DSDT. */
	s.len = 0;
	s.buf[s.len++] = 3;
	rsdp(&s, 2);
	piece(&s, t, sdt(t, ACPI_SIG_XSDT, 5 * 8));
	for (int i = 0; i < 3; i++)
		piece(&s, fix[i], fix_len[i]);
	piece(&s, dsdt, dsdt_len);
	write_seed("acpi", "q35-xsdt", s.buf, s.len, NULL, 0);

	/* The same behind an RSDT (ACPI 1.0), with a DSDT holding only \_S5. */
	s.len = 0;
	s.buf[s.len++] = 3;
	rsdp(&s, 0);
	piece(&s, t, sdt(t, ACPI_SIG_RSDT, 4 * 4));
	for (int i = 0; i < 3; i++)
		piece(&s, fix[i], fix_len[i]);
	n = sdt(t, ACPI_SIG_DSDT, sizeof(s5));
	memcpy(t + sizeof(struct acpi_sdt_hdr), s5, sizeof(s5));
	piece(&s, t, n);
	write_seed("acpi", "q35-rsdt-small-dsdt", s.buf, s.len, NULL, 0);

	for (int i = 0; i < 3; i++)
		free(fix[i]);
	free(dsdt);
}

/* ---- x86_decode: mode selector (0: 16-bit, 1: 32-bit, 2: 64-bit), bytes ---- */

static void x86_seeds(void)
{
	static const struct {
		const char *name;
		uint8_t bytes[16];
		size_t len;
	} seeds[] = {
		{"mov-store-64", {2, 0x89, 0x07}, 3},
		{"mov-load-rex-64", {2, 0x48, 0x8B, 0x46, 0x10}, 5},
		{"mov-imm32-sib-64", {2, 0xC7, 0x84, 0x24, 1, 2, 3, 4, 0x78, 0x56, 0x34, 0x12}, 12},
		{"movzx-seg-64", {2, 0x65, 0x0F, 0xB7, 0x05, 0, 0x10, 0, 0}, 9},
		{"rep-outsb-64", {2, 0xF3, 0x6E}, 3},
		{"mov-imm8-32", {1, 0xC6, 0x05, 0, 0, 0xE0, 0xFE, 0x5A}, 8},
		{"mov-load-16", {0, 0x66, 0x8B, 0x87, 0x20, 0x00}, 6},
		{"ins-16", {0, 0x26, 0xF3, 0x6D}, 4},
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		write_seed("x86_decode", seeds[i].name, seeds[i].bytes, seeds[i].len, NULL, 0);
}

/* ---- vacpi: the configuration fields in fuzz_vacpi.c's order ---- */

static void vacpi_seed(const char *name, unsigned ncpus, uint32_t id_step, const char *oem,
		       uint32_t mmio64_mib)
{
	uint8_t b[64 + 4 * 256], *p = b;

	memset(b, 0, sizeof(b));
	put32(p, ARGON_GUEST_ACPI_BASE), p += 4;
	put16(p, 0x8000), p += 2;
	*p++ = (uint8_t)ncpus;
	put32(p, ARGON_GUEST_ECAM_BASE >> 20), p += 4;
	*p++ = ARGON_GUEST_ECAM_BUS_START;
	*p++ = ARGON_GUEST_ECAM_BUS_END;
	put32(p, ARGON_GUEST_MMIO32_BASE), p += 4;
	put32(p, ARGON_GUEST_MMIO32_SIZE), p += 4;
	put32(p, mmio64_mib), p += 4;
	put32(p, mmio64_mib ? 1u << 16 : 0), p += 4;
	put32(p, ARGON_GUEST_IOAPIC_BASE), p += 4;
	*p++ = ARGON_GUEST_IOAPIC_ID;
	*p++ = ARGON_GUEST_IOAPIC_GSI_BASE;
	*p++ = ARGON_GUEST_UART_GSI;
	*p++ = oem ? (uint8_t)strlen(oem) : 8;
	if (oem)
		memcpy(p, oem, strlen(oem));
	p += 7;
	for (unsigned i = 0; i < ncpus; i++, p += 4)
		put32(p, i * id_step);
	write_seed("vacpi", name, b, (size_t)(p - b), NULL, 0);
}

/* ---- dmar: a flags byte (1: the harness fixes length and checksum), then
 * the table ---- */

static void dmar_seeds(const char *fixtures)
{
	const char *names[] = {"DMAR.xxd", "DMAR-supermicro-2s.xxd"};

	for (unsigned i = 0; i < 2; i++) {
		size_t len;
		uint8_t *t = load_xxd(fixtures, names[i], &len), fix = 1;

		write_seed("dmar", names[i], &fix, 1, t, len);
		free(t);
	}
}

/* ---- vpci: 256 bytes of configuration space, then 8-byte accesses ---- */

static void vpci_seed(void)
{
	/* An NVMe-like function: PM at 0x40 -> MSI at 0x50 -> MSI-X at 0x60
	 * -> vendor at 0x70 -> PCIe at 0x80, as tests/unit/test_vpci.c. */
	static const struct {
		uint16_t off;
		uint8_t len;
		uint32_t v;
	} regs[] = {
		{0x00, 4, 0x00101B36}, {0x06, 2, 0x0010}, {0x08, 4, 0x01080202},
		{0x10, 4, 0xFE000004}, {0x34, 1, 0x40},	  {0x40, 2, 0x5001},
		{0x50, 2, 0x6005},     {0x60, 2, 0x7011}, {0x62, 2, 0x000F},
		{0x64, 4, 0x2000},     {0x68, 4, 0x3000}, {0x70, 2, 0x8009},
		{0x80, 2, 0x0010},     {0x82, 2, 0x0002}, {0x84, 4, 1u << 28},
		{0x88, 2, 0x2810},
	};
	/* Enable memory, MSI-X unmasked, entry 0 to APIC 1, an FLR, the
	 * same again with a destination that is not the guest's. */
	static const uint8_t ops[][8] = {
		{1, 0x04, 0x00, 1, 0x06, 0x00, 0x00, 0x00}, {1, 0x62, 0x00, 1, 0x0F, 0x80, 0, 0},
		{3, 0x00, 0x00, 2, 0x00, 0x10, 0xE0, 0xFE}, {3, 0x08, 0x00, 2, 0x41, 0x00, 0, 0},
		{3, 0x0C, 0x00, 2, 0x00, 0x00, 0x00, 0x00}, {1, 0x88, 0x00, 1, 0x10, 0xA8, 0, 0},
		{3, 0x00, 0x00, 2, 0x00, 0x90, 0xE0, 0xFE}, {2, 0x00, 0x00, 2, 0, 0, 0, 0},
	};
	uint8_t b[256 + sizeof(ops)];

	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (unsigned k = 0; k < regs[i].len; k++)
			b[regs[i].off + k] = (uint8_t)(regs[i].v >> (8 * k));
	memcpy(b + 256, ops, sizeof(ops));
	write_seed("vpci", "nvme-like", b, sizeof(b), NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s FIXTURES_DIR TESTGUEST_ELF OUT_DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[3];
	bz_seed("relocatable-above-4g", 256ULL << 20, 4ULL << 20, 0x100000, 1,
		XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	bz_seed("fixed-low", 64ULL << 20, 0, 0x200000, 0, XLF_KERNEL_64);
	bz_seed("big-ram-initrd-below", 8ULL << 30, 1ULL << 30, 0x100000, 1, XLF_KERNEL_64);
	elf_seeds(argv[2]);
	acpi_seeds(argv[1]);
	x86_seeds();
	dmar_seeds(argv[1]);
	vacpi_seed("4-cpus", 4, 1, NULL, 0);
	vacpi_seed("x2apic-ids-mmio64", 6, 0x40, "OEMX", 1u << 20);
	vpci_seed();
	return 0;
}
