/* Multiboot2 entry: turn GRUB's boot information into struct boot_info and
 * enter the core, as boot/efi_main.c does from UEFI. GRUB has loaded the
 * files already, as modules named by their command line
 * (`module2 /argon.conf argon.conf`); argon.conf becomes files[0]. The
 * early pool and the core's stack are part of argon.elf's own .bss. */
#include "boot/mb2_boot.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "vmm/console.h"
#include "vmm/log.h"
#include "vmm/x86.h"

#define EARLY_POOL_SIZE (8 * MiB)
#define CORE_STACK_SIZE (64 * KiB)
#define COM1_LSR 0x3FD
#define LSR_TEMT 0x40 /* transmitter empty */

void mb2_main(uint32_t magic, uint32_t info_pa) __attribute__((noreturn));

/* From boot/argon-elf.ld: the whole image, .bss included. */
extern char __image_start[], __image_end[];

static struct boot_info boot_info __attribute__((aligned(4096)));
static uint8_t early_pool[EARLY_POOL_SIZE] __attribute__((aligned(4096)));
static uint8_t core_stack[CORE_STACK_SIZE] __attribute__((aligned(4096)));

static void add_module(struct boot_info *bi, const struct mb2_tag_module *m)
{
	const char *name = m->cmdline;
	struct boot_file *f;
	size_t len = strnlen(name, m->tag.size - sizeof(*m));

	if (!len || len >= BOOT_FILE_NAME_MAX || len == m->tag.size - sizeof(*m)) {
		pr_warn("module at %x has no usable name (module2 /FILE NAME); ignored\n",
			m->mod_start);
		return;
	}
	if (!strcmp(name, BOOT_CONFIG_NAME)) {
		f = bi->files[0].data ? NULL : &bi->files[0];
	} else if (boot_find_file(bi, name)) {
		f = NULL;
	} else if (bi->file_count < BOOT_MAX_FILES) {
		f = &bi->files[bi->file_count++];
	} else {
		pr_warn("too many modules; %s ignored\n", name);
		return;
	}
	if (!f) {
		pr_warn("module %s given twice; the first one counts\n", name);
		return;
	}
	str_copy(f->name, name, sizeof(f->name));
	f->data = (const void *)(uintptr_t)m->mod_start;
	f->size = m->mod_end > m->mod_start ? m->mod_end - m->mod_start : 0;
	f->err = 0;
	pr_info("module %s: %llu bytes at %x\n", f->name, (unsigned long long)f->size,
		m->mod_start);
}

static void read_tags(struct boot_info *bi, uintptr_t info_pa)
{
	const struct mb2_info *info = (const void *)info_pa;
	uintptr_t end = info_pa + info->total_size, at = (uintptr_t)info->tags;
	const struct mb2_tag_basic_meminfo *basic = NULL;
	const struct mb2_tag_mmap *mmap = NULL;
	uint64_t rsdp_old = 0;

	while (at + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *t = (const void *)at;

		if (t->type == MB2_TAG_END)
			break;
		if (t->size < sizeof(*t) || t->size > end - at) {
			pr_warn("malformed boot information tag %u at %llx; rest ignored\n",
				t->type, (unsigned long long)at);
			break;
		}
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			str_copy(bi->cmdline, ((const struct mb2_tag_string *)t)->string,
				 sizeof(bi->cmdline));
			break;
		case MB2_TAG_MODULE:
			if (t->size >= sizeof(struct mb2_tag_module))
				add_module(bi, (const void *)t);
			break;
		case MB2_TAG_BASIC_MEMINFO:
			basic = (const void *)t;
			break;
		case MB2_TAG_MMAP:
			mmap = (const void *)t;
			break;
		/* rsdp_pa points at GRUB's copy of the RSDP inside the tag;
		 * claim_memory() keeps the info structure, so it stays intact. */
		case MB2_TAG_ACPI_NEW:
			bi->rsdp_pa = (uint64_t)(at + sizeof(*t));
			break;
		case MB2_TAG_ACPI_OLD:
			rsdp_old = (uint64_t)(at + sizeof(*t));
			break;
		}
		at += ALIGN_UP(t->size, MB2_TAG_ALIGN);
	}
	if (!bi->rsdp_pa)
		bi->rsdp_pa = rsdp_old;
	if (mmap)
		mb2_mem_from_mmap(bi, mmap);
	else if (basic)
		mb2_mem_from_basic(bi, basic);
}

/* What argon occupies: its image (with the early pool, the stack and
 * boot_info in .bss), the modules, and GRUB's info, which holds the RSDP
 * copy and the module names. */
static void claim_memory(struct boot_info *bi, uintptr_t info_pa)
{
	mb2_mem_claim(bi, bi->image_base, bi->image_size);
	for (uint32_t i = 0; i < bi->file_count; i++)
		if (bi->files[i].data)
			mb2_mem_claim(bi, (uintptr_t)bi->files[i].data, bi->files[i].size);
	mb2_mem_claim(bi, info_pa, ((const struct mb2_info *)info_pa)->total_size);
}

/* The core sets COM1 up afresh; a byte still on the wire then arrives
 * garbled. Bounded, like the console's own waits. */
static void uart_wait_idle(void)
{
	for (int i = 0; i < 100000 && !(inb(COM1_LSR) & LSR_TEMT); i++)
		cpu_relax();
}

void mb2_main(uint32_t magic, uint32_t info_pa)
{
	struct boot_info *bi = &boot_info;

	console_init();
	pr_info("Multiboot2 loader\n");
	if (magic != MB2_BOOT_MAGIC) {
		pr_err("not started by a Multiboot2 loader (EAX %x); cannot start\n", magic);
		halt_forever();
	}

	bi->magic = BOOT_INFO_MAGIC;
	bi->loader = "multiboot2";
	bi->fw_power_off = NULL;
	bi->image_base = (uintptr_t)__image_start;
	bi->image_size = (uintptr_t)__image_end - (uintptr_t)__image_start;
	bi->early_pool_base = (uintptr_t)early_pool;
	bi->early_pool_size = sizeof(early_pool);
	bi->stack_base = (uintptr_t)core_stack;
	bi->stack_size = sizeof(core_stack);
	/* Modules are files at the root of GRUB's boot device. */
	str_copy(bi->config_dir, "/", sizeof(bi->config_dir));
	bi->file_count = 1;
	str_copy(bi->files[0].name, BOOT_CONFIG_NAME, sizeof(bi->files[0].name));
	bi->files[0].err = -ERR_NOENT;

	read_tags(bi, info_pa);
	if (!bi->mem_count) {
		pr_err("no memory map from the boot loader; cannot start\n");
		halt_forever();
	}
	if (bi->cmdline[0])
		pr_info("command line \"%s\"\n", bi->cmdline);
	if (!bi->files[0].data)
		pr_warn("no module named %s (module2 /%s %s)\n", BOOT_CONFIG_NAME, BOOT_CONFIG_NAME,
			BOOT_CONFIG_NAME);
	claim_memory(bi, info_pa);
	mb2_map_all(bi);
	mb2_mem_finish(bi);
	uart_wait_idle();
	boot_enter_core(bi, bi->stack_base + bi->stack_size, core_main);
}
