/* diagnose.h - findings: from the connection model to a cause and a fix.
 * Reads only the model. Findings come out ordered root cause first. */
#ifndef MTLS_DIAGNOSE_H
#define MTLS_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "diagnosis/stack.h"
#include "diagnosis/findings.h"

#define FINDING_MAX_FRAMES 4
#define FINDINGS_MAX 12

struct finding {
	enum finding_code code;
	const char *id;           /* its name (findings.def), as reports print it */
	enum severity severity;
	int rank;                 /* lower is closer to the root cause */
	uint64_t frames[FINDING_MAX_FRAMES];
	size_t n_frames;
	char message[512];
	char remedy[1024];
	/* The remedies catalogue variant ("unknown_ca": rows "ID/unknown_ca"),
	 * or NULL for the finding's own rows. */
	const char *remedy_variant;
	/* Findings inferred from record sizes say what they concluded, in
	 * the words of cc_status_name ("not_requested", "empty", "present")
	 * or "undetermined"; NULL for the others. */
	const char *inferred;
};

/* One outcome per connection, decided from the strongest evidence:
 * decrypted facts, then explicit alerts and HTTP statuses, then inference
 * from record sizes and timing. */
enum outcome_kind {
	OUTCOME_AUTHENTICATED,         /* certificate sent and accepted */
	OUTCOME_REJECTED,              /* certificate sent, then refused (fatal alert, 401/403/400/495/496) */
	OUTCOME_NO_CERTIFICATE,        /* asked; empty Certificate or no answer */
	OUTCOME_NOT_REQUESTED,         /* the server never asked */
	OUTCOME_FAILED_BEFORE_REQUEST, /* the connection failed before any request could be made */
	OUTCOME_UNKNOWN,
	OUTCOME_KIND_COUNT
};
enum outcome_failure {
	FAILURE_NO,                    /* it worked (or nothing says it was refused) */
	FAILURE_YES,                   /* an alert, a refusal status, a cut connection */
	FAILURE_UNDETERMINED,          /* the deciding answer is not visible (encrypted) */
};
#define OUTCOME_MAX_FRAMES 4
struct outcome {
	enum outcome_kind kind;
	enum visibility visibility;    /* of the evidence that decided it */
	enum outcome_failure failure;  /* did the client get what it came for? */
	uint64_t frames[OUTCOME_MAX_FRAMES];
	size_t n_frames;
	char reason[256];              /* one sentence: why this outcome */
	bool requested;                /* a certificate was asked for (seen or inferred) */
	bool request_inferred;         /* ... known only by inference */
	enum cc_status answer;         /* the client's answer, seen or inferred */
};

struct findings {
	struct outcome outcome;
	struct stack_id stack;
	struct finding items[FINDINGS_MAX];
	size_t n;
};

struct diagnose_options {
	struct stack_overrides stack;  /* --server / --client */
};

/* A receiver of diagnosed connections (compare, --expect, --annotate):
 * `take` owns the connection (tls_conn_release + free). */
struct conn_sink {
	void (*take)(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f);
	void *ctx;
};

/* opt may be NULL (no overrides); ja4_memo as for stack_identify. */
void diagnose(const struct tls_conn *c, const struct diagnose_options *opt, struct ja4_memo *ja4_memo,
	      struct findings *out);
const char *outcome_name(enum outcome_kind k);
/* "no", "yes", "undetermined" */
const char *outcome_failure_name(enum outcome_failure f);
/* Whether findings[i] is the one that explains the connection's failure
 * ("<- the cause"): the first finding, an error, on a connection that
 * failed or may have. */
bool finding_is_cause(const struct findings *fs, size_t i);
/* The most severe finding's severity, or -1 when there is none. */
int findings_worst(const struct findings *f);

#endif
