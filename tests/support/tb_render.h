/* tb_render.h - what a writer puts through a textbuf, as a string. For the
 * analyzer's output tests. */
#ifndef MTLS_TB_RENDER_H
#define MTLS_TB_RENDER_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/textbuf.h"

/* Runs fill(b, arg) into a memory stream; returns the malloc'd text, its
 * length in *len. */
static inline char *tb_render(void (*fill)(struct textbuf *, const void *), const void *arg, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	ck_assert_ptr_nonnull(fp);
	struct textbuf *b = malloc(sizeof *b);
	ck_assert_ptr_nonnull(b);
	textbuf_init(b, fp);
	fill(b, arg);
	textbuf_flush(b);
	free(b);
	fclose(fp);
	return text;
}

#endif
