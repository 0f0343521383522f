/* The only part of argonctl that includes libpci's headers (their names
 * clash with argon's own PCI definitions). */
#ifndef ARGONCTL_LIBPCI_GLUE_H
#define ARGONCTL_LIBPCI_GLUE_H

#include <stddef.h>
#include <stdint.h>

#define LP_CFG_SIZE 4096
#define LP_NUM_BARS 6

struct lp_func {
	uint16_t seg;
	uint8_t bus, dev, fn;
	unsigned len; /* configuration bytes read: 4096, 256 or 0 */
	uint8_t cfg[LP_CFG_SIZE];
	uint64_t size[LP_NUM_BARS]; /* as the OS sized them; 0 from a dump */
};

/* Every function libpci finds: this machine's (sysfs, or whatever libpci
 * picks), or those of an `lspci -xxxx` dump. Calls add for each. 0, or -1. */
int lp_scan(const char *dump, void (*add)(void *ctx, const struct lp_func *f), void *ctx);

/* "Vendor Device" from pci.ids, or "" when unknown. */
const char *lp_names(uint16_t vendor, uint16_t device, char *buf, size_t size);

#endif
