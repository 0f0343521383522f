/* The test guest's NVMe and MSI encoding (tests/guest/nvme_proto.c): the
 * bytes its driver puts in front of a real controller, checked against the
 * NVMe Base Specification's layouts, and the MSI messages its interrupt
 * scenarios write. */
#include <stdint.h>
#include <string.h>

#include "tests/guest/nvme_proto.h"
#include "tests/unit/check.h"

static void test_doorbells(void)
{
	CHECK_EQ(nvme_doorbell(0, false, 0), 0x1000);
	CHECK_EQ(nvme_doorbell(0, true, 0), 0x1004);
	CHECK_EQ(nvme_doorbell(1, false, 0), 0x1008);
	CHECK_EQ(nvme_doorbell(1, true, 0), 0x100C);
	/* CAP.DSTRD = 2: 16-byte stride. */
	CHECK_EQ(nvme_doorbell(1, true, 2), 0x1000 + 3 * 16);
}

static void test_admin_commands(void)
{
	struct nvme_sqe c;
	const uint8_t *b = (const uint8_t *)&c;

	nvme_cmd_identify(&c, 7, NVME_CNS_CONTROLLER, 0, 0x123000);
	CHECK_EQ(b[0], 0x06);
	CHECK_EQ(c.cid, 7);
	CHECK_EQ(c.cdw10, 1);
	CHECK_EQ(c.prp1, 0x123000);
	CHECK_EQ(c.prp2, 0);
	/* PRP1 at byte 24, CDW10 at byte 40. */
	CHECK_EQ(b[24 + 1], 0x30);
	CHECK_EQ(b[40], 1);

	nvme_cmd_set_num_queues(&c, 1, 4);
	CHECK_EQ(c.opcode, 0x09);
	CHECK_EQ(c.cdw10, 0x07);
	CHECK_EQ(c.cdw11, 0x00030003);

	nvme_cmd_create_cq(&c, 2, 1, 64, 0x200000, 3, true);
	CHECK_EQ(c.opcode, 0x05);
	CHECK_EQ(c.cdw10, (63u << 16) | 1);
	CHECK_EQ(c.cdw11, (3u << 16) | 2 | 1);
	nvme_cmd_create_cq(&c, 2, 1, 64, 0x200000, 0, false);
	CHECK_EQ(c.cdw11, 1);

	nvme_cmd_create_sq(&c, 3, 1, 64, 0x201000, 1);
	CHECK_EQ(c.opcode, 0x01);
	CHECK_EQ(c.cdw10, (63u << 16) | 1);
	CHECK_EQ(c.cdw11, (1u << 16) | 1);
	CHECK_EQ(c.prp1, 0x201000);
}

static void test_rw(void)
{
	struct nvme_sqe c;

	memset(&c, 0xAB, sizeof(c));
	nvme_cmd_rw(&c, 9, NVME_IO_READ, 1, 0x123456789ull, 8, 0x1000, 0x2000);
	CHECK_EQ(c.opcode, 0x02);
	CHECK_EQ(c.flags, 0); /* PRPs, not SGLs; no fusing */
	CHECK_EQ(c.nsid, 1);
	CHECK_EQ(c.cdw10, 0x23456789);
	CHECK_EQ(c.cdw11, 0x1);
	CHECK_EQ(c.cdw12, 7); /* 0's based */
	CHECK_EQ(c.cdw13, 0);
	CHECK_EQ(c.mptr, 0);
	CHECK_EQ(c.prp2, 0x2000);
	nvme_cmd_rw(&c, 9, NVME_IO_WRITE, 1, 0, 65536, 0x1000, 0);
	CHECK_EQ(c.opcode, 0x01);
	CHECK_EQ(c.cdw12, 0xFFFF);
}

