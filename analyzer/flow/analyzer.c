/* analyzer.c - one frame at a time: link, IP (and fragments), TCP. */
#include "flow/analyzer.h"
#include "flow/flow.h"
#include "flow/report.h"
#include "model/cert_cache.h"

#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "ipfrag.h"
#include "keylog.h"
#include "link.h"
#include "tls_decrypt.h"
#include "tunnel.h"

/* How often (in frames) idle and closed flows are looked at. */
#define EXPIRE_EVERY 1024
/* About the year 2116. */
#define CAPTURE_TIME_MAX_NS (INT64_MAX / 4)

void flow_options_defaults(struct flow_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->max_flows = DEFAULT_MAX_FLOWS;
	opt->ooo_cap = DEFAULT_OOO_CAP;
	opt->max_hs_msg = DEFAULT_MAX_HS_MSG;
	opt->max_frag_bytes = DEFAULT_MAX_FRAG_BYTES;
	opt->idle_timeout_ns = (int64_t)DEFAULT_IDLE_TIMEOUT_S * 1000000000LL;
	opt->max_memory = DEFAULT_MAX_MEMORY;
	opt->max_chain = TLS_MAX_CHAIN;
	opt->max_ca_names = DEFAULT_MAX_CA_NAMES;
}

int analyzer_init(struct analyzer *a, const struct flow_options *opt, struct flow_sink sink)
{
	memset(a, 0, sizeof *a);
	a->opt = *opt;
	a->sink = sink;
	a->certs = cert_cache_new();
	return 0; /* without a cache (out of memory) certificates are decoded every time */
}

void analyzer_release(struct analyzer *a)
{
	keylog_free(a->keylog);
	a->keylog = NULL;
	tls_crypto_free(a->crypto);
	a->crypto = NULL;
	cert_cache_free(a->certs);
	a->certs = NULL;
}

void analyzer_begin_file(struct analyzer *a, const char *name, unsigned index)
{
	a->file_name = name;
	a->file_index = index;
	a->frame_no = 0;
	a->next_stream = 0;
	a->now_ns = 0;
	memset(&a->stats, 0, sizeof a->stats);
	a->frags = ipfrag_table_new(a->opt.max_frag_bytes, 60LL * 1000000000LL);
	a->queue = report_queue_new();
}

void traffic_stats_add(struct traffic_stats *t, const struct traffic_stats *s)
{
	t->frames += s->frames;
	t->bytes += s->bytes;
	t->non_ip += s->non_ip;
	t->non_tcp += s->non_tcp;
	t->malformed += s->malformed;
	t->truncated += s->truncated;
	t->tcp_flows += s->tcp_flows;
	t->tls_conns += s->tls_conns;
	t->evicted += s->evicted;
	t->evicted_memory += s->evicted_memory;
	t->unsupported_link_frames += s->unsupported_link_frames;
	for (int k = 0; k < TUNNEL_TYPES; k++)
		t->tunnel_frames[k] += s->tunnel_frames[k];
}

void analyzer_end_file(struct analyzer *a)
{
	if (a->workers)
		a->split->end_file(a);
	else
		flow_table_flush(a, END_CAPTURE_END);
	report_flush(a);
	report_queue_free(a->queue);
	a->queue = NULL;
	ipfrag_table_free(a->frags);
	a->frags = NULL;
}

/* What every frame does, decoded or not: its number, capture time and
 * counts, and the idle flows' turn. Returns the time, clamped. */
static int64_t frame_counted(struct analyzer *a, size_t caplen, size_t wirelen, int64_t ts_ns)
{
	/* Absurd times (damaged or hostile files) are clamped so that any
	 * difference of two capture times fits in 64 bits. */
	if (ts_ns > CAPTURE_TIME_MAX_NS)
		ts_ns = CAPTURE_TIME_MAX_NS;
	else if (ts_ns < -CAPTURE_TIME_MAX_NS)
		ts_ns = -CAPTURE_TIME_MAX_NS;
	a->frame_no++;
	a->stats.frames++;
	a->stats.bytes += wirelen;
	/* Capture time only moves forward for expiry purposes. */
	if (ts_ns > a->now_ns)
		a->now_ns = ts_ns;
	if (caplen < wirelen)
		a->stats.truncated++;
	if (a->frame_no % EXPIRE_EVERY == 0) {
		if (a->workers)
			a->split->tick(a);
		else
			flow_expire_idle(a);
	}
	return ts_ns;
}

void analyzer_frame(struct analyzer *a, int linktype, const uint8_t *pkt, size_t caplen, size_t wirelen,
		    int64_t ts_ns)
{
	struct decap dc;

	ts_ns = frame_counted(a, caplen, wirelen, ts_ns);
	if (a->workers && a->split->passes && a->split->passes(a, linktype, pkt, caplen))
		return;

	/* Link layer, then IP, through any tunnels (tunnel.h). */
	enum dis_status st = decap_frame(linktype, pkt, caplen, &dc);
	for (int k = 0; dc.seen && k < TUNNEL_TYPES; k++)
		if (dc.seen & (1u << k))
			a->stats.tunnel_frames[k]++;
	if (st != DIS_OK) {
		if (!link_type_supported(linktype))
			a->stats.unsupported_link_frames++;
		else if (st == DIS_UNSUPPORTED)
			a->stats.non_ip++;
		else
			a->stats.malformed++;
		return;
	}
	const uint8_t *payload = dc.ip.payload;
	size_t plen = dc.ip.payload_len, wlen = dc.ip.payload_wire_len;
	/* A fragment is reassembled; a tunnel inside the datagram is then
	 * opened, which may hold a fragment again (its own datagram). */
	uint8_t *outer = NULL; /* owned: the datagram a nested fragment lies in */
	while (dc.ip.is_fragment) {
		if (ipfrag_add(a->frags, &dc.ip, ts_ns, &payload, &plen) != 1) {
			free(outer);
			return;
		}
		wlen = plen;
		if (!decap_may_carry(&dc.ip))
			break;
		/* The table's buffer lasts until its next call: keep a copy. */
		uint8_t *copy = malloc(plen ? plen : 1);
		if (!copy) {
			free(outer);
			return;
		}
		memcpy(copy, payload, plen);
		free(outer);
		outer = copy;
		unsigned before = dc.seen;
		int depth = dc.depth;
		st = decap_ip_payload(&dc, outer, plen);
		for (int k = 0; k < TUNNEL_TYPES; k++)
			if ((dc.seen & ~before) & (1u << k))
				a->stats.tunnel_frames[k]++;
		if (st != DIS_OK) {
			a->stats.non_ip += st == DIS_UNSUPPORTED;
			a->stats.malformed += st != DIS_UNSUPPORTED;
			free(outer);
			return;
		}
		if (dc.depth == depth) {
			payload = outer; /* no tunnel after all: the datagram is the innermost */
			break;
		}
		payload = dc.ip.payload;
		plen = dc.ip.payload_len;
		wlen = dc.ip.payload_wire_len;
	}
	if (dc.ip.proto != 6) {
		a->stats.non_tcp++;
		free(outer);
		return;
	}
	if (a->workers)
		a->split->segment(a, &dc.ip, payload, plen, wlen);
	else
		flow_segment(a, &dc.ip, payload, plen, wlen);
	free(outer);
}
