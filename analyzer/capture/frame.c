/* frame.c - the read buffer of every capture reader's FILE. */
#include <stdlib.h>

#include "capture/frame.h"

void source_buffer_file(FILE *fp, char **buf)
{
	if (!*buf)
		*buf = malloc(SOURCE_READ_BUFFER);
	if (*buf)
		setvbuf(fp, *buf, _IOFBF, SOURCE_READ_BUFFER);
}
