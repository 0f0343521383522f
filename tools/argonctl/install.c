/* argonctl install ESP_DIR: argon.efi, argon.conf and every file the config
 * names into a folder of the EFI system partition, after the same checks
 * as argonctl check; with --boot-entry, a UEFI boot entry for it through
 * efibootmgr. --dry-run prints what it would do and changes nothing. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tools/argonctl/argonctl.h"
#include "tools/argonctl/check.h"

#define MAX_FILES (2 + 2 * ARGON_MAX_GUESTS)

struct copy {
	char src[PATH_MAX], dst[PATH_MAX];
};

struct install_opts {
	const char *esp, *conf, *efi, *disk, *label;
	int part;
	bool boot_entry, dry_run, machine_check;
};

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* out = dir + name, when it fits and is a file. */
static bool try_at(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s%s", dir, name);

	return n >= 0 && (size_t)n < size && is_file(out);
}

/* argon.efi: given, beside the config, or where argonctl was built (the
 * build folder holds both) or installed (PREFIX/lib/argon). */
static int find_efi(const struct install_opts *io, const char *conf_dir, char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (io->efi)
		return try_at(out, size, "", io->efi) ? 0 : -1;
	if (try_at(out, size, conf_dir, "argon.efi"))
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	if (try_at(out, size, self, "/argon.efi") || try_at(out, size, self, "/../../argon.efi") ||
	    try_at(out, size, self, "/../lib/argon/argon.efi"))
		return 0;
	return -1;
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

static int copy_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	size_t len;
	char *data = read_file(src, &len);
	const char *slash = strrchr(dst, '/');
	FILE *f;
	int rc = -1;

	if (!data)
		return -1;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - dst) : 0, dst);
	if (dir[0] && mkdirs(dir))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	f = fopen(tmp, "wb");
	if (!f)
		goto out;
	if (fwrite(data, 1, len, f) == len && !fflush(f) && !fsync(fileno(f)))
		rc = 0;
	if (fclose(f))
		rc = -1;
	if (!rc && rename(tmp, dst))
		rc = -1;
	if (rc)
		unlink(tmp);
out:
	free(data);
	return rc;
}

/* The mount under which path lies, from /proc/self/mountinfo: its mount
 * point, filesystem type and device numbers. */
static int find_mount(const char *path, char *mnt, size_t msize, char *fstype, size_t fsize,
		      unsigned *major, unsigned *minor)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	size_t best = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char point[PATH_MAX], type[64];
		unsigned ma, mi;
		char *sep = strstr(line, " - ");
		size_t n;

		if (!sep || sscanf(line, "%*u %*u %u:%u %*s %4095s", &ma, &mi, point) != 3 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		n = strlen(point);
		if (strncmp(path, point, n) != 0 || (path[n] && path[n] != '/' && n != 1))
			continue;
		if (n < best)
			continue;
		best = n;
		snprintf(mnt, msize, "%s", point);
		snprintf(fstype, fsize, "%s", type);
		*major = ma;
		*minor = mi;
	}
	fclose(f);
	return best ? 0 : -1;
}

/* The disk and partition number of block device major:minor, from sysfs. */
static int find_disk(unsigned major, unsigned minor, char *disk, size_t size, int *part)
{
	char path[256], real[PATH_MAX], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major, minor);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", part) != 1)
		*part = -1;
	fclose(f);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major, minor);
	if (!realpath(path, real) || !(slash = strrchr(real, '/')))
		return -1;
	*slash = '\0';
	slash = strrchr(real, '/');
	if (!slash || *part < 1)
		return -1;
	snprintf(disk, size, "/dev/%s", slash + 1);
	return 0;
}

/* efibootmgr's arguments for a boot entry of esp/argon.efi. */
static int boot_entry_args(const struct install_opts *io, char *out, size_t size)
{
	char real[PATH_MAX], mnt[PATH_MAX], fstype[64], disk[PATH_MAX], loader[PATH_MAX];
	const char *rel;
	unsigned major = 0, minor = 0;
	int part = io->part;
	size_t n = 0;

	if (!realpath(io->esp, real)) {
		/* A dry run may name a folder that does not exist yet. */
		snprintf(real, sizeof(real), "%s", io->esp);
	}
	if (find_mount(real, mnt, sizeof(mnt), fstype, sizeof(fstype), &major, &minor)) {
		fprintf(stderr, "argonctl: cannot tell which file system holds %s\n", real);
		return -1;
	}
	if (io->disk) {
		snprintf(disk, sizeof(disk), "%s", io->disk);
	} else if (strcmp(fstype, "vfat") != 0 ||
		   find_disk(major, minor, disk, sizeof(disk), &part)) {
		fprintf(stderr,
			"argonctl: %s is on %s (a %s file system), not on a partition argonctl "
			"recognizes as an EFI system partition (FAT); give --disk DEV --part N\n",
			real, mnt, fstype);
		return -1;
	}
	if (part < 1) {
		fprintf(stderr, "argonctl: --disk needs --part N\n");
		return -1;
	}
	rel = strcmp(mnt, "/") ? real + strlen(mnt) : real;
	while (*rel == '/')
		rel++;
	loader[n++] = '\\';
	for (const char *p = rel; *p && n + 12 < sizeof(loader); p++)
		loader[n++] = *p == '/' ? '\\' : *p;
	if (loader[n - 1] != '\\')
		loader[n++] = '\\';
	snprintf(loader + n, sizeof(loader) - n, "argon.efi");
	snprintf(out, size, "--create --disk %s --part %d --label %s --loader %s", disk, part,
		 io->label, loader);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: argonctl install ESP_DIR [--config FILE] [--efi FILE] "
			"[--boot-entry [--disk DEV --part N] [--label NAME]] [--dry-run] "
			"[--no-machine-check]\n");
	return 2;
}

