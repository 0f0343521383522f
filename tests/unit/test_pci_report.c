/* The boot report of an assigned function: the MSI-X page check, the
 * human line and the JSON object (one line, the schema of docs/sriov.md). */
#include <string.h>

#include "sriov/pci_report.h"
#include "tests/unit/check.h"

static void test_msix_alone(void)
{
	/* QEMU's NVMe VF: 16 KiB BAR0, table at 0x2000, PBA at 0x3000. */
	CHECK(pci_msix_alone(16384, 0, 0x2000, 2, 0, 0x3000));
	/* PBA on the table's page. */
	CHECK(!pci_msix_alone(16384, 0, 0x2000, 2, 0, 0x2800));
	/* PBA in another BAR at the same offset: not on the table's page. */
	CHECK(pci_msix_alone(16384, 0, 0x2000, 2, 2, 0x2000));
	/* Table not page aligned: registers before it on its page. */
	CHECK(!pci_msix_alone(16384, 0, 0x2100, 2, 0, 0x3000));
	/* A table of 300 entries spans two pages; PBA on the second. */
	CHECK(!pci_msix_alone(65536, 0, 0x2000, 300, 0, 0x3800));
	CHECK(pci_msix_alone(65536, 0, 0x2000, 300, 0, 0x4000));
	/* Past the BAR's end, or no entries. */
	CHECK(!pci_msix_alone(8192, 0, 0x2000, 2, 2, 0));
	CHECK(!pci_msix_alone(16384, 0, 0x2000, 0, 0, 0x3000));
}

static struct pci_report vf_report(void)
{
	struct pci_report r = {
		.guest = "alpha",
		.slot = 1,
		.seg = 0,
		.rid = 0x0011,
		.is_vf = true,
		.pf_rid = 0x0010,
		.vf_num = 1,
		.present = true,
		.vendor = 0x1b36,
		.device = 0x0010,
		.class_code = 0x010802,
		.msix = true,
		.msix_entries = 2,
		.msix_bar = 0,
		.msix_off = 0x2000,
		.msix_alone = true,
		.flr = true,
		.reset = "FLR",
		.iommu_unit = 0,
		.iommu_base = 0xfed90000,
		.irq_remap = true,
		.nvme = true,
		.cntlid = 1,
		.queues = 4,
		.vectors = 2,
		.nsid = 1,
	};

	r.bar[0] = (struct pci_report_bar){
		.size = 16384, .host = 0xc000000000ull, .guest = 0xc0000000, .is_64 = true};
	return r;
}

static void test_vf_lines(void)
{
	struct pci_report r = vf_report();
	char buf[1024];
	int n;

	n = pci_report_json(&r, buf, sizeof(buf));
	CHECK_EQ(n, (int)strlen(buf));
	CHECK_STR(buf,
		  "{\"argon\":\"assigned-function\",\"guest\":\"alpha\",\"slot\":\"00:01.0\","
		  "\"host\":\"0000:00:02.1\",\"pf\":\"0000:00:02.0\",\"vf\":1,\"present\":true,"
		  "\"vendor\":\"1b36\",\"device\":\"0010\",\"class\":\"010802\",\"bars\":[{"
		  "\"bar\":0,\"host\":\"0xc000000000\",\"guest\":\"0xc0000000\",\"size\":16384,"
		  "\"64bit\":true,\"prefetch\":false}],\"msix\":{\"entries\":2,\"bar\":0,"
		  "\"offset\":8192,\"alone_on_page\":true},\"flr\":true,\"reset\":\"FLR\","
		  "\"iommu\":{\"unit\":0,\"base\":\"0xfed90000\"},\"irq_remap\":true,"
		  "\"nvme\":{\"cntlid\":1,\"queues\":4,\"vectors\":2,\"nsid\":1}}");
	pci_report_line(&r, buf, sizeof(buf));
	CHECK_STR(buf,
		  "guest 'alpha': 00:01.0 is 0000:00:02.0/vf1 (0000:00:02.1) 1b36:0010 class "
		  "010802, BAR0 0xc000000000 (guest 0xc0000000) 16 KiB 64-bit, MSI-X 2 in "
		  "BAR0 at 0x2000 alone on its page, reset FLR, IOMMU unit 0 at 0xfed90000, "
		  "interrupt remapping on, NVMe controller 1, 4 queues, 2 vectors, namespace 1");
}

/* A whole function without MSI-X, IOMMU or NVMe data: nulls, and what is
 * missing said loudly in the line. */
static void test_whole_function(void)
{
	struct pci_report r = {
		.guest = "web",
		.slot = 2,
		.seg = 1,
		.rid = 0x8100,
		.present = false,
		.vendor = 0x8086,
		.device = 0x1533,
		.class_code = 0x020000,
		.reset = "D3hot->D0",
		.iommu_unit = -1,
	};
	char buf[1024];

	r.bar[0] = (struct pci_report_bar){.size = 4096, .host = 0x81200000, .guest = 0xc0000000};
	r.bar[3] = (struct pci_report_bar){
		.size = 16384, .host = 0x81204000, .guest = 0xc0004000, .prefetch = true};
	pci_report_json(&r, buf, sizeof(buf));
	CHECK_STR(buf,
		  "{\"argon\":\"assigned-function\",\"guest\":\"web\",\"slot\":\"00:02.0\","
		  "\"host\":\"0001:81:00.0\",\"pf\":null,\"vf\":null,\"present\":false,"
		  "\"vendor\":\"8086\",\"device\":\"1533\",\"class\":\"020000\",\"bars\":[{"
		  "\"bar\":0,\"host\":\"0x81200000\",\"guest\":\"0xc0000000\",\"size\":4096,"
		  "\"64bit\":false,\"prefetch\":false},{\"bar\":3,\"host\":\"0x81204000\","
		  "\"guest\":\"0xc0004000\",\"size\":16384,\"64bit\":false,\"prefetch\":true}],"
		  "\"msix\":null,\"flr\":false,\"reset\":\"D3hot->D0\",\"iommu\":null,"
		  "\"irq_remap\":false,\"nvme\":null}");
	pci_report_line(&r, buf, sizeof(buf));
	CHECK_STR(buf, "guest 'web': 00:02.0 is 0001:81:00.0 8086:1533 class 020000, NOT PRESENT, "
		       "BAR0 0x81200000 (guest 0xc0000000) 4 KiB, BAR3 0x81204000 (guest "
		       "0xc0004000) 16 KiB, no MSI-X, reset D3hot->D0, NO IOMMU UNIT, interrupt "
		       "remapping OFF");
}

/* A short buffer: cut, terminated, and the length the whole wanted. */
static void test_truncation(void)
{
	struct pci_report r = vf_report();
	char full[1024], small[40];
	int n = pci_report_json(&r, full, sizeof(full));

	CHECK_EQ(pci_report_json(&r, small, sizeof(small)), n);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK(strncmp(small, full, sizeof(small) - 1) == 0);
}

CHECK_MAIN(test_msix_alone, test_vf_lines, test_whole_function, test_truncation)
