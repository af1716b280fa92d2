/* diagnose.h - findings: from the connection model to a cause and a fix.
 * Reads only the model. Findings come out ordered root cause first. */
#ifndef MTLS_DIAGNOSE_H
#define MTLS_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum severity { SEV_INFO = 0, SEV_WARNING = 1, SEV_ERROR = 2 };

#define FINDING_MAX_FRAMES 4
#define FINDINGS_MAX 12

struct finding {
	const char *id;
	enum severity severity;
	int rank;                 /* lower is closer to the root cause */
	uint64_t frames[FINDING_MAX_FRAMES];
	size_t n_frames;
	char message[512];
	char remedy[768];
	/* Findings inferred from record sizes say what they concluded, in
	 * the words of cc_status_name ("not_requested", "empty", "present")
	 * or "undetermined"; NULL for the others. */
	const char *inferred;
};

struct findings {
	struct finding items[FINDINGS_MAX];
	size_t n;
};

void diagnose(const struct tls_conn *c, struct findings *out);
const char *severity_name(enum severity s);
/* The most severe finding's severity, or -1 when there is none. */
int findings_worst(const struct findings *f);

#endif
