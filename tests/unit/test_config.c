#include <stdint.h>

#include "lib/bits.h"
#include "lib/config.h"
#include "lib/err.h"
#include "tests/unit/check.h"

static struct argon_config cfg;
static struct config_diags diags;

/* All diagnostics as "LINE:COL MSG" lines. */
static const char *diag_text(void)
{
	static char buf[8192];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < diags.count; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%u:%u %s\n", diags.d[i].line,
				      diags.d[i].col, diags.d[i].msg);
	return buf;
}

static int parse(const char *text)
{
	return config_parse(text, strlen(text), &cfg, &diags);
}

/* A guest that is complete, for tests that look at something else. */
#define GOOD_GUEST "[guest.ok]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [200]\n"

static void test_full_example(void)
{
	const struct argon_guest_config *g = &cfg.guests[0];

	CHECK_EQ(parse("[argon]\n"
		       "log = \"info\"                  # error | warn | info | debug\n"
		       "on_idle = \"poweroff\"          # poweroff | halt\n"
		       "\n"
		       "[guest.NAME-is-bad]\n"
		       "kernel = \"testguest.elf\"\n"
		       "memory = \"64M\"\n"
		       "cpus = [0]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "5:1 bad guest name 'NAME-is-bad' (1-31 characters of a-z 0-9 _ -)\n");

	CHECK_EQ(parse("[argon]\n"
		       "log = \"info\"                  # error | warn | info | debug\n"
		       "on_idle = \"poweroff\"          # poweroff | halt\n"
		       "\n"
		       "[guest.web]                  # NAME: 1-31 chars of [a-z0-9_-]\n"
		       "kernel = \"testguest.elf\"      # required\n"
		       "initrd = \"initrd.img\"         # optional\n"
		       "cmdline = \"console=ttyS0\"     # optional\n"
		       "memory = \"64M\"                # required\n"
		       "cpus = [0]                    # required\n"
		       "on_exit = \"stop\"              # stop | restart\n"),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(diags.dropped, 0);
	CHECK_EQ(cfg.log, ARGON_LOG_INFO);
	CHECK_EQ(cfg.on_idle, ARGON_IDLE_POWEROFF);
	CHECK_EQ(cfg.smt_split, ARGON_SMT_REFUSE);
	CHECK_EQ(cfg.nguests, 1);
	CHECK_STR(g->name, "web");
	CHECK_STR(g->kernel, "testguest.elf");
	CHECK_STR(g->initrd, "initrd.img");
	CHECK_STR(g->cmdline, "console=ttyS0");
	CHECK_EQ(g->memory, 64 * MiB);
	CHECK_EQ(g->ncpus, 1);
	CHECK_EQ(g->cpus[0], 0);
	CHECK_EQ(g->on_exit, ARGON_EXIT_STOP);
	CHECK_EQ(g->line, 5);
}

static void test_several_guests(void)
{
	const struct argon_guest_config *g;

	CHECK_EQ(parse("# argon.conf for a two-socket box\n"
		       "\n"
		       "[argon]   # global\n"
		       "log = \"debug\"\n"
		       "on_idle = \"halt\"\n"
		       "\n"
		       "# the web front end\n"
		       "[guest.web-1]\n"
		       "  kernel = \"guests/vmlinuz\"   # bzImage\n"
		       "  memory = \"1G\"\n"
		       "  cpus = [\n"
		       "    1, 2,   # socket 0\n"
		       "    0x10,   # socket 1\n"
		       "  ]\n"
		       "  on_exit = \"restart\"\n"
		       "  cmdline = \"console=ttyS0 quiet \\\"x\\\"\"\n"
		       "\n"
		       "[guest.db_2]\n"
		       "cpus = [3]\n"
		       "memory = 0x8000_0000\n"
		       "kernel = \"./db/vmlinuz\"\n"
		       "\n"
		       "[guest.c]\n"
		       "kernel = \"a..b/k\"\n"
		       "memory = 4194304\n"
		       "cpus = [1023, 254]\n"),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(cfg.log, ARGON_LOG_DEBUG);
	CHECK_EQ(cfg.on_idle, ARGON_IDLE_HALT);
	CHECK_EQ(cfg.nguests, 3);

	g = &cfg.guests[0];
	CHECK_STR(g->name, "web-1");
	CHECK_STR(g->kernel, "guests/vmlinuz");
	CHECK_STR(g->initrd, "");
	CHECK_STR(g->cmdline, "console=ttyS0 quiet \"x\"");
	CHECK_EQ(g->memory, GiB);
	CHECK_EQ(g->ncpus, 3);
	CHECK_EQ(g->cpus[0], 1);
	CHECK_EQ(g->cpus[1], 2);
	CHECK_EQ(g->cpus[2], 16);
	CHECK_EQ(g->on_exit, ARGON_EXIT_RESTART);
	CHECK_EQ(g->line, 8);

	g = &cfg.guests[1];
	CHECK_STR(g->name, "db_2");
	CHECK_STR(g->kernel, "./db/vmlinuz");
	CHECK_STR(g->cmdline, "");
	CHECK_EQ(g->memory, 2 * GiB);
	CHECK_EQ(g->ncpus, 1);
	CHECK_EQ(g->cpus[0], 3);
	CHECK_EQ(g->on_exit, ARGON_EXIT_STOP);

	g = &cfg.guests[2];
	CHECK_STR(g->kernel, "a..b/k");
	CHECK_EQ(g->memory, 4 * MiB);
	CHECK_EQ(g->ncpus, 2);
	CHECK_EQ(g->cpus[0], 1023);
	CHECK_EQ(g->cpus[1], 254);
}

static void test_defaults(void)
{
	/* No [argon] table at all; diags may be NULL. */
	CHECK_EQ(config_parse(GOOD_GUEST, strlen(GOOD_GUEST), &cfg, NULL), 0);
	CHECK_EQ(cfg.log, ARGON_LOG_INFO);
	CHECK_EQ(cfg.on_idle, ARGON_IDLE_POWEROFF);
	CHECK_EQ(cfg.nguests, 1);
	CHECK_EQ(cfg.guests[0].on_exit, ARGON_EXIT_STOP);
	CHECK_EQ(config_parse("", 0, &cfg, NULL), -ERR_INVAL);
	/* The boot path may hand over a file that could not be read. */
	CHECK_EQ(config_parse(NULL, 0, &cfg, &diags), -ERR_INVAL);
	CHECK_STR(diag_text(), "1:1 no guests defined (add a [guest.NAME] table)\n");

	CHECK_EQ(parse("[argon]\nlog = \"error\"\n" GOOD_GUEST), 0);
	CHECK_EQ(cfg.log, ARGON_LOG_ERROR);
	CHECK_EQ(parse("[argon]\nlog = \"warn\"\n" GOOD_GUEST), 0);
	CHECK_EQ(cfg.log, ARGON_LOG_WARN);
}

static void test_parse_size(void)
{
	uint64_t v = 123;

	CHECK_EQ(config_parse_size("512M", &v), 0);
	CHECK_EQ(v, 512 * MiB);
	CHECK_EQ(config_parse_size("2G", &v), 0);
	CHECK_EQ(v, 2 * GiB);
	CHECK_EQ(config_parse_size("64K", &v), 0);
	CHECK_EQ(v, 64 * KiB);
	CHECK_EQ(config_parse_size("3m", &v), 0);
	CHECK_EQ(v, 3 * MiB);
	CHECK_EQ(config_parse_size("4096", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(config_parse_size("0", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(config_parse_size("18446744073709551615", &v), 0);
	CHECK_EQ(v, UINT64_MAX);
	CHECK_EQ(config_parse_size("17179869183G", &v), 0);
	CHECK_EQ(v, 17179869183ULL * GiB);

	v = 7;
	CHECK_EQ(config_parse_size("18446744073709551616", &v), -ERR_RANGE);
	CHECK_EQ(config_parse_size("17179869184G", &v), -ERR_RANGE);
	CHECK_EQ(config_parse_size("", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("M", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("12X", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("12MB", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("1.5G", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size(" 1M", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("1M ", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("-2M", &v), -ERR_INVAL);
	CHECK_EQ(config_parse_size("99999999999999999999X", &v), -ERR_INVAL);
	CHECK_EQ(v, 7);
}

static void test_unknown(void)
{
	CHECK_EQ(parse("stray = 1\n"
		       "[argon]\n"
		       "logg = \"info\"\n"
		       "[guest.web]\n"
		       "kernel = \"k\"\n"
		       "memroy = \"64M\"\n"
		       "memory = \"64M\"\n"
		       "cpus = [0]\n"
		       "[guest]\n"
		       "kernel = \"k\"\n"
		       "[guest.a.b]\n"
		       "x = 1\n"
		       "[network]\n"
		       "y = 2\n"
		       "  [ guest . Web ]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [1]\n"
		       "[guest.abcdefghijklmnopqrstuvwxyz012345]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [2]\n"
		       "[guest.abcdefghijklmnopqrstuvwxyz01234]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [3]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "1:1 key 'stray' is outside any table (expected [argon] or [guest.NAME] first)\n"
		  "3:1 unknown key 'logg' in [argon] (expected log, on_idle, smt_split)\n"
		  "6:1 unknown key 'memroy' in [guest.web] "
		  "(expected kernel, initrd, cmdline, memory, cpus, on_exit, devices)\n"
		  "9:1 [guest] needs a name: [guest.NAME]\n"
		  "11:1 unknown table [guest.a.b] (expected [argon], [guest.NAME], [nvme.NAME] or "
		  "[sriov.NAME])\n"
		  "13:1 unknown table [network] (expected [argon], [guest.NAME], [nvme.NAME] or "
		  "[sriov.NAME])\n"
		  "15:3 bad guest name 'Web' (1-31 characters of a-z 0-9 _ -)\n"
		  "19:1 bad guest name 'abcdefghijklmnopqrstuvwx' (1-31 characters of a-z 0-9 _ "
		  "-)\n");
	/* A 31-character name is fine. */
	CHECK_EQ(cfg.nguests, 4);
	CHECK_STR(cfg.guests[3].name, "abcdefghijklmnopqrstuvwxyz01234");
}

static void test_wrong_types(void)
{
	CHECK_EQ(parse("[argon]\n"
		       "log = 3\n"
		       "on_idle = \"reboot\"\n"
		       "[guest.web]\n"
		       "kernel = 5\n"
		       "initrd = [\"a\"]\n"
		       "cmdline = true\n"
		       "memory = true\n"
		       "cpus = 0\n"
		       "on_exit = \"Stop\"\n"
		       "[guest.db]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [\"1\"]\n"
		       "[argon.x]\n"
		       "log = \"verbose\"\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "2:7 log must be a string (error, warn, info, debug)\n"
			       "3:11 bad value 'reboot' for on_idle (expected poweroff, halt)\n"
			       "5:10 kernel must be a string\n"
			       "6:10 initrd must be a string\n"
			       "7:11 cmdline must be a string\n"
			       "8:10 memory must be a size string such as \"512M\" or an integer\n"
			       "9:8 cpus must be an array of CPU numbers such as [0, 1]\n"
			       "10:11 bad value 'Stop' for on_exit (expected stop, restart)\n"
			       "14:8 cpus must be an array of CPU numbers such as [0, 1]\n"
			       "15:1 unknown table [argon.x] (expected [argon], [guest.NAME], "
			       "[nvme.NAME] or [sriov.NAME])\n");
	CHECK_EQ(cfg.log, ARGON_LOG_INFO);
}

static void test_memory(void)
{
	CHECK_EQ(parse("[guest.a]\nkernel = \"k\"\ncpus = [0]\nmemory = \"12X\"\n"
		       "[guest.b]\nkernel = \"k\"\ncpus = [1]\nmemory = \"3M\"\n"
		       "[guest.c]\nkernel = \"k\"\ncpus = [2]\nmemory = \"0\"\n"
		       "[guest.d]\nkernel = \"k\"\ncpus = [3]\nmemory = 0\n"
		       "[guest.e]\nkernel = \"k\"\ncpus = [4]\nmemory = -2097152\n"
		       "[guest.f]\nkernel = \"k\"\ncpus = [5]\nmemory = 3145728\n"
		       "[guest.g]\nkernel = \"k\"\ncpus = [6]\nmemory = \"99999999999999999999G\"\n"
		       "[guest.h]\nkernel = \"k\"\ncpus = [7]\nmemory = \"1024K\"\n"
		       "[guest.i]\nkernel = \"k\"\ncpus = [8]\nmemory = "
		       "\"12345678901234567890123456M\"\n"
		       "[guest.j]\nkernel = \"k\"\ncpus = [9]\nmemory = \"\"\n"
		       "[guest.k]\nkernel = \"k\"\ncpus = [10]\nmemory = 64M\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "4:10 bad memory size '12X' (expected bytes or a number with K, M "
			       "or G, e.g. \"512M\")\n"
			       "8:10 memory 3M is not a multiple of 2M\n"
			       "12:10 memory 0 is too small (at least 2M)\n"
			       "16:10 memory 0 is too small (at least 2M)\n"
			       "20:10 bad memory size -2097152 (must not be negative)\n"
			       "24:10 memory 3145728 is not a multiple of 2M\n"
			       "28:10 memory size '99999999999999999999G' is out of range\n"
			       "32:10 memory 1024K is too small (at least 2M)\n"
			       "36:10 bad memory size '123456789012345678901234' "
			       "(expected bytes or a number with K, M or G, e.g. \"512M\")\n"
			       "40:10 bad memory size '' (expected bytes or a number with K, M or "
			       "G, e.g. \"512M\")\n"
			       "44:10 invalid integer '64M'\n");

	CHECK_EQ(parse("[guest.a]\nkernel = \"k\"\ncpus = [0]\nmemory = \"2048K\"\n"), 0);
	CHECK_EQ(cfg.guests[0].memory, 2 * MiB);
	CHECK_EQ(parse("[guest.a]\nkernel = \"k\"\ncpus = [0]\nmemory = \"16g\"\n"), 0);
	CHECK_EQ(cfg.guests[0].memory, 16 * GiB);
}

static void test_paths(void)
{
	static char text[4096];
	char long_path[CONFIG_PATH_MAX + 1];

	CHECK_EQ(parse("[guest.a]\nmemory = \"2M\"\ncpus = [0]\nkernel = \"/boot/k\"\n"
		       "[guest.b]\nmemory = \"2M\"\ncpus = [1]\nkernel = \"../k\"\n"
		       "[guest.c]\nmemory = \"2M\"\ncpus = [2]\nkernel = \"a/../../k\"\n"
		       "[guest.d]\nmemory = \"2M\"\ncpus = [3]\nkernel = \"a/..\"\n"
		       "[guest.e]\nmemory = \"2M\"\ncpus = [4]\nkernel = \"\"\n"
		       "[guest.f]\nmemory = \"2M\"\ncpus = [5]\nkernel = \"efi\\\\k\"\n"
		       "[guest.g]\nmemory = \"2M\"\ncpus = [6]\nkernel = \"k\\n\"\n"
		       "[guest.h]\nmemory = \"2M\"\ncpus = [7]\nkernel = \"k\"\ninitrd = \"/i\"\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "4:10 kernel path must be relative to argon.conf (no leading '/')\n"
		  "8:10 kernel path must not contain '..'\n"
		  "12:10 kernel path must not contain '..'\n"
		  "16:10 kernel path must not contain '..'\n"
		  "20:10 kernel path is empty\n"
		  "24:10 kernel path must use '/' as separator, not '\\'\n"
		  "28:10 kernel path contains a control character\n"
		  "33:10 initrd path must be relative to argon.conf (no leading '/')\n");

	/* 255 bytes fit, 256 do not. */
	memset(long_path, 'p', sizeof(long_path));
	long_path[CONFIG_PATH_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "[guest.a]\nmemory = \"2M\"\ncpus = [0]\nkernel = \"%s\"\n",
		 long_path);
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(strlen(cfg.guests[0].kernel), CONFIG_PATH_MAX - 1);
	long_path[CONFIG_PATH_MAX - 1] = 'p';
	long_path[CONFIG_PATH_MAX] = '\0';
	snprintf(text, sizeof(text), "[guest.a]\nmemory = \"2M\"\ncpus = [0]\nkernel = \"%s\"\n",
		 long_path);
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_STR(diag_text(), "4:10 kernel path is too long (256 bytes, max 255)\n");
}

static void test_cmdline_length(void)
{
	static char text[4096];
	char line[CONFIG_CMDLINE_MAX + 1];

	memset(line, 'c', sizeof(line));
	line[CONFIG_CMDLINE_MAX - 1] = '\0';
	snprintf(text, sizeof(text), GOOD_GUEST "cmdline = \"%s\"\n", line);
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(strlen(cfg.guests[0].cmdline), CONFIG_CMDLINE_MAX - 1);

	line[CONFIG_CMDLINE_MAX - 1] = 'c';
	line[CONFIG_CMDLINE_MAX] = '\0';
	snprintf(text, sizeof(text), GOOD_GUEST "cmdline = \"%s\"\n", line);
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_STR(diag_text(), "5:11 cmdline is too long (1024 bytes, max 1023)\n");
}

static void test_cpus(void)
{
	CHECK_EQ(parse("[guest.web]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0, 1, 2]\n"
		       "[guest.db]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [3,\n"
		       "        1,   # taken by web\n"
		       "        3, 1024, -1]\n"
		       "[guest.e]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = []\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "9:9 CPU 1 is already used by guest 'web'\n"
			       "10:9 CPU 3 is listed twice\n"
			       "10:12 CPU 1024 is out of range (0-1023)\n"
			       "10:18 CPU -1 is out of range (0-1023)\n"
			       "14:8 cpus is empty (list at least one CPU)\n");
	CHECK_EQ(cfg.guests[1].ncpus, 1);
}

static void test_too_many_cpus(void)
{
	static char text[4096];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
			     "[guest.big]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [");
	for (int i = 0; i <= ARGON_MAX_GUEST_CPUS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%d,\n", i);
	snprintf(text + n, sizeof(text) - n, "]\n");
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_STR(diag_text(), "68:1 too many CPUs for one guest (max 64)\n");
	CHECK_EQ(cfg.guests[0].ncpus, ARGON_MAX_GUEST_CPUS);
}

static void test_duplicates(void)
{
	CHECK_EQ(parse("[argon]\n"
		       "log = \"info\"\n"
		       "log = \"debug\"\n"
		       "[guest.web]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "kernel = \"k2\"\n"
		       "[guest.web]\n"
		       "kernel = \"k\"\n"
		       "[argon]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "3:1 duplicate key 'log' in [argon] (first at line 2)\n"
			       "8:1 duplicate key 'kernel' in [guest.web] (first at line 5)\n"
			       "9:1 duplicate table [guest.web] (first at line 4)\n"
			       "11:1 duplicate table [argon] (first at line 1)\n");
	CHECK_EQ(cfg.log, ARGON_LOG_INFO);
	CHECK_STR(cfg.guests[0].kernel, "k");
	CHECK_EQ(cfg.nguests, 1);
}

static void test_missing_keys(void)
{
	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "\n"
		       "[guest.b]\n"
		       "memory = \"2M\"\n"
		       "[guest.c]\n"
		       "cpus = [1]\n"
		       "[guest.d]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "1:1 missing key 'memory' in [guest.a]\n"
			       "1:1 missing key 'cpus' in [guest.a]\n"
			       "4:1 missing key 'kernel' in [guest.b]\n"
			       "4:1 missing key 'cpus' in [guest.b]\n"
			       "6:1 missing key 'kernel' in [guest.c]\n"
			       "6:1 missing key 'memory' in [guest.c]\n"
			       "8:1 missing key 'kernel' in [guest.d]\n"
			       "8:1 missing key 'memory' in [guest.d]\n"
			       "8:1 missing key 'cpus' in [guest.d]\n");

	/* A key with a bad value is there: only the value is reported. */
	CHECK_EQ(parse("[guest.a]\nkernel = 1\nmemory = \"1M\"\ncpus = []\n"), -ERR_INVAL);
	CHECK_STR(diag_text(), "2:10 kernel must be a string\n"
			       "3:10 memory 1M is too small (at least 2M)\n"
			       "4:8 cpus is empty (list at least one CPU)\n");

	/* A line that does not parse may hold the key: no guessing. */
	CHECK_EQ(parse("[guest.a]\nkernel = \"k\nmemory = \"2M\"\n"), -ERR_INVAL);
	CHECK_STR(diag_text(), "2:10 unterminated string\n");

	/* A broken header ends the table before it, which is then checked. */
	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "[guest.b\n"
		       "memory = \"2M\"\n"
		       "[guest.c]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [1]\n"
		       "[guest.c]\n"
		       "[guest.d]\n"
		       "cpus = [2]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "1:1 missing key 'memory' in [guest.a]\n"
			       "1:1 missing key 'cpus' in [guest.a]\n"
			       "3:9 expected '.' or ']' in table header, found end of line\n"
			       "9:1 duplicate table [guest.c] (first at line 5)\n"
			       "10:1 missing key 'kernel' in [guest.d]\n"
			       "10:1 missing key 'memory' in [guest.d]\n");
}

static void test_no_guests(void)
{
	CHECK_EQ(parse(""), -ERR_INVAL);
	CHECK_STR(diag_text(), "1:1 no guests defined (add a [guest.NAME] table)\n");
	CHECK_EQ(parse("# nothing\n[argon]\nlog = \"info\"\n"), -ERR_INVAL);
	CHECK_STR(diag_text(), "1:1 no guests defined (add a [guest.NAME] table)\n");
	/* A guest header that does not parse is reported as such only. */
	CHECK_EQ(parse("[argon]\n[guest.web\nkernel = \"k\"\n"), -ERR_INVAL);
	CHECK_STR(diag_text(), "2:11 expected '.' or ']' in table header, found end of line\n");
}

static void test_too_many_guests(void)
{
	static char text[8192];
	size_t n = 0;

	for (int i = 0; i <= ARGON_MAX_GUESTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[guest.g%d]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [%d]\n",
				      i, i);
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_STR(diag_text(), "65:1 too many guests (max 16)\n");
	CHECK_EQ(cfg.nguests, ARGON_MAX_GUESTS);
}

/* One file with many kinds of mistakes: all of them, in file order. */
static void test_many_errors(void)
{
	CHECK_EQ(parse("[argon]\n"
		       "log = \"loud\"\n"
		       "on_idle = halt\n"
		       "\n"
		       "[guest.web]\n"
		       "kernel = \"web.elf\"\n"
		       "memroy = \"64M\"\n"
		       "cpus = [0, 1]\n"
		       "\n"
		       "[guest.db]\n"
		       "kernel = \"/db.elf\"\n"
		       "memory = \"3M\"\n"
		       "cpus = [1]\n"
		       "on_exit = \"stop\" # ok\n"
		       "\n"
		       "[guest.web]\n"
		       "[disks]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "2:7 bad value 'loud' for log (expected error, warn, info, debug)\n"
		  "3:11 expected a value, found 'halt' (strings need double quotes)\n"
		  "5:1 missing key 'memory' in [guest.web]\n"
		  "7:1 unknown key 'memroy' in [guest.web] "
		  "(expected kernel, initrd, cmdline, memory, cpus, on_exit, devices)\n"
		  "11:10 kernel path must be relative to argon.conf (no leading '/')\n"
		  "12:10 memory 3M is not a multiple of 2M\n"
		  "13:9 CPU 1 is already used by guest 'web'\n"
		  "16:1 duplicate table [guest.web] (first at line 5)\n"
		  "17:1 unknown table [disks] (expected [argon], [guest.NAME], [nvme.NAME] or "
		  "[sriov.NAME])\n");
	CHECK_EQ(diags.dropped, 0);
}

static void test_diag_overflow(void)
{
	static char text[8192];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), GOOD_GUEST);
	for (int i = 0; i < CONFIG_MAX_DIAGS + 5; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "bad%d = 1\n", i);
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_EQ(diags.count, CONFIG_MAX_DIAGS);
	CHECK_EQ(diags.dropped, 5);
	CHECK_EQ(diags.d[0].line, 5);
	CHECK_EQ(diags.d[CONFIG_MAX_DIAGS - 1].line, 5 + CONFIG_MAX_DIAGS - 1);
}

static void test_format(void)
{
	char buf[160];
	char small[16];

	CHECK_EQ(parse("[guest.web]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [0]\nmemroy = 1\n"),
		 -ERR_INVAL);
	CHECK_EQ(diags.count, 1);
	config_diag_format(buf, sizeof(buf), "argon.conf", &diags.d[0]);
	CHECK_STR(buf, "argon.conf:5:1: error: unknown key 'memroy' in [guest.web] "
		       "(expected kernel, initrd, cmdline, memory, cpus, on_exit, devices)");
	CHECK_EQ(config_diag_format(small, sizeof(small), "argon.conf", &diags.d[0]), strlen(buf));
	CHECK_STR(small, "argon.conf:5:1:");
}

static void test_smt_split_key(void)
{
	CHECK_EQ(parse("[argon]\nsmt_split = \"allow\"\n" GOOD_GUEST), 0);
	CHECK_EQ(cfg.smt_split, ARGON_SMT_ALLOW);
	CHECK_EQ(parse("[argon]\nsmt_split = \"refuse\"\n" GOOD_GUEST), 0);
	CHECK_EQ(cfg.smt_split, ARGON_SMT_REFUSE);
	CHECK_EQ(parse("[argon]\nsmt_split = \"yes\"\n" GOOD_GUEST), -ERR_INVAL);
	CHECK_STR(diag_text(), "2:13 bad value 'yes' for smt_split (expected refuse, allow)\n");
	CHECK_EQ(parse("[argon]\nsmt_split = true\n" GOOD_GUEST), -ERR_INVAL);
	CHECK_STR(diag_text(), "2:13 smt_split must be a string (refuse, allow)\n");
	/* It is a setting of argon, not of one guest. */
	CHECK_EQ(parse(GOOD_GUEST "smt_split = \"allow\"\n"), -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "5:1 unknown key 'smt_split' in [guest.ok] "
		  "(expected kernel, initrd, cmdline, memory, cpus, on_exit, devices)\n");
}

/* 2 sockets x 2 cores x 2 threads, numbered socket, core, thread. */
static const struct config_cpu_core smt_machine[8] = {
	{0, 0}, {0, 0}, {0, 1}, {0, 1}, {1, 0}, {1, 0}, {1, 1}, {1, 1},
};

static unsigned check_smt(const char *text)
{
	CHECK_EQ(parse(text), 0);
	return config_check_smt(&cfg, smt_machine, ARRAY_SIZE(smt_machine), &diags);
}

static void test_smt_check(void)
{
	/* Siblings in one guest, or one guest per core: fine. Cores 0.0 and
	 * 1.0 have the same core number in different sockets. */
	CHECK_EQ(check_smt("[guest.a]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [0, 1]\n"
			   "[guest.b]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [2, 4]\n"),
		 0);
	CHECK_STR(diag_text(), "");
	/* b's CPU 3 is 2's sibling, c's 7 is 6's; c's 5 is nobody's. */
	CHECK_EQ(check_smt("[guest.a]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [2]\n"
			   "[guest.b]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [6, 3]\n"
			   "[guest.c]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [5, 7]\n"),
		 2);
	CHECK_STR(diag_text(), "8:12 CPU 3 shares core 0.1 with CPU 2 of guest 'a' "
			       "(set smt_split = \"allow\" to permit)\n"
			       "12:12 CPU 7 shares core 1.1 with CPU 6 of guest 'b' "
			       "(set smt_split = \"allow\" to permit)\n");
	/* Knowingly allowed. */
	CHECK_EQ(check_smt("[argon]\nsmt_split = \"allow\"\n"
			   "[guest.a]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [2]\n"
			   "[guest.b]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [3]\n"),
		 0);
	CHECK_STR(diag_text(), "");
	/* CPUs the machine lacks are the existence check's to report. */
	CHECK_EQ(check_smt("[guest.a]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [8]\n"
			   "[guest.b]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [9, 0]\n"),
		 0);
	CHECK_STR(diag_text(), "");
	/* The longest message still fits whole. */
	CHECK_EQ(check_smt("[guest.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nkernel = \"k\"\nmemory = "
			   "\"2M\"\ncpus = [0]\n"
			   "[guest.b]\nkernel = \"k\"\nmemory = \"2M\"\ncpus = [1]\n"),
		 1);
	CHECK_STR(diag_text(), "8:9 CPU 1 shares core 0.0 with CPU 0 of guest "
			       "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' (set smt_split = \"allow\" to "
			       "permit)\n");
}

static void test_devices(void)
{
	const struct argon_guest_config *a = &cfg.guests[0], *b = &cfg.guests[1];

	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"0000:00:06.0\", \"00:07.0\",\n"
		       "           \"0001:ff:1f.7\", \"Ab:1E.3\"]\n"
		       "[guest.b]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [1]\n"
		       "devices = []\n"),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(a->ndevices, 4);
	CHECK_EQ(a->devices[0].seg, 0);
	CHECK_EQ(a->devices[0].rid, 0x0030);
	CHECK_EQ(a->devices[1].seg, 0);
	CHECK_EQ(a->devices[1].rid, 0x0038);
	CHECK_EQ(a->devices[2].seg, 1);
	CHECK_EQ(a->devices[2].rid, 0xffff);
	CHECK_EQ(a->devices[3].rid, 0xab00 | 0x1e << 3 | 3);
	CHECK_EQ(a->devices_at[0].line, 5);
	CHECK_EQ(a->devices_at[0].col, 12);
	CHECK_EQ(a->devices_at[1].col, 28);
	CHECK_EQ(a->devices_at[2].line, 6);
	CHECK_EQ(a->devices_at[2].col, 12);
	CHECK_EQ(b->ndevices, 0);

	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"00:06.0\", \"0:6.0\", \"00:20.0\", \"00:06.8\", \"06.0\",\n"
		       "  \"00000:00:06.0\", \"000:00:06.0x\", \"00:06\", \"\", \"g0:00.0\"]\n"
		       "[guest.b]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [1]\n"
		       "devices = [\"0000:00:07.0\", \"0000:00:06.0\"]\n"
		       "[guest.c]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [2]\n"
		       "devices = \"00:08.0\"\n"
		       "[guest.d]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [3]\n"
		       "devices = [8]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "5:23 PCI function 0000:00:06.0 is listed twice\n"
		  "5:32 PCI address '00:20.0' is out of range (device 00-1f, function 0-7)\n"
		  "5:43 PCI address '00:06.8' is out of range (device 00-1f, function 0-7)\n"
		  "5:54 bad PCI address '06.0' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "6:3 bad PCI address '00000:00:06.0' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "6:20 bad PCI address '000:00:06.0x' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "6:36 bad PCI address '00:06' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "6:45 bad PCI address '' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "6:49 bad PCI address 'g0:00.0' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "11:28 PCI function 0000:00:06.0 is already assigned to guest 'a'\n"
		  "16:11 devices must be an array of PCI addresses such as [\"0000:03:00.0\"]\n"
		  "21:11 devices must be an array of PCI addresses such as [\"0000:03:00.0\"]\n");
	CHECK_EQ(a->ndevices, 1);
	CHECK_EQ(b->ndevices, 1);
	CHECK_EQ(b->devices[0].rid, 0x0038);
}

static void test_too_many_devices(void)
{
	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"01:00.0\", \"01:00.1\", \"01:00.2\", \"01:00.3\", "
		       "\"01:00.4\", \"01:00.5\", \"01:00.6\", \"01:00.7\", \"02:00.0\"]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "5:100 too many PCI functions for one guest (max 8)\n");
	CHECK_EQ(cfg.guests[0].ndevices, 8);
}

static void test_pci_addr_format(void)
{
	struct config_pci_addr a = {0x12, 0x0abf};
	char buf[CONFIG_PCI_ADDR_LEN];

	config_format_pci_addr(buf, sizeof(buf), a);
	CHECK_STR(buf, "0012:0a:17.7");
	CHECK_EQ(config_parse_pci_addr(buf, &a), 0);
	CHECK_EQ(a.seg, 0x12);
	CHECK_EQ(a.rid, 0x0abf);
	CHECK_EQ(config_parse_pci_addr("ffff:ff:1f.7", &a), 0);
	CHECK_EQ(a.seg, 0xffff);
	CHECK_EQ(config_parse_pci_addr("0:0:0.0", &a), 0);
	CHECK_EQ(a.rid, 0);
	CHECK_EQ(config_parse_pci_addr("00:00.0 ", &a), -ERR_INVAL);
	CHECK_EQ(config_parse_pci_addr(" 00:00.0", &a), -ERR_INVAL);
	CHECK_EQ(config_parse_pci_addr("00:00:00:00.0", &a), -ERR_INVAL);
}

static void test_nvme(void)
{
	const struct argon_nvme_config *n = &cfg.nvme[0];

	CHECK_EQ(parse("[nvme.disk0]\n"
		       "pf = \"0000:00:03.0\"\n"
		       "vfs = 2\n"
		       "queues_per_vf = 4             # flexible VQ resources, admin queue "
		       "included\n"
		       "vectors_per_vf = 2            # flexible VI resources\n"
		       "namespaces = [1, 2]           # namespace id for VF 1, VF 2\n"
		       "\n"
		       "[nvme.b]\n"
		       "pf = \"41:00.0\"\n"
		       "vfs = 1\n"
		       "namespaces = [0xfffffffe]\n" GOOD_GUEST),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(cfg.nnvme, 2);
	CHECK_STR(n->name, "disk0");
	CHECK_EQ(n->line, 1);
	CHECK_EQ(n->pf.seg, 0);
	CHECK_EQ(n->pf.rid, 0x0018);
	CHECK_EQ(n->pf_at.line, 2);
	CHECK_EQ(n->pf_at.col, 6);
	CHECK_EQ(n->vfs, 2);
	CHECK_EQ(n->queues_per_vf, 4);
	CHECK_EQ(n->vectors_per_vf, 2);
	CHECK_EQ(n->nnamespaces, 2);
	CHECK_EQ(n->namespaces[0], 1);
	CHECK_EQ(n->namespaces[1], 2);
	CHECK_EQ(n->namespaces_at[1].line, 6);
	CHECK_EQ(n->namespaces_at[1].col, 18);
	/* Defaults: the least a VF can work with. */
	CHECK_STR(cfg.nvme[1].name, "b");
	CHECK_EQ(cfg.nvme[1].pf.rid, 0x4100);
	CHECK_EQ(cfg.nvme[1].queues_per_vf, 2);
	CHECK_EQ(cfg.nvme[1].vectors_per_vf, 1);
	CHECK_EQ(cfg.nvme[1].namespaces[0], 0xfffffffeu);
	CHECK_EQ(cfg.nguests, 1);
}

static void test_nvme_errors(void)
{
	CHECK_EQ(parse("[nvme]\n"
		       "pf = \"00:03.0\"\n"
		       "[nvme.Disk]\n"
		       "pf = \"00:03.0\"\n"
		       "vfs = 0\n"
		       "queues_per_vf = 1\n"
		       "vectors_per_vf = 2049\n"
		       "namespaces = [1, 0, 1, 4294967295]\n"
		       "[nvme.c]\n"
		       "pf = \"00:03.0\"\n"
		       "vfs = \"2\"\n"
		       "namespaces = 1\n"
		       "[nvme.d]\n"
		       "pf = 3\n"
		       "vfs = 65\n"
		       "queues_per_vf = 65536\n"
		       "vectors_per_vf = 0\n"
		       "namespaces = []\n"
		       "[nvme.e]\n"
		       "pf = \"00:20.0\"\n"
		       "vfs = 2\n"
		       "namespaces = [\"1\"]\n"
		       "name = \"x\"\n"
		       "[nvme.f]\n"
		       "vfs = 2\n"
		       "[nvme.g]\n"
		       "pf = \"03:00\"\n"
		       "vfs = 2\n"
		       "namespaces = [1]\n"
		       "[nvme.g.h]\n" GOOD_GUEST),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "1:1 [nvme] needs a name: [nvme.NAME]\n"
		  "3:1 bad nvme name 'Disk' (1-31 characters of a-z 0-9 _ -)\n"
		  "5:7 vfs 0 is out of range (1-64)\n"
		  "6:17 queues_per_vf 1 is out of range (2-65535)\n"
		  "7:18 vectors_per_vf 2049 is out of range (1-2048)\n"
		  "8:18 namespace id 0 is out of range (1-4294967294)\n"
		  "8:21 namespace 1 is listed twice\n"
		  "8:24 namespace id 4294967295 is out of range (1-4294967294)\n"
		  "10:6 PF 0000:00:03.0 is already managed by [nvme.Disk]\n"
		  "11:7 vfs must be an integer (1-64)\n"
		  "12:14 namespaces must be an array of namespace ids such as [1, 2]\n"
		  "14:6 pf must be a PCI address such as \"0000:03:00.0\"\n"
		  "15:7 vfs 65 is out of range (1-64)\n"
		  "16:17 queues_per_vf 65536 is out of range (2-65535)\n"
		  "17:18 vectors_per_vf 0 is out of range (1-2048)\n"
		  "18:14 namespaces is empty (one namespace id per VF)\n"
		  "20:6 PCI address '00:20.0' is out of range (device 00-1f, function 0-7)\n"
		  "22:14 namespaces must be an array of namespace ids such as [1, 2]\n"
		  "23:1 unknown key 'name' in [nvme.e] (expected pf, vfs, queues_per_vf, "
		  "vectors_per_vf, namespaces)\n"
		  "24:1 missing key 'pf' in [nvme.f]\n"
		  "24:1 missing key 'namespaces' in [nvme.f]\n"
		  "27:6 bad PCI address '03:00' (expected SSSS:BB:DD.F or BB:DD.F in hex)\n"
		  "29:15 namespaces lists 1 namespace for 2 VFs (one per VF)\n"
		  "30:1 unknown table [nvme.g.h] (expected [argon], [guest.NAME], [nvme.NAME] or "
		  "[sriov.NAME])\n");
}

static void test_nvme_pf_given_to_guest(void)
{
	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"00:02.0\", \"0000:00:03.0\"]\n"
		       "[nvme.disk0]\n"
		       "pf = \"00:03.0\"\n"
		       "vfs = 1\n"
		       "namespaces = [3]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "5:23 PCI function 0000:00:03.0 is the PF of [nvme.disk0]: give "
			       "guests its VFs, not the PF\n");
}

static void test_too_many_nvme(void)
{
	char text[2048];
	size_t n = 0;

	for (unsigned i = 0; i < ARGON_MAX_NVME + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[nvme.n%u]\npf = \"%02x:00.0\"\nvfs = 1\nnamespaces = [1]\n",
				      i, i + 1);
	snprintf(text + n, sizeof(text) - n, GOOD_GUEST);
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_STR(diag_text(), "33:1 too many [nvme.NAME] tables (max 8)\n");
	CHECK_EQ(cfg.nnvme, ARGON_MAX_NVME);
}

static void test_nvme_vf_devices(void)
{
	const struct argon_guest_config *a = &cfg.guests[0], *b = &cfg.guests[1];

	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"0000:00:03.0/vf1\", \"00:06.0\"]\n"
		       "[guest.b]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [1]\n"
		       "devices = [\"00:03.0/vf2\"]\n"
		       "[nvme.disk0]\n"
		       "pf = \"0000:00:03.0\"\n"
		       "vfs = 2\n"
		       "namespaces = [1, 2]\n"),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(a->ndev_vfs, 1);
	CHECK_EQ(a->dev_vfs[0].pf.rid, 0x0018);
	CHECK_EQ(a->dev_vfs[0].vf, 1);
	CHECK_EQ(a->dev_vfs_at[0].line, 5);
	CHECK_EQ(a->dev_vfs_at[0].col, 12);
	CHECK_EQ(a->ndevices, 1); /* the whole function only */
	CHECK_EQ(a->devices[0].rid, 0x0030);
	CHECK_EQ(b->ndev_vfs, 1);
	CHECK_EQ(b->dev_vfs[0].vf, 2);

	CHECK_EQ(parse("[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"00:03.0/vf1\", \"00:03.0/vf1\", \"00:03.0/vf3\", "
		       "\"00:05.0/vf1\",\n"
		       "  \"00:03.0/vf0\", \"00:03.0/vf65\", \"00:03.0/1\", \"00:03.0/vf1x\", "
		       "\"/vf1\"]\n"
		       "[guest.b]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [1]\n"
		       "devices = [\"0000:00:03.0/vf1\"]\n"
		       "[nvme.disk0]\n"
		       "pf = \"0000:00:03.0\"\n"
		       "vfs = 2\n"
		       "namespaces = [1, 2]\n"),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "5:27 VF 0000:00:03.0/vf1 is listed twice\n"
		  "5:42 VF 0000:00:03.0/vf3 is not created ([nvme.disk0] has vfs = 2)\n"
		  "5:57 VF 0000:00:05.0/vf1: no [nvme.NAME] or [sriov.NAME] table creates VFs of "
		  "0000:00:05.0\n"
		  "6:3 bad VF '00:03.0/vf0' (expected SSSS:BB:DD.F/vfN, N from 1)\n"
		  "6:18 VF number in '00:03.0/vf65' is out of range (1-64)\n"
		  "6:34 bad VF '00:03.0/1' (expected SSSS:BB:DD.F/vfN, N from 1)\n"
		  "6:47 bad VF '00:03.0/vf1x' (expected SSSS:BB:DD.F/vfN, N from 1)\n"
		  "6:63 bad VF '/vf1' (expected SSSS:BB:DD.F/vfN, N from 1)\n"
		  "11:12 VF 0000:00:03.0/vf1 is already assigned to guest 'a'\n");
}

static void test_sriov(void)
{
	const struct argon_sriov_config *s = &cfg.sriov[0];

	CHECK_EQ(parse("[sriov.nic0]\n"
		       "pf = \"0000:00:05.0\"\n"
		       "vfs = 2\n"
		       "[guest.a]\n"
		       "kernel = \"k\"\n"
		       "memory = \"2M\"\n"
		       "cpus = [0]\n"
		       "devices = [\"0000:00:05.0/vf2\"]\n"
		       "[nvme.disk0]\n"
		       "pf = \"00:03.0\"\n"
		       "vfs = 1\n"
		       "namespaces = [1]\n"),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(cfg.nsriov, 1);
	CHECK_STR(s->name, "nic0");
	CHECK_EQ(s->pf.seg, 0);
	CHECK_EQ(s->pf.rid, 0x0028);
	CHECK_EQ(s->vfs, 2);
	CHECK_EQ(s->line, 1);
	CHECK_EQ(s->pf_at.line, 2);
	CHECK_EQ(s->pf_at.col, 6);
	CHECK_EQ(s->vfs_at.line, 3);
	CHECK_EQ(s->vfs_at.col, 7);
	CHECK_EQ(cfg.guests[0].ndev_vfs, 1);
	CHECK_EQ(cfg.guests[0].dev_vfs[0].vf, 2);
}

static void test_sriov_errors(void)
{
	CHECK_EQ(
		parse("[sriov]\n"
		      "[sriov.Nic]\n"
		      "pf = \"00:05.0\"\n"
		      "vfs = 1\n"
		      "[sriov.b]\n"
		      "pf = \"00:05.0\"\n"
		      "vfs = 65\n"
		      "mac = 1\n"
		      "[nvme.d]\n"
		      "pf = \"0000:00:05.0\"\n"
		      "vfs = 1\n"
		      "namespaces = [1]\n"
		      "[sriov.c]\n"
		      "pf = \"00:03.0\"\n"
		      "[sriov.e]\n"
		      "vfs = 0\n"
		      "[guest.a]\n"
		      "kernel = \"k\"\n"
		      "memory = \"2M\"\n"
		      "cpus = [0]\n"
		      "devices = [\"00:05.0\", \"00:05.0/vf1\", \"00:05.0/vf2\", \"00:03.0/vf1\"]\n"
		      "[guest.b]\n"
		      "kernel = \"k\"\n"
		      "memory = \"2M\"\n"
		      "cpus = [1]\n"
		      "devices = [\"00:05.0/vf1\"]\n"),
		-ERR_INVAL);
	CHECK_STR(diag_text(),
		  "1:1 [sriov] needs a name: [sriov.NAME]\n"
		  "2:1 bad sriov name 'Nic' (1-31 characters of a-z 0-9 _ -)\n"
		  "6:6 PF 0000:00:05.0 is already managed by [sriov.Nic]\n"
		  "7:7 vfs 65 is out of range (1-64)\n"
		  "8:1 unknown key 'mac' in [sriov.b] (expected pf, vfs, macs)\n"
		  "10:6 PF 0000:00:05.0 is already managed by [sriov.Nic]\n"
		  "13:1 missing key 'vfs' in [sriov.c]\n"
		  "15:1 missing key 'pf' in [sriov.e]\n"
		  "16:7 vfs 0 is out of range (1-64)\n"
		  "21:12 PCI function 0000:00:05.0 is the PF of [sriov.Nic]: give guests its VFs, "
		  "not the PF\n"
		  "21:38 VF 0000:00:05.0/vf2 is not created ([sriov.Nic] has vfs = 1)\n"
		  "26:12 VF 0000:00:05.0/vf1 is already assigned to guest 'a'\n");
}

static void test_sriov_macs(void)
{
	const struct argon_sriov_config *s = &cfg.sriov[0];

	CHECK_EQ(parse("[sriov.nic0]\n"
		       "pf = \"00:05.0\"\n"
		       "vfs = 2\n"
		       "macs = [\"02:aa:00:00:00:01\", \"02:AA:00:00:00:FE\"]\n" GOOD_GUEST),
		 0);
	CHECK_STR(diag_text(), "");
	CHECK_EQ(s->nmacs, 2);
	CHECK_EQ(s->macs[0][1], 0xaa);
	CHECK_EQ(s->macs[1][5], 0xfe);
	CHECK_EQ(s->macs_at[1].line, 4);
	CHECK_EQ(s->macs_at[1].col, 30);

	CHECK_EQ(parse("[sriov.a]\n"
		       "pf = \"00:05.0\"\n"
		       "vfs = 3\n"
		       "macs = [\"02:00:00:00:00:01\", \"03:00:00:00:00:02\", "
		       "\"00:00:00:00:00:00\",\n"
		       "  \"02:00:00:00:00:01\", \"02-00-00-00-00-03\", \"02:00:00:00:00\"]\n"
		       "[sriov.b]\n"
		       "pf = \"00:06.0\"\n"
		       "vfs = 2\n"
		       "macs = [\"02:00:00:00:00:01\"]\n"
		       "[sriov.c]\n"
		       "pf = \"00:07.0\"\n"
		       "vfs = 1\n"
		       "macs = [1]\n"
		       "[sriov.d]\n"
		       "pf = \"00:08.0\"\n"
		       "vfs = 1\n"
		       "macs = []\n" GOOD_GUEST),
		 -ERR_INVAL);
	CHECK_STR(diag_text(),
		  "4:30 MAC address 03:00:00:00:00:02 is multicast, not a unicast address\n"
		  "4:51 MAC address 00:00:00:00:00:00 is zero, not a unicast address\n"
		  "5:3 MAC address 02:00:00:00:00:01 is already given in [sriov.a]\n"
		  "5:24 bad MAC address '02-00-00-00-00-03' (expected six hex bytes such as "
		  "02:00:00:00:00:01)\n"
		  "5:45 bad MAC address '02:00:00:00:00' (expected six hex bytes such as "
		  "02:00:00:00:00:01)\n"
		  "9:9 MAC address 02:00:00:00:00:01 is already given in [sriov.a]\n"
		  "13:8 macs must be an array of MAC addresses such as [\"02:00:00:00:00:01\"]\n"
		  "17:8 macs is empty (one MAC address per VF)\n");

	CHECK_EQ(parse("[sriov.a]\n"
		       "pf = \"00:05.0\"\n"
		       "vfs = 3\n"
		       "macs = [\"02:00:00:00:00:01\"]\n" GOOD_GUEST),
		 -ERR_INVAL);
	CHECK_STR(diag_text(), "4:9 macs lists 1 address for 3 VFs (one per VF)\n");
}

static void test_too_many_sriov(void)
{
	char text[2048];
	size_t n = 0;

	for (unsigned i = 0; i < ARGON_MAX_SRIOV + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[sriov.s%u]\npf = \"%02x:00.0\"\nvfs = 1\n", i, i + 1);
	snprintf(text + n, sizeof(text) - n, GOOD_GUEST);
	CHECK_EQ(parse(text), -ERR_INVAL);
	CHECK_STR(diag_text(), "25:1 too many [sriov.NAME] tables (max 8)\n");
	CHECK_EQ(cfg.nsriov, ARGON_MAX_SRIOV);
}

CHECK_MAIN(test_full_example, test_several_guests, test_defaults, test_parse_size, test_unknown,
	   test_wrong_types, test_memory, test_paths, test_cmdline_length, test_cpus,
	   test_too_many_cpus, test_duplicates, test_missing_keys, test_no_guests,
	   test_too_many_guests, test_many_errors, test_diag_overflow, test_format,
	   test_smt_split_key, test_smt_check, test_devices, test_too_many_devices,
	   test_pci_addr_format, test_nvme, test_nvme_errors, test_nvme_pf_given_to_guest,
	   test_too_many_nvme, test_nvme_vf_devices, test_sriov, test_sriov_errors, test_sriov_macs,
	   test_too_many_sriov)
