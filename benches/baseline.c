/* C baselines: the same liblxc members, called directly, n times, as a C program would. */
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
