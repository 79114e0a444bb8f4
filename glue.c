/*
 * lxc-rs glue: the few things the generated trampolines cannot be.
 *
 * Everything that reads a field of a liblxc struct lives here, compiled against the installed
 * headers, so Rust never carries a copy of a C layout. Symbols use the prefix `lxcrs_glue_`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>
#include <lxc/version.h>

/* The container's name (borrowed; valid as long as the container). */
const char *lxcrs_glue_name(struct lxc_container *c)
{
	return c ? c->name : NULL;
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
