/* C baselines: the same liblxc members, called directly, n times, as a C program would. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <lxc/lxccontainer.h>

long bl_is_defined(struct lxc_container *c, long n)
{
	long r = 0;
	for (long i = 0; i < n; i++)
		r += c->is_defined(c);
	return r;
}

long bl_state(struct lxc_container *c, long n)
{
	long r = 0;
	for (long i = 0; i < n; i++)
		r += c->state(c)[0];
	return r;
}

/* The length protocol as a fast C caller does it: a stack buffer, and size-allocate-fill only when
 * the value does not fit. The result is copied out, as a caller that keeps it must. */
static long get_with(int (*get)(struct lxc_container *, const char *, char *, int),
		     struct lxc_container *c, const char *key)
{
	char stack[256];
	int len = get(c, key, stack, sizeof(stack));
	if (len < 0)
		return len;
	if (len < (int)sizeof(stack)) {
		char *copy = strndup(stack, len);
		long r = copy[0];
		free(copy);
		return r;
	}
	char *buf = malloc(len + 1);
	long r = get(c, key, buf, len + 1);
	free(buf);
	return r;
}

long bl_config_item(struct lxc_container *c, const char *key, long n)
{
	long r = 0;
	for (long i = 0; i < n; i++)
		r += get_with(c->get_config_item, c, key);
	return r;
}

long bl_set_config_item(struct lxc_container *c, const char *key, const char *value, long n)
{
	long r = 0;
	for (long i = 0; i < n; i++)
		r += c->set_config_item(c, key, value);
	return r;
}

long bl_keys(struct lxc_container *c, const char *prefix, long n)
{
	long r = 0;
	for (long i = 0; i < n; i++)
		r += get_with(c->get_keys, c, prefix);
	return r;
}

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>
#include <lxc/attach_options.h>

/* create + start + stop + destroy of a busybox container, as a C program does it. Returns 0 on success. */
int bl_lifecycle(const char *lxcpath, const char *name)
{
	struct lxc_container *c = lxc_container_new(name, lxcpath);
	int ret = -1;

	if (!c)
		return -1;
	if (!c->create(c, "busybox", NULL, NULL, LXC_CREATE_QUIET, NULL))
		goto out;
	c->clear_config_item(c, "lxc.net");
	c->set_config_item(c, "lxc.net.0.type", "empty");
	c->save_config(c, NULL);
	if (!c->start(c, 0, NULL) || !c->wait(c, "RUNNING", 10))
		goto out;
	if (!c->stop(c) || !c->wait(c, "STOPPED", 10))
		goto out;
	if (!c->destroy(c))
		goto out;
	ret = 0;
out:
	lxc_container_put(c);
	return ret;
}

/* attach_run_wait of argv with a clean environment (what lxc-rs's status() does by default). */
int bl_run_wait(struct lxc_container *c, const char *const argv[])
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	return c->attach_run_wait(c, &opts, argv[0], argv);
}

/* Runs argv with stdout on a pipe, reads it all, waits: returns the bytes read (or -1). */
long bl_output(struct lxc_container *c, const char *const argv[])
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	lxc_attach_command_t cmd = { .program = (char *)argv[0], .argv = (char **)argv };
	int p[2];
	pid_t pid;
	long total = 0;
	char buf[65536];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.stdout_fd = p[1];
	if (c->attach(c, lxc_attach_run_command, &cmd, &opts, &pid) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		total += n;
	}
	close(p[0]);
	waitpid(pid, NULL, 0);
	return total;
}
