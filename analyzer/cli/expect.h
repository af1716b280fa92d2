/* expect.h - expectations about the connections of a capture, for CI
 * (--expect FILE; the format is in the man page, EXPECTATIONS). The file is
 * read once; each finished connection is checked as it comes (conn_sink),
 * so memory does not grow with the capture; the results are printed at
 * the end. */
#ifndef MTLS_EXPECT_H
#define MTLS_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "diagnosis/diagnose.h"
#include "model/model.h"

struct expect_set;
struct output;

/* Reads and checks FILE. NULL on error, with "FILE:LINE: reason" (or
 * "FILE: reason") in err. */
struct expect_set *expect_load(const char *path, char *err, size_t errsz);
/* Parses expectations from text (path is used in messages only). */
struct expect_set *expect_parse(const char *path, const char *text, char *err, size_t errsz);
void expect_free(struct expect_set *e);

/* A conn_sink `take` function: ctx is a struct expect_set. */
void expect_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f);
/* Checks one connection without taking it. */
void expect_check(struct expect_set *e, const char *file_name, const struct tls_conn *conn,
		  const struct findings *f);

/* Prints every expectation's result (in text, only the failed ones when
 * only_failed); true when all held. */
bool expect_report(const struct expect_set *e, struct output *o, bool only_failed);
size_t expect_failed_count(const struct expect_set *e);

#endif
