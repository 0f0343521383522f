/* argon.conf: the schema on top of lib/toml.h (docs/config.md is the
 * reference). Parsing checks the file on its own terms only; whether the
 * CPUs exist, the memory fits and the files are there is for the caller. */
#ifndef ARGON_LIB_CONFIG_H
#define ARGON_LIB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define ARGON_MAX_GUESTS 16
#define ARGON_MAX_GUEST_CPUS 64
#define ARGON_MAX_CPU 1023	/* highest logical CPU number accepted (MAX_CPUS - 1) */
#define CONFIG_NAME_MAX 32	/* guest name: 1-31 chars, with the NUL */
#define CONFIG_PATH_MAX 256	/* kernel/initrd path, with the NUL */
#define CONFIG_CMDLINE_MAX 1024 /* cmdline, with the NUL */
#define CONFIG_GUEST_MEM_ALIGN (2ULL << 20)
#define ARGON_MAX_GUEST_DEVICES 8 /* PCI functions assigned to one guest */
#define CONFIG_MAX_DIAGS 32
#define ARGON_MAX_NVME 8	     /* [nvme.NAME] tables */
#define CONFIG_NVME_MAX_VFS 64	     /* VFs one [nvme.NAME] creates */
#define CONFIG_NVME_MAX_QUEUES 65535 /* flexible queue resources per VF (NR is 16 bits) */
#define CONFIG_NVME_MAX_VECTORS 2048 /* MSI-X table entries a function can have */
#define ARGON_MAX_SRIOV 8	     /* [sriov.NAME] tables */
#define CONFIG_SRIOV_MAX_VFS 64	     /* VFs one [sriov.NAME] creates */
#define CONFIG_MSG_MAX 120

/* Fixed values: the core maps them one to one onto its log levels. */
enum argon_log_level {
	ARGON_LOG_ERROR = 0,
	ARGON_LOG_WARN = 1,
	ARGON_LOG_INFO = 2,
	ARGON_LOG_DEBUG = 3,
};

/* What to do once every guest has stopped. */
enum argon_on_idle {
	ARGON_IDLE_POWEROFF,
	ARGON_IDLE_HALT,
};

/* Whether two guests may run on the hyperthreads of one core (which share
 * its caches, branch predictors and buffers). */
enum argon_smt_split {
	ARGON_SMT_REFUSE,
	ARGON_SMT_ALLOW,
};

/* What to do when a guest powers off or resets itself. */
enum argon_on_exit {
	ARGON_EXIT_STOP,
	ARGON_EXIT_RESTART,
};

/* Where a value stands in the file, for errors found after parsing. */
struct config_pos {
	unsigned line, col;
};

/* A PCI function by segment and requester id (bus << 8 | dev << 3 | fn). */
struct config_pci_addr {
	uint16_t seg, rid;
};

/* VF vf (1-based) of the physical function pf. */
struct config_vf_ref {
	struct config_pci_addr pf;
	unsigned vf;
};

struct argon_guest_config {
	char name[CONFIG_NAME_MAX];
	char kernel[CONFIG_PATH_MAX]; /* relative to argon.conf, '/' separated */
	char initrd[CONFIG_PATH_MAX]; /* "" if none */
	char cmdline[CONFIG_CMDLINE_MAX];
	uint64_t memory;		     /* bytes, a multiple of 2 MiB */
	uint16_t cpus[ARGON_MAX_GUEST_CPUS]; /* in the order listed */
	unsigned ncpus;
	enum argon_on_exit on_exit;
	unsigned line; /* of its [guest.NAME] header */
	struct config_pos kernel_at, initrd_at, memory_at;
	struct config_pos cpus_at[ARGON_MAX_GUEST_CPUS];
	/* Whole PCI functions given to the guest, in the order listed. */
	struct config_pci_addr devices[ARGON_MAX_GUEST_DEVICES];
	unsigned ndevices;
	struct config_pos devices_at[ARGON_MAX_GUEST_DEVICES];
	/* VFs that argon creates ([nvme.NAME], [sriov.NAME]), given as
	 * "PF/vfN" in devices. */
	struct config_vf_ref dev_vfs[ARGON_MAX_GUEST_DEVICES];
	unsigned ndev_vfs;
	struct config_pos dev_vfs_at[ARGON_MAX_GUEST_DEVICES];
};

/* [nvme.NAME]: an NVMe PF that argon drives itself, creating vfs VFs whose
 * secondary controllers get the resources and namespaces below. */
