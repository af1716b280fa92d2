/* conv.h - what happened on one TCP connection, as an ordered list of events. */
#ifndef MTLSGEN_CONV_H
#define MTLSGEN_CONV_H

#include <stddef.h>
#include <stdint.h>

enum conv_dir { DIR_C2S = 0, DIR_S2C = 1 };

enum conv_kind {
	EV_DATA,	 /* bytes one side wrote to its socket (one flight) */
	EV_FIN,		 /* orderly close started by `dir` */
	EV_RST,		 /* abortive close by `dir` */
	EV_INJECTED_RST, /* RST toward the client forged by a middlebox (server's address) */
	EV_PAUSE,	 /* idle time: `len` microseconds, no data */
	EV_HALF_CLOSE,	 /* `dir` sends its FIN and the peer only ACKs it; data that
			    still arrives at `dir` is answered by its RST (EV_RST) */
};

struct conv_event {
	enum conv_kind kind;
	enum conv_dir dir;
	uint8_t *data;
	size_t len;
};

/* Events in order, plus the NSS key log lines the client produced. */
struct conv {
	struct conv_event *ev;
	size_t n, cap;
	char *keylog;
	size_t keylog_len, keylog_cap;
};

void conv_init(struct conv *c);
void conv_free(struct conv *c);
/* Appends an event; `data` (if not NULL) is copied. Returns 0, or -1 when out of memory. */
int conv_add(struct conv *c, enum conv_kind kind, enum conv_dir dir, const void *data, size_t len);
int conv_keylog_add(struct conv *c, const char *line);

#endif
