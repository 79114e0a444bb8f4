/*
 * lxc-rs glue: the few things the generated trampolines cannot be.
 *
 * Everything that reads a field of a liblxc struct lives here, compiled against the installed
 * headers, so Rust never carries a copy of a C layout. Symbols use the prefix `lxcrs_glue_`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>
#include <lxc/version.h>

#ifdef LXCRS_DLOPEN
#include <dlfcn.h>
#include <pthread.h>

/*
 * The `dlopen` feature: liblxc is not linked but loaded when first needed, from $LXC_RS_LIBLXC when
 * set, else "liblxc.so.1" (the soname of every liblxc since 1.0). Only the free functions are symbols;
 * members are function pointers in struct lxc_container, reached through a container liblxc made.
 */
static void *lxcrs_dl_handle;
static char lxcrs_dl_why[512];
static pthread_once_t lxcrs_dl_once = PTHREAD_ONCE_INIT;

static void lxcrs_dl_load(void)
{
	const char *path = getenv("LXC_RS_LIBLXC");
	const char *why;

	if (!path || !*path)
		path = "liblxc.so.1";
	lxcrs_dl_handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (lxcrs_dl_handle)
		return;
	why = dlerror();
	snprintf(lxcrs_dl_why, sizeof(lxcrs_dl_why), "%s", why ? why : path);
}

/* The address of liblxc's symbol `name`, or NULL when liblxc cannot be loaded or lacks it. */
void *lxcrs_glue_dl_sym(const char *name)
{
	pthread_once(&lxcrs_dl_once, lxcrs_dl_load);
	return lxcrs_dl_handle ? dlsym(lxcrs_dl_handle, name) : NULL;
}

/* Why liblxc could not be loaded (the loader's message), or NULL once it is loaded. */
const char *lxcrs_glue_dl_error(void)
{
	pthread_once(&lxcrs_dl_once, lxcrs_dl_load);
	return lxcrs_dl_handle ? NULL : lxcrs_dl_why;
}
#endif

/* The container's name (borrowed; valid as long as the container). */
const char *lxcrs_glue_name(struct lxc_container *c)
{
	return c ? c->name : NULL;
}

/* Whether start() daemonizes (want_daemonize() sets it). */
int lxcrs_glue_daemonize(struct lxc_container *c)
{
	return c ? c->daemonize : 1;
}

/* error_num, the only error field liblxc writes (start() only). */
int lxcrs_glue_error_num(struct lxc_container *c)
{
	return c ? c->error_num : 0;
}

/* The LXC_VERSION the crate was compiled against. */
const char *lxcrs_glue_header_version(void)
{
	return LXC_VERSION;
}

/*
 * struct bdev_specs has anonymous nested structs whose layout grew in 6.0.6 (rbd.rbduser): allocate it
 * here, zero-filled at the installed header's size. Strings are borrowed from the caller, who keeps them
 * alive for the duration of the call.
 */
struct bdev_specs *lxcrs_glue_bdev_specs_new(const char *fstype, uint64_t fssize, const char *zfsroot,
					     const char *lvm_vg, const char *lvm_lv, const char *lvm_thinpool,
					     const char *dir, const char *rbd_name, const char *rbd_pool)
{
	struct bdev_specs *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fstype = (char *)fstype;
	s->fssize = fssize;
	s->zfs.zfsroot = (char *)zfsroot;
	s->lvm.vg = (char *)lvm_vg;
	s->lvm.lv = (char *)lvm_lv;
	s->lvm.thinpool = (char *)lvm_thinpool;
	s->dir = (char *)dir;
	s->rbd.rbdname = (char *)rbd_name;
	s->rbd.rbdpool = (char *)rbd_pool;
	return s;
}

void lxcrs_glue_bdev_specs_free(struct bdev_specs *s)
{
	free(s);
}

/*
 * lxc_log_init with a struct built here. liblxc copies what it keeps (the prefix into a static buffer,
 * the name and lxcpath with strdup, the file by opening it), so the strings are borrowed for the call.
 */
int lxcrs_v1_lxc_log_init(struct lxc_log *log); /* generated trampoline */

int lxcrs_glue_log_init(const char *name, const char *lxcpath, const char *file,
			const char *level, const char *prefix, bool quiet)
{
	struct lxc_log log = {
		.name = name,
		.lxcpath = lxcpath,
		.file = file,
		.level = level,
		.prefix = prefix,
		.quiet = quiet,
	};

	return lxcrs_v1_lxc_log_init(&log);
}

/* Field `field` (0 name, 1 comment_pathname, 2 timestamp, 3 lxcpath) of snapshot `i` (borrowed). */
const char *lxcrs_glue_snapshot_field(struct lxc_snapshot *s, int i, int field)
{
	switch (field) {
	case 0:
		return s[i].name;
	case 1:
		return s[i].comment_pathname;
	case 2:
		return s[i].timestamp;
	case 3:
		return s[i].lxcpath;
	}
	return NULL;
}

/* Frees an array of n snapshots from snapshot_list: each element's own free, then the array. */
void lxcrs_glue_snapshots_free(struct lxc_snapshot *s, int n)
{
	if (!s)
		return;
	for (int i = 0; i < n; i++)
		if (s[i].free)
			s[i].free(&s[i]);
	free(s);
}

/*
 * Attach (exec API).
 *
 * lxc_attach_options_t is built here from LXC_ATTACH_OPTIONS_DEFAULT, so Rust never carries its
 * layout. liblxc mutates the struct (it overwrites `namespaces` with the resolved mask), so the caller
 * builds a fresh one for every call and frees it after. Strings and arrays are borrowed from the
 * caller, who keeps them alive until the struct is freed.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <lxc/attach_options.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/*
 * A fresh options struct, or NULL with errno set: ENOMEM, or ENOSYS when `lsm_label` or `groups` is
 * asked for and the installed header predates them (liblxc 4.0.7).
 */