struct argon_nvme_config {
	char name[CONFIG_NAME_MAX];
	struct config_pci_addr pf;
	unsigned vfs;
	unsigned queues_per_vf;			  /* flexible VQ resources, admin queue included */
	unsigned vectors_per_vf;		  /* flexible VI resources */
	uint32_t namespaces[CONFIG_NVME_MAX_VFS]; /* namespace id of VF i+1 */
	unsigned nnamespaces;
	unsigned line; /* of its [nvme.NAME] header */
	struct config_pos pf_at, vfs_at, queues_at, vectors_at;
	struct config_pos namespaces_at[CONFIG_NVME_MAX_VFS];
};

/* [sriov.NAME]: an SR-IOV PF whose VFs argon creates itself; a PF that
 * needs more than the SR-IOV capability gets its driver (sriov/pf_driver.h)
 * picked by its ids. */
struct argon_sriov_config {
	char name[CONFIG_NAME_MAX];
	struct config_pci_addr pf;
	unsigned vfs;
	/* MAC of VF i+1, for PF drivers that assign them; nmacs 0: derived. */
	uint8_t macs[CONFIG_SRIOV_MAX_VFS][6];
	unsigned nmacs;
	unsigned line; /* of its [sriov.NAME] header */
	struct config_pos pf_at, vfs_at;
	struct config_pos macs_at[CONFIG_SRIOV_MAX_VFS]; /* [0] also the array's */
};

struct argon_config {
	enum argon_log_level log;
	enum argon_on_idle on_idle;
	enum argon_smt_split smt_split;
	unsigned nguests;
	struct argon_guest_config guests[ARGON_MAX_GUESTS]; /* in file order */
	unsigned nnvme;
	struct argon_nvme_config nvme[ARGON_MAX_NVME]; /* in file order */
	unsigned nsriov;
	struct argon_sriov_config sriov[ARGON_MAX_SRIOV]; /* in file order */
};

struct config_diag {
	unsigned line, col; /* 1-based; col counts bytes */
	char msg[CONFIG_MSG_MAX];
};

/* Diagnostics sorted by position; those past CONFIG_MAX_DIAGS are counted
 * in dropped. */
struct config_diags {
	unsigned count;
	unsigned dropped;
	struct config_diag d[CONFIG_MAX_DIAGS];
};

/* Parses and checks argon.conf. Returns 0, or -ERR_INVAL when the file has
 * any error; every error found is in diags (which may be NULL). out is
 * filled as far as the file allows even on failure, but only a 0 return
 * makes it usable. */
int config_parse(const char *text, size_t len, struct argon_config *out,
		 struct config_diags *diags);

/* "512M", "2G", "64K" (suffixes in either case, powers of 1024) or plain
 * decimal digits (bytes). Returns 0, -ERR_INVAL for anything else, or
 * -ERR_RANGE if the value does not fit in 64 bits. */
int config_parse_size(const char *s, uint64_t *out);

/* Adds a diagnostic found outside the parser (checks against the machine)
 * and keeps the list in file order. */
void config_diag_add(struct config_diags *diags, struct config_pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Where one logical CPU sits: two CPUs with the same socket and core are
 * hyperthreads (SMT siblings) of one core. */
struct config_cpu_core {
	uint32_t socket, core;
};

/* Unless cfg->smt_split is ARGON_SMT_ALLOW, reports every guest CPU that
 * shares its core with a CPU of an earlier guest, at that CPU's place in
 * the file. cores[0..ncpus) describes the machine's CPUs by index; CPU
 * numbers from ncpus up are left to the check that they exist. Returns
 * how many it reported. */
unsigned config_check_smt(const struct argon_config *cfg, const struct config_cpu_core *cores,
			  unsigned ncpus, struct config_diags *diags);

/* Parses a PCI address "SSSS:BB:DD.F" or "BB:DD.F" (hex; segment 0 when
 * left out; device 00-1f, function 0-7). 0 or -ERR_INVAL / -ERR_RANGE. */
int config_parse_pci_addr(const char *s, struct config_pci_addr *out);

/* "02:00:5e:10:00:01" (hex digits in either case): 0 and the six bytes,
 * or -ERR_INVAL. */
int config_parse_mac(const char *s, uint8_t out[6]);

/* Writes "SSSS:BB:DD.F" (13 bytes with the NUL). */
#define CONFIG_PCI_ADDR_LEN 13
void config_format_pci_addr(char *buf, size_t size, struct config_pci_addr a);

/* Formats "FILE:LINE:COL: error: MSG" like fmt_snprintf() does. */
int config_diag_format(char *buf, size_t size, const char *file, const struct config_diag *d);

#endif
