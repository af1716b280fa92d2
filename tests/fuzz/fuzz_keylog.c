/* fuzz_keylog.c - the key log parser on arbitrary file contents, in one
 * buffer and again split in two at a point the first byte picks (line
 * numbering and partial lines across calls); every random the file names
 * is looked up. */
#include <stdint.h>
#include <string.h>

#include "keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, size_t line_no, const char *reason)
{
	size_t *n = ctx;
	*n += line_no + (reason[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t errors = 0;
	struct keylog *kl = keylog_new();
	if (!kl)
		return 0;
	keylog_parse(kl, data, size, count, &errors);
	size_t cut = size ? data[0] % (size + 1) : 0;
	keylog_parse(kl, data, cut, count, &errors);
	keylog_parse(kl, data + cut, size - cut, NULL, NULL);
	/* Look up each 32-byte window, as the analyzer does with randoms. */
	for (size_t i = 0; i + KEYLOG_RANDOM_LEN <= size && i < 64; i++)
		(void)keylog_find(kl, data + i);
	struct keylog_stats st;
	keylog_get_stats(kl, &st);
	keylog_free(kl);
	return st.used > st.lines ? -1 : 0;
}
