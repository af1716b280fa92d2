/* conv.c - event list of one recorded TCP connection. */
#include "conv.h"

#include <stdlib.h>
#include <string.h>

void conv_init(struct conv *c)
{
	memset(c, 0, sizeof(*c));
}

void conv_free(struct conv *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->ev[i].data);
	free(c->ev);
	free(c->keylog);
	conv_init(c);
}

int conv_add(struct conv *c, enum conv_kind kind, enum conv_dir dir, const void *data, size_t len)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		struct conv_event *nev = realloc(c->ev, ncap * sizeof(*nev));
		if (!nev)
			return -1;
		c->ev = nev;
		c->cap = ncap;
	}
	struct conv_event *e = &c->ev[c->n];
	e->kind = kind;
	e->dir = dir;
	e->len = len;
	e->data = NULL;
	if (len && data) {
		e->data = malloc(len);
		if (!e->data)
			return -1;
		memcpy(e->data, data, len);
	}
	c->n++;
	return 0;
}

int conv_keylog_add(struct conv *c, const char *line)
{
	size_t l = strlen(line);
	if (c->keylog_len + l + 2 > c->keylog_cap) {
		size_t ncap = (c->keylog_cap + l + 2) * 2;
		char *nb = realloc(c->keylog, ncap);
		if (!nb)
			return -1;
		c->keylog = nb;
		c->keylog_cap = ncap;
	}
	memcpy(c->keylog + c->keylog_len, line, l);
	c->keylog_len += l;
	c->keylog[c->keylog_len++] = '\n';
	c->keylog[c->keylog_len] = '\0';
	return 0;
}
