/* NVMe virtualization management of a controller that Linux's nvme driver
 * holds, read with nvme-cli's admin pass-through (raw Identify data), and
 * decoded by argon's own parsers (nvme/nvme_cmd.c), so that argon's
 * planner (nvme/nvme_plan.c) can run on it. Optional: without nvme-cli,
 * or with the PF not bound to the nvme driver, argonctl says so. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/argonctl/nvme_cli.h"

/* The controller's character device, from sysfs. */
static int ctrl_dev(const struct pci_func *f, const char *sysfs, char *dev, size_t size)
{
	char path[512];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%04x:%02x:%02x.%x/nvme", sysfs, f->seg,
		 f->rid >> 8, (f->rid >> 3) & 31, f->rid & 7);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, "nvme", 4)) {
			snprintf(dev, size, "/dev/%.32s", e->d_name);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

static bool have_nvme_cli(void)
{
	const char *path = getenv("PATH");
	char buf[4096], *save = NULL;

	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char exe[4200];

		snprintf(exe, sizeof(exe), "%s/nvme", dir);
		if (!access(exe, X_OK))
			return true;
	}
	return false;
}

/* Identify with cns into buf (NVME_ID_SIZE bytes) through nvme-cli. */
static int identify(const char *dev, uint8_t cns, uint8_t *buf)
{
	char cmd[256];
	FILE *p;
	size_t got;

	snprintf(cmd, sizeof(cmd),
		 "nvme admin-passthru %s --opcode=0x06 --cdw10=0x%x --data-len=%u --read "
		 "--raw-binary 2>/dev/null",
		 dev, cns, NVME_ID_SIZE);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	got = fread(buf, 1, NVME_ID_SIZE, p);
	return pclose(p) == 0 && got == NVME_ID_SIZE ? 0 : -1;
}

int nvme_cli_survey(const struct pci_func *f, const char *sysfs, struct nvme_survey *s)
{
	static uint8_t buf[NVME_ID_SIZE];

	memset(s, 0, sizeof(*s));
	if (!have_nvme_cli()) {
		snprintf(s->why, sizeof(s->why), "nvme-cli is not installed");
		return -1;
	}
	if (ctrl_dev(f, sysfs, s->dev, sizeof(s->dev))) {
		snprintf(s->why, sizeof(s->why), "not bound to Linux's nvme driver");
		return -1;
	}
	if (identify(s->dev, NVME_CNS_CTRL, buf)) {
		snprintf(s->why, sizeof(s->why), "%s: Identify Controller failed", s->dev);
		return -1;
	}
	nvme_parse_id_ctrl(buf, &s->id);
	s->ok = true;
	if (!(s->id.oacs & NVME_OACS_VIRT_MGMT))
		return 0;
	if (identify(s->dev, NVME_CNS_PRI_CAPS, buf) == 0)
		nvme_parse_pri_caps(buf, &s->caps);
	if (identify(s->dev, NVME_CNS_SEC_LIST, buf) == 0) {
		s->nsec = nvme_parse_sec_list(buf, s->sec, NVME_SCL_MAX);
		if (s->nsec > NVME_SCL_MAX)
			s->nsec = NVME_SCL_MAX;
	}
	if ((s->id.oacs & NVME_OACS_NS_MGMT) && identify(s->dev, NVME_CNS_ALLOC_NS, buf) == 0) {
		s->nns = nvme_parse_ns_list(buf, s->ns, NVME_SURVEY_MAX_NS);
		if (s->nns > NVME_SURVEY_MAX_NS)
			s->nns = NVME_SURVEY_MAX_NS;
	}
	return 0;
}
