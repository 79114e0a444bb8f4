/* C baseline of an ephemeral sandbox, as lxc-copy -e does it through liblxc: reserve a name with
 * mkdtemp, overlay snapshot, lxc.ephemeral = 1, save, start, wait RUNNING, attach_run_wait argv,
 * stop, wait STOPPED; liblxc's monitor removes the copy. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lxc/lxccontainer.h>
#include <lxc/attach_options.h>

/* Returns 0 when the program ran and the copy is gone afterwards. */
int bl_ephemeral(struct lxc_container *base, const char *lxcpath, const char *const argv[])
{
	char dir[4096];
	struct lxc_container *c;
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	int ret = -1;

	if (snprintf(dir, sizeof(dir), "%s/%s_XXXXXX", lxcpath, base->name) >= (int)sizeof(dir))
		return -1;
	if (!mkdtemp(dir))
		return -1;
	c = base->clone(base, dir + strlen(lxcpath) + 1, lxcpath, LXC_CLONE_SNAPSHOT, "overlay",
			NULL, 0, NULL);
	if (!c) {
		rmdir(dir);
		return -1;
	}
	if (!c->set_config_item(c, "lxc.ephemeral", "1") || !c->save_config(c, NULL))
		goto out;
	if (!c->start(c, 0, NULL) || !c->wait(c, "RUNNING", 10))
		goto out;
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	if (c->attach_run_wait(c, &opts, argv[0], argv) != 0)
		goto out;
	if (!c->stop(c) || !c->wait(c, "STOPPED", 10))
		goto out;
	ret = access(dir, F_OK) == 0 ? -2 : 0;
out:
	lxc_container_put(c);
	return ret;
}
