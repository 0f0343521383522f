#include "sriov/pci_report.h"

#include "lib/fmt.h"
#include "sriov/pci_regs.h"

#define PAGE 4096u
#define MSIX_ENTRY 16u

void pci_msix_decode(uint16_t ctrl, uint32_t table, uint32_t pba, struct pci_msix_info *out)
{
	out->entries = (ctrl & PCI_MSIX_CTRL_SIZE_MASK) + 1;
	out->table_bar = (uint8_t)(table & PCI_MSIX_BIR_MASK);
	out->table_off = table & ~PCI_MSIX_BIR_MASK;
	out->pba_bar = (uint8_t)(pba & PCI_MSIX_BIR_MASK);
	out->pba_off = pba & ~PCI_MSIX_BIR_MASK;
}

bool pci_msix_in_bar(uint64_t bar_size, const struct pci_msix_info *mi)
{
	uint64_t len = (uint64_t)mi->entries * MSIX_ENTRY;

	return bar_size && mi->table_off <= bar_size && len <= bar_size - mi->table_off;
}

bool pci_msix_alone(uint64_t bar_size, uint8_t table_bar, uint32_t table_off, unsigned entries,
		    uint8_t pba_bar, uint32_t pba_off)
{
	uint64_t end = (uint64_t)table_off + (uint64_t)entries * MSIX_ENTRY;
	uint64_t first = table_off / PAGE * PAGE, last = (end + PAGE - 1) / PAGE * PAGE;

	if (!entries || table_off % PAGE || end > bar_size)
		return false;
	return pba_bar != table_bar || pba_off < first || pba_off >= last;
}

/* Appends to buf (len so far): snprintf's result kept, so the total says
 * how long the whole would be. */
#define APPEND(...)                                                   \
	(len += (size_t)fmt_snprintf(buf + (len < size ? len : size), \
				     size - (len < size ? len : size), __VA_ARGS__))

static int bdf(char *out, size_t size, uint16_t seg, uint16_t rid)
{
	return fmt_snprintf(out, size, "%04x:%02x:%02x.%x", seg, rid >> 8, (rid >> 3) & 0x1f,
			    rid & 7);
}

int pci_report_line(const struct pci_report *r, char *buf, size_t size)
{
	char host[16], pf[16];
	size_t len = 0;

	bdf(host, sizeof(host), r->seg, r->rid);
	bdf(pf, sizeof(pf), r->seg, r->pf_rid);
	APPEND("guest '%s': 00:%02x.0 is ", r->guest, r->slot);
	if (r->is_vf)
		APPEND("%s/vf%u (%s)", pf, r->vf_num, host);
	else
		APPEND("%s", host);
	APPEND(" %04x:%04x class %06x%s", r->vendor, r->device, r->class_code,
	       r->present ? "" : ", NOT PRESENT");
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (r->bar[i].size)
			APPEND(", BAR%u 0x%llx (guest 0x%llx) %llu KiB%s", i,
			       (unsigned long long)r->bar[i].host,
			       (unsigned long long)r->bar[i].guest,
			       (unsigned long long)(r->bar[i].size >> 10),
			       r->bar[i].is_64 ? " 64-bit" : "");
	if (r->msix)
		APPEND(", MSI-X %u in BAR%u at 0x%x%s", r->msix_entries, r->msix_bar, r->msix_off,
		       r->msix_alone ? " alone on its page" : " SHARING ITS PAGE");
	else
		APPEND(", no MSI-X");
	APPEND(", reset %s", r->reset);
	if (r->iommu_unit >= 0)
		APPEND(", IOMMU unit %d at 0x%llx", r->iommu_unit,
		       (unsigned long long)r->iommu_base);
	else
		APPEND(", NO IOMMU UNIT");
	APPEND(", interrupt remapping %s", r->irq_remap ? "on" : "OFF");
	if (r->nvme)
		APPEND(", NVMe controller %u, %u queues, %u vectors, namespace %u", r->cntlid,
		       r->queues, r->vectors, r->nsid);
	return (int)len;
}

int pci_report_json(const struct pci_report *r, char *buf, size_t size)
{
	char host[16], pf[16];
	size_t len = 0;
	bool first = true;

	bdf(host, sizeof(host), r->seg, r->rid);
	bdf(pf, sizeof(pf), r->seg, r->pf_rid);
	APPEND("{\"argon\":\"assigned-function\",\"guest\":\"%s\",\"slot\":\"00:%02x.0\","
	       "\"host\":\"%s\",",
	       r->guest, r->slot, host);
	if (r->is_vf)
		APPEND("\"pf\":\"%s\",\"vf\":%u,", pf, r->vf_num);
	else
		APPEND("\"pf\":null,\"vf\":null,");
	APPEND("\"present\":%s,\"vendor\":\"%04x\",\"device\":\"%04x\",\"class\":\"%06x\","
	       "\"bars\":[",
	       r->present ? "true" : "false", r->vendor, r->device, r->class_code);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (!r->bar[i].size)
			continue;
		APPEND("%s{\"bar\":%u,\"host\":\"0x%llx\",\"guest\":\"0x%llx\",\"size\":%llu,"
		       "\"64bit\":%s,\"prefetch\":%s}",
		       first ? "" : ",", i, (unsigned long long)r->bar[i].host,
		       (unsigned long long)r->bar[i].guest, (unsigned long long)r->bar[i].size,
		       r->bar[i].is_64 ? "true" : "false", r->bar[i].prefetch ? "true" : "false");
		first = false;
	}
	APPEND("],");
	if (r->msix)
		APPEND("\"msix\":{\"entries\":%u,\"bar\":%u,\"offset\":%u,\"alone_on_page\":%s},",
		       r->msix_entries, r->msix_bar, r->msix_off, r->msix_alone ? "true" : "false");
	else
		APPEND("\"msix\":null,");
	APPEND("\"flr\":%s,\"reset\":\"%s\",", r->flr ? "true" : "false", r->reset);
	if (r->iommu_unit >= 0)
		APPEND("\"iommu\":{\"unit\":%d,\"base\":\"0x%llx\"},", r->iommu_unit,
		       (unsigned long long)r->iommu_base);
	else
		APPEND("\"iommu\":null,");
	APPEND("\"irq_remap\":%s,", r->irq_remap ? "true" : "false");
	if (r->nvme)
		APPEND("\"nvme\":{\"cntlid\":%u,\"queues\":%u,\"vectors\":%u,\"nsid\":%u}}",
		       r->cntlid, r->queues, r->vectors, r->nsid);
	else
		APPEND("\"nvme\":null}");
	return (int)len;
}
