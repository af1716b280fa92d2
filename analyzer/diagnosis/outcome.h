/* outcome.h - the connection's outcome (struct outcome, diagnose.h). */
#ifndef MTLS_OUTCOME_H
#define MTLS_OUTCOME_H

#include "diagnosis/diagnose.h"

void decide_outcome(const struct tls_conn *c, struct outcome *o);

#endif