static void test_status(void)
{
	char buf[32];
	struct nvme_status s;

	/* Phase tag alone: success. */
	s = nvme_status_decode(0x0001);
	CHECK(nvme_status_ok(s));
	CHECK_STR(nvme_status_str(s, buf, sizeof(buf)), "success");
	/* Data Transfer Error (SCT 0, SC 4) with DNR, phase 0. */
	s = nvme_status_decode((uint16_t)(0x04u << 1 | 1u << 15));
	CHECK(!nvme_status_ok(s));
	CHECK_EQ(s.sct, 0);
	CHECK_EQ(s.sc, 4);
	CHECK(s.dnr);
	CHECK_STR(nvme_status_str(s, buf, sizeof(buf)), "data transfer error");
	/* Media error type (SCT 2), unrecovered read error 0x81. */
	s = nvme_status_decode((uint16_t)(0x81u << 1 | 2u << 9 | 1));
	CHECK_EQ(s.sct, 2);
	CHECK_EQ(s.sc, 0x81);
	CHECK(!s.dnr);
	CHECK_STR(nvme_status_str(s, buf, sizeof(buf)), "unrecovered read error");
	/* Unknown: numbers. */
	s = nvme_status_decode((uint16_t)(0x7Fu << 1 | 1u << 9 | 1u << 14));
	CHECK(s.more);
	CHECK_STR(nvme_status_str(s, buf, sizeof(buf)), "sct 1 sc 0x7f");
}

static void test_identify(void)
{
	uint8_t id[4096];
	uint64_t blocks;
	uint32_t bs;
	char s[41];

	memset(id, 0, sizeof(id));
	/* NSZE 32768, two formats, format 1 in use: 4 KiB blocks. */
	id[0] = 0x00;
	id[1] = 0x80;
	id[25] = 1;
	id[26] = 1;
	id[128 + 2] = 9;
	id[132 + 2] = 12;
	CHECK(nvme_id_ns_parse(id, &blocks, &bs));
	CHECK_EQ(blocks, 32768);
	CHECK_EQ(bs, 4096);
	id[26] = 2; /* beyond NLBAF */
	CHECK(!nvme_id_ns_parse(id, &blocks, &bs));
	id[26] = 0;
	id[128 + 2] = 3; /* 8-byte blocks: nonsense */
	CHECK(!nvme_id_ns_parse(id, &blocks, &bs));

	memset(id, ' ', 64);
	memcpy(id + 4, "argon-pt-06", 11);
	memcpy(id + 24, "QEMU NVMe Ctrl", 14);
	nvme_id_ctrl_string(id, false, s, sizeof(s));
	CHECK_STR(s, "argon-pt-06");
	nvme_id_ctrl_string(id, true, s, sizeof(s));
	CHECK_STR(s, "QEMU NVMe Ctrl");
	nvme_id_ctrl_string(id, true, s, 5);
	CHECK_STR(s, "QEMU");
}

static void test_msi(void)
{
	CHECK_EQ(msi_compat_addr(0), 0xFEE00000u);
	CHECK_EQ(msi_compat_addr(2), 0xFEE02000u);
	CHECK_EQ(msi_compat_addr(0xFF), 0xFEEFF000u);
	/* x2APIC ids above 255: bits 14:8 in address bits 11:5. */
	CHECK_EQ(msi_compat_addr(0x1234), 0xFEE34000u | (0x12u << 5));
	CHECK_EQ(msi_compat_data(0x63, MSI_DELIVERY_FIXED), 0x4063u);
	CHECK_EQ(msi_compat_data(0, MSI_DELIVERY_NMI), 0x4400u);
	CHECK_EQ(msi_compat_data(0, MSI_DELIVERY_INIT), 0x4500u);
	/* None of the guest's own messages is remappable; argon's are. */
	CHECK(!msi_addr_remappable(msi_compat_addr(2)));
	CHECK(msi_addr_remappable(0xFEE00010u));
	CHECK(msi_addr_remappable(0xFEE00000u | (5u << 5) | 1u << 4 | 1u << 3));
	CHECK(!msi_addr_remappable(0xFED00010u));
	CHECK(!msi_addr_remappable(0));
}

CHECK_MAIN(test_doorbells, test_admin_commands, test_rw, test_status, test_identify, test_msi)