lxc_attach_options_t *lxcrs_glue_attach_options_new(int attach_flags, int namespaces, long personality,
						    const char *initial_cwd, uid_t uid, gid_t gid,
						    int env_policy, char **extra_env_vars,
						    char **extra_keep_env, int stdin_fd, int stdout_fd,
						    int stderr_fd, const char *lsm_label, size_t groups_size,
						    const gid_t *groups_list)
{
	lxc_attach_options_t def = LXC_ATTACH_OPTIONS_DEFAULT;
	lxc_attach_options_t *o;

#if !defined(LXC_ATTACH_SETGROUPS) || !defined(LXC_ATTACH_LSM_LABEL)
	if (lsm_label || groups_size || groups_list) {
		errno = ENOSYS;
		return NULL;
	}
#endif
	o = malloc(sizeof(*o));
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	*o = def;
	o->attach_flags = attach_flags;
	o->namespaces = namespaces;
	o->personality = personality;
	o->initial_cwd = (char *)initial_cwd;
	o->uid = uid;
	o->gid = gid;
	o->env_policy = env_policy == 1 ? LXC_ATTACH_CLEAR_ENV : LXC_ATTACH_KEEP_ENV;
	o->extra_env_vars = extra_env_vars;
	o->extra_keep_env = extra_keep_env;
	o->stdin_fd = stdin_fd;
	o->stdout_fd = stdout_fd;
	o->stderr_fd = stderr_fd;
#if defined(LXC_ATTACH_SETGROUPS) && defined(LXC_ATTACH_LSM_LABEL)
	o->lsm_label = (char *)lsm_label;
	o->groups.size = groups_size;
	o->groups.list = (gid_t *)groups_list;
#endif
	return o;
}

void lxcrs_glue_attach_options_free(lxc_attach_options_t *o)
{
	free(o);
}

/*
 * Console log (console_log). struct lxc_console_log is built here: `read_max` points to the caller's
 * u64 (liblxc dereferences it unconditionally: in = how much to read, 0 for the whole ring buffer;
 * out = how much was read), and `data` comes back through `*data`: malloc'd, NOT NUL-terminated,
 * `*read_max` bytes long, owned by the caller (free()), NULL when nothing was read.
 */
int lxcrs_v1_console_log(struct lxc_container *c, struct lxc_console_log *log); /* generated trampoline */

int lxcrs_glue_console_log(struct lxc_container *c, bool clear, bool read, uint64_t *read_max,
			   char **data)
{
	struct lxc_console_log log = {
		.clear = clear,
		.read = read,
		.read_max = read_max,
		.data = NULL,
	};
	int ret;

	ret = lxcrs_v1_console_log(c, &log);
	*data = log.data;
	return ret;
}

/*
 * CRIU: checkpoint, restore, migrate.
 *
 * liblxc 5.0 dereferences c->lxc_conf without a check in criu_ok() (restore of an undefined container,
 * or any dump/restore after clear_config, is a SIGSEGV), so the binding asks first.
 */
bool lxcrs_glue_has_config(struct lxc_container *c)
{
	return c && c->lxc_conf;
}

/*
 * The configuration itself, as an opaque pointer: lxc-rs gives each configuration its own log
 * (lxc-core/src/logcap.rs) and notices a new one by the pointer.
 */
void *lxcrs_glue_conf(struct lxc_container *c)
{
	return c ? (void *)c->lxc_conf : NULL;
}

/*
 * struct migrate_opts is append-only and versioned by the size passed with it: allocate it here,
 * zero-filled at the installed header's size (written to *size), with every field set. Strings are
 * borrowed from the caller, who keeps them alive until the struct is freed.
 */
struct migrate_opts *lxcrs_glue_migrate_opts_new(const char *directory, bool verbose, bool stop,
						 const char *predump_dir, const char *pageserver_address,
						 const char *pageserver_port, bool preserves_inodes,
						 const char *action_script, bool disable_skip_in_flight,
						 uint64_t ghost_limit, uint64_t features_to_check,
						 unsigned int *size)
{
	struct migrate_opts *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->directory = (char *)directory;
	o->verbose = verbose;
	o->stop = stop;
	o->predump_dir = (char *)predump_dir;
	o->pageserver_address = (char *)pageserver_address;
	o->pageserver_port = (char *)pageserver_port;
	o->preserves_inodes = preserves_inodes;
	o->action_script = (char *)action_script;
	o->disable_skip_in_flight = disable_skip_in_flight;
	o->ghost_limit = ghost_limit;
	o->features_to_check = features_to_check;
	*size = sizeof(*o);
	return o;
}

/* features_to_check after a MIGRATE_FEATURE_CHECK (liblxc writes the supported subset back). */
uint64_t lxcrs_glue_migrate_opts_features(const struct migrate_opts *o)
{
	return o->features_to_check;
}

void lxcrs_glue_migrate_opts_free(struct migrate_opts *o)
{
	free(o);
}

/* The MIGRATE_* commands and FEATURE_* bits of the installed header, for the test that checks ours. */
unsigned int lxcrs_glue_migrate_cmd(int i)
{
	switch (i) {
	case 0:
		return MIGRATE_PRE_DUMP;
	case 1:
		return MIGRATE_DUMP;
	case 2:
		return MIGRATE_RESTORE;
	case 3:
		return MIGRATE_FEATURE_CHECK;
	}
	return ~0U;
}

uint64_t lxcrs_glue_migrate_feature(int i)
{
	switch (i) {
	case 0:
		return FEATURE_MEM_TRACK;
	case 1:
		return FEATURE_LAZY_PAGES;
	}
	return 0;
}
