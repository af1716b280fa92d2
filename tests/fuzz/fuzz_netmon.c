/* fuzz_netmon.c - the NetMon reader on arbitrary file contents.
 *
 * The input is the whole file, served through fmemopen so the reader seeks
 * and reads as it would on disk. Every frame is read to the end (or the
 * first error) and its bytes touched, so the sanitizers see a frame that
 * points outside the reader's buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/netmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	FILE *fp = fmemopen((void *)data, size, "rb");
	if (!fp)
		return 0;
	struct netmon_reader *r = netmon_reader_fopen(fp, err, sizeof err);
	if (!r)
		return 0;
	struct source_frame f;
	unsigned sum = 0;
	/* A frame table can hold far more entries than a small input has
	 * records; each needs at least 8 bytes, so this bounds the loop. */
	for (size_t n = 0; n <= size; n++) {
		enum source_status st = netmon_reader_next(r, &f, err, sizeof err);
		if (st != SOURCE_FRAME)
			break;
		if (f.caplen > 256 * 1024 || f.wirelen < f.caplen || (f.caplen && !f.data))
			abort();
		for (size_t i = 0; i < f.caplen; i++)
			sum += f.data[i];
	}
	(void)netmon_reader_offset(r);
	/* Records are read in increasing, disjoint order, through the table
	 * or by walking: the file once, and at most the one record a damaged
	 * table entry pointed at again. No record is read per entry. */
	if (netmon_reader_bytes_read(r) > 2 * (uint64_t)size)
		abort();
	netmon_reader_close(r);
	return (int)(sum & 0);
}
