#include "nvme/nvme_cmd.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"

static void clear(struct nvme_sqe *e, uint8_t opcode)
{
	memset(e, 0, sizeof(*e));
	e->cdw0 = opcode;
}

void nvme_cmd_identify(struct nvme_sqe *e, uint8_t cns, uint16_t cntid, uint32_t nsid,
		       uint64_t prp1)
{
	clear(e, NVME_ADM_IDENTIFY);
	e->nsid = nsid;
	e->prp1 = prp1;
	e->cdw10 = (uint32_t)cntid << 16 | cns;
}

void nvme_cmd_virt_mgmt(struct nvme_sqe *e, uint8_t act, uint8_t rt, uint16_t cntlid, uint16_t nr)
{
	clear(e, NVME_ADM_VIRT_MGMT);
	e->cdw10 = (uint32_t)cntlid << 16 | (uint32_t)(rt & 7u) << 8 | (act & 0xfu);
	e->cdw11 = nr;
}

void nvme_cmd_ns_attach(struct nvme_sqe *e, uint32_t nsid, uint8_t sel, uint64_t prp1)
{
	clear(e, NVME_ADM_NS_ATTACH);
	e->nsid = nsid;
	e->prp1 = prp1;
	e->cdw10 = sel & 0xfu;
}

void nvme_sqe_set_cid(struct nvme_sqe *e, uint16_t cid)
{
	e->cdw0 = (e->cdw0 & 0xffffu) | (uint32_t)cid << 16;
}

uint8_t nvme_sqe_opcode(const struct nvme_sqe *e)
{
	return (uint8_t)e->cdw0;
}

int nvme_ctrl_list_build(uint8_t *buf, const uint16_t *ids, unsigned n)
{
	if (n > NVME_CTRL_LIST_MAX)
		return -ERR_RANGE;
	memset(buf, 0, NVME_ID_SIZE);
	buf[0] = (uint8_t)n;
	buf[1] = (uint8_t)(n >> 8);
	for (unsigned i = 0; i < n; i++) {
		buf[2 + 2 * i] = (uint8_t)ids[i];
		buf[3 + 2 * i] = (uint8_t)(ids[i] >> 8);
	}
	return 0;
}