int cmd_install(const struct source_opts *o, int argc, char **argv)
{
	static struct argon_config cfg;
	static struct copy copies[MAX_FILES];
	struct install_opts io = {.conf = "argon.conf", .label = "argon", .machine_check = true};
	char conf_dir[PATH_MAX], efi[PATH_MAX], args[3 * PATH_MAX];
	const char *slash;
	unsigned n = 0;
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--boot-entry"))
			io.boot_entry = true;
		else if (!strcmp(a, "--dry-run"))
			io.dry_run = true;
		else if (!strcmp(a, "--no-machine-check"))
			io.machine_check = false;
		else if (i + 1 < argc && !strcmp(a, "--config"))
			io.conf = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "--efi"))
			io.efi = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "--disk"))
			io.disk = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "--part"))
			io.part = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--label"))
			io.label = argv[++i];
		else if (a[0] != '-' && !io.esp)
			io.esp = a;
		else
			return usage();
	}
	if (!io.esp)
		return usage();
	slash = strrchr(io.conf, '/');
	snprintf(conf_dir, sizeof(conf_dir), "%.*s", slash ? (int)(slash - io.conf + 1) : 0,
		 io.conf);
	if (io.machine_check && machine_load(o))
		return 2;
	rc = check_config(o, io.conf, io.machine_check, true);
	if (rc) {
		fprintf(stderr, "argonctl: %s has errors: nothing installed\n", io.conf);
		return rc;
	}
	if (check_parse_only(io.conf, &cfg))
		return 1;
	if (find_efi(&io, conf_dir, efi, sizeof(efi))) {
		fprintf(stderr, "argonctl: cannot find argon.efi (give --efi FILE)\n");
		return 2;
	}
	snprintf(copies[n].src, PATH_MAX, "%s", efi);
	snprintf(copies[n++].dst, PATH_MAX, "%s/argon.efi", io.esp);
	snprintf(copies[n].src, PATH_MAX, "%s", io.conf);
	snprintf(copies[n++].dst, PATH_MAX, "%s/argon.conf", io.esp);
	for (unsigned g = 0; g < cfg.nguests; g++) {
		const char *names[2] = {cfg.guests[g].kernel, cfg.guests[g].initrd};

		for (unsigned k = 0; k < 2; k++) {
			bool dup = false;

			if (!names[k][0])
				continue;
			for (unsigned j = 2; j < n; j++)
				dup = dup || !strcmp(copies[j].src + strlen(conf_dir), names[k]);
			if (dup)
				continue;
			snprintf(copies[n].src, PATH_MAX, "%s%s", conf_dir, names[k]);
			snprintf(copies[n++].dst, PATH_MAX, "%s/%s", io.esp, names[k]);
		}
	}
	if (io.boot_entry && boot_entry_args(&io, args, sizeof(args)))
		return 2;
	for (unsigned i = 0; i < n; i++) {
		if (io.dry_run) {
			printf("copy %s -> %s\n", copies[i].src, copies[i].dst);
			continue;
		}
		if (copy_file(copies[i].src, copies[i].dst)) {
			fprintf(stderr, "argonctl: cannot copy %s to %s: %s\n", copies[i].src,
				copies[i].dst, strerror(errno));
			return 2;
		}
		printf("copied %s -> %s\n", copies[i].src, copies[i].dst);
	}
	if (io.boot_entry) {
		char cmd[sizeof(args) + 32];

		printf("%s efibootmgr %s\n", io.dry_run ? "boot entry:" : "running", args);
		if (io.dry_run)
			return 0;
		snprintf(cmd, sizeof(cmd), "efibootmgr %s", args);
		if (system(cmd)) {
			fprintf(stderr, "argonctl: efibootmgr failed (is it installed, and is this "
					"machine booted by UEFI?)\n");
			return 2;
		}
	}
	return 0;
}
