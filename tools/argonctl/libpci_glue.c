#include "tools/argonctl/libpci_glue.h"

#include <pci/pci.h>
#include <stdlib.h>
#include <string.h>

static struct pci_access *pacc;

static void cleanup(void)
{
	pci_cleanup(pacc);
}

int lp_scan(const char *dump, void (*add)(void *ctx, const struct lp_func *f), void *ctx)
{
	struct lp_func *f = malloc(sizeof(*f));

	if (!f)
		return -1;
	pacc = pci_alloc();
	if (dump) {
		pacc->method = PCI_ACCESS_DUMP;
		pci_set_param(pacc, "dump.name", (char *)dump);
	}
	/* Names from pci.ids alone, the same on every machine. */
	pci_set_param(pacc, "hwdb.disable", "1");
	pci_init(pacc);
	atexit(cleanup);
	pci_scan_bus(pacc);
	for (struct pci_dev *d = pacc->devices; d; d = d->next) {
		memset(f, 0, sizeof(*f));
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_BASES | PCI_FILL_SIZES);
		f->seg = (uint16_t)d->domain;
		f->bus = d->bus;
		f->dev = d->dev;
		f->fn = d->func;
		/* Extended space where the function has it (and where we may
		 * read it: Linux shows others than root 64 bytes). */
		if (pci_read_block(d, 0, f->cfg, LP_CFG_SIZE))
			f->len = LP_CFG_SIZE;
		else if (pci_read_block(d, 0, f->cfg, 256))
			f->len = 256;
		for (unsigned i = 0; i < LP_NUM_BARS && !dump; i++)
			f->size[i] = (uint64_t)d->size[i];
		add(ctx, f);
	}
	free(f);
	return 0;
}

const char *lp_names(uint16_t vendor, uint16_t device, char *buf, size_t size)
{
	if (!pacc || vendor == 0xffff)
		return "";
	return pci_lookup_name(pacc, buf, (int)size,
			       PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
			       vendor, device)
		       ?: "";
}