/* ASCII fields are space padded; keep printable characters only. */
static void ascii(char *dst, const uint8_t *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		dst[n++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

void nvme_parse_id_ctrl(const uint8_t *buf, struct nvme_id_ctrl *out)
{
	memset(out, 0, sizeof(*out));
	out->vid = load16(buf + NVME_IDC_VID);
	ascii(out->sn, buf + NVME_IDC_SN, 20);
	ascii(out->mn, buf + NVME_IDC_MN, 40);
	ascii(out->fr, buf + NVME_IDC_FR, 8);
	out->cmic = buf[NVME_IDC_CMIC];
	out->mdts = buf[NVME_IDC_MDTS];
	out->cntlid = load16(buf + NVME_IDC_CNTLID);
	out->ver = load32(buf + NVME_IDC_VER);
	out->oacs = load16(buf + NVME_IDC_OACS);
	out->nn = load32(buf + NVME_IDC_NN);
}

void nvme_parse_pri_caps(const uint8_t *buf, struct nvme_pri_caps *out)
{
	out->cntlid = load16(buf + NVME_PCC_CNTLID);
	out->portid = load16(buf + NVME_PCC_PORTID);
	out->crt = buf[NVME_PCC_CRT];
	out->vqfrt = load32(buf + NVME_PCC_VQFRT);
	out->vqrfa = load32(buf + NVME_PCC_VQRFA);
	out->vqrfap = load16(buf + NVME_PCC_VQRFAP);
	out->vqprt = load16(buf + NVME_PCC_VQPRT);
	out->vqfrsm = load16(buf + NVME_PCC_VQFRSM);
	out->vqgran = load16(buf + NVME_PCC_VQGRAN);
	out->vifrt = load32(buf + NVME_PCC_VIFRT);
	out->virfa = load32(buf + NVME_PCC_VIRFA);
	out->virfap = load16(buf + NVME_PCC_VIRFAP);
	out->viprt = load16(buf + NVME_PCC_VIPRT);
	out->vifrsm = load16(buf + NVME_PCC_VIFRSM);
	out->vigran = load16(buf + NVME_PCC_VIGRAN);
}

unsigned nvme_parse_sec_list(const uint8_t *buf, struct nvme_sec_ctrl *out, unsigned max)
{
	unsigned n = buf[NVME_SCL_NUMID];

	if (n > NVME_SCL_MAX)
		n = NVME_SCL_MAX;
	for (unsigned i = 0; i < n && i < max; i++) {
		const uint8_t *e = buf + NVME_SCL_ENTRY0 + (size_t)i * NVME_SCL_ENTRY_SIZE;

		out[i].scid = load16(e + NVME_SCE_SCID);
		out[i].pcid = load16(e + NVME_SCE_PCID);
		out[i].online = e[NVME_SCE_SCS] & 1;
		out[i].vfn = load16(e + NVME_SCE_VFN);
		out[i].nvq = load16(e + NVME_SCE_NVQ);
		out[i].nvi = load16(e + NVME_SCE_NVI);
	}
	return n;
}

unsigned nvme_parse_ctrl_list(const uint8_t *buf, uint16_t *out, unsigned max)
{
	unsigned n = load16(buf);

	if (n > NVME_CTRL_LIST_MAX)
		n = NVME_CTRL_LIST_MAX;
	for (unsigned i = 0; i < n && i < max; i++)
		out[i] = load16(buf + 2 + (size_t)i * 2);
	return n;
}

unsigned nvme_parse_ns_list(const uint8_t *buf, uint32_t *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NVME_ID_SIZE / 4; i++) {
		uint32_t id = load32(buf + (size_t)i * 4);

		if (!id)
			break;
		if (n < max)
			out[n] = id;
		n++;
	}
	return n;
}

struct status_name {
	uint16_t code;
	const char *name;
};

/* The codes the admin commands argon sends can return (generic and
 * command specific); others are printed by number. */
static const struct status_name status_names[] = {
	{0x000, "Successful Completion"},
	{0x001, "Invalid Command Opcode"},
	{0x002, "Invalid Field in Command"},
	{0x003, "Command ID Conflict"},
	{0x004, "Data Transfer Error"},
	{0x005, "Commands Aborted due to Power Loss Notification"},
	{0x006, "Internal Error"},
	{0x007, "Command Abort Requested"},
	{0x008, "Command Aborted due to SQ Deletion"},
	{0x00b, "Invalid Namespace or Format"},
	{0x00c, "Command Sequence Error"},
	{0x015, "Operation Denied"},
	{0x01d, "Command Prohibited by Command and Feature Lockdown"},
	{0x100, "Completion Queue Invalid"},
	{0x101, "Invalid Queue Identifier"},
	{0x102, "Invalid Queue Size"},
	{0x108, "Invalid Interrupt Vector"},
	{0x115, "Namespace Insufficient Capacity"},
	{0x116, "Namespace Identifier Unavailable"},
	{NVME_SC_NS_ALREADY_ATTACHED, "Namespace Already Attached"},
	{NVME_SC_NS_PRIVATE, "Namespace Is Private"},
	{NVME_SC_NS_NOT_ATTACHED, "Namespace Not Attached"},
	{0x11b, "Thin Provisioning Not Supported"},
	{NVME_SC_CTRL_LIST_INVALID, "Controller List Invalid"},
	{NVME_SC_INVALID_CTRL_ID, "Invalid Controller Identifier"},
	{NVME_SC_INVALID_SEC_STATE, "Invalid Secondary Controller State"},
	{NVME_SC_INVALID_NUM_RES, "Invalid Number of Controller Resources"},
	{NVME_SC_INVALID_RES_ID, "Invalid Resource Identifier"},
};

const char *nvme_status_name(uint16_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
		if (status_names[i].code == code)
			return status_names[i].name;
	return NULL;
}

int nvme_status_fmt(char *buf, size_t size, uint16_t code)
{
	static const char *const type[] = {
		"generic",	"command specific", "media or data integrity",
		"path related", "reserved",	    "reserved",
		"reserved",	"vendor specific",
	};
	const char *name = nvme_status_name(code);
	unsigned sct = (code >> 8) & 7u, sc = code & 0xffu;

	if (name)
		return fmt_snprintf(buf, size, "%s (SCT %Xh SC %02Xh)", name, sct, sc);
	return fmt_snprintf(buf, size, "%s status (SCT %Xh SC %02Xh)", type[sct], sct, sc);
}
