/* report_stream.c - a stdio stream over the report's descriptor that
 * remembers why a write failed (report_stream.h). */
#include "cli/report_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static ssize_t stream_write(void *cookie, const char *buf, size_t len)
{
	struct report_stream *rs = cookie;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(rs->fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!rs->error)
				rs->error = n < 0 ? errno : EIO;
			return 0; /* stdio takes 0 as an error */
		}
		done += (size_t)n;
	}
	return (ssize_t)len;
}

void report_stream_open(struct report_stream *rs, FILE *under)
{
	rs->under = under;
	rs->fp = under;
	rs->error = 0;
	rs->buffer = NULL;
	rs->fd = fileno(under);
	if (rs->fd < 0)
		return;
	fflush(under);
	FILE *fp = fopencookie(rs, "w", (cookie_io_functions_t){ .write = stream_write });
	if (!fp)
		return;
	/* As stdio buffers a descriptor: by line on a terminal, else in blocks
	 * (glibc takes the size only with a buffer given). */
	if (isatty(rs->fd))
		setvbuf(fp, NULL, _IOLBF, BUFSIZ);
	else if ((rs->buffer = malloc(REPORT_STREAM_BLOCK)) != NULL)
		setvbuf(fp, rs->buffer, _IOFBF, REPORT_STREAM_BLOCK);
	rs->fp = fp;
}

int report_stream_close(struct report_stream *rs)
{
	if (rs->fp == rs->under) {
		errno = 0;
		if (fflush(rs->fp) != 0 || ferror(rs->fp))
			return errno ? errno : EIO;
		return 0;
	}
	fclose(rs->fp);
	free(rs->buffer);
	rs->buffer = NULL;
	rs->fp = rs->under;
	return rs->error;
}
