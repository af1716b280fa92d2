/* fields.h - the lines of tab-separated oracles and of tools' field
 * output (tshark -T fields), split in place. */
#ifndef MTLS_FIELDS_H
#define MTLS_FIELDS_H

#include <stddef.h>
#include <string.h>

/* Cuts the line ending off s. */
static inline void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Splits s at every sep, keeping empty fields: at most max of them in out
 * (the last holds the rest); none for "". */
static inline size_t split_fields(char *s, char sep, char **out, size_t max)
{
	size_t n = 0;
	if (!*s)
		return 0;
	while (n < max) {
		out[n++] = s;
		char *t = strchr(s, sep);
		if (!t)
			break;
		*t = '\0';
		s = t + 1;
	}
	return n;
}

/* A line of a tab-separated oracle split into f: none for a comment. */
static inline size_t tsv_fields(char *line, char **f, size_t max)
{
	if (line[0] == '#')
		return 0;
	chomp(line);
	return split_fields(line, '\t', f, max);
}

#endif
