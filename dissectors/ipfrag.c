/* ipfrag.c - IPv4/IPv6 fragment reassembly.
 *
 * Each pending datagram keeps one buffer (grown to the highest byte seen)
 * and a sorted list of the byte ranges received. Overlaps keep the bytes
 * that arrived first, as most stacks do. Memory is charged per datagram
 * (buffer + range list + bookkeeping); when a fragment would take the table
 * over its budget the oldest other datagrams are evicted, and if that is
 * not enough the fragment's own datagram is dropped. Pending datagrams
 * also live on an age-ordered list, which makes timeouts and eviction
 * cheap; lookups are linear, bounded by IPFRAG_MAX_DGRAMS. */
#include "ipfrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rd.h"

/* Fragment offsets are 13 bits of 8 bytes, and neither IPv4 nor (non
 * jumbo) IPv6 datagrams can exceed this. */
#define IPFRAG_MAX_LEN 65535u
/* Fragmented traffic is rare in TLS captures: a few pending datagrams is
 * normal, thousands means a flood or garbage. */
#define IPFRAG_MAX_DGRAMS 1024u

struct frag_range {
	uint32_t start, end; /* [start, end) */
};

struct dgram {
	struct dgram *older, *newer;
	struct ip_addr src, dst;
	uint8_t proto;
	uint32_t id;
	int64_t first_ts;
	uint8_t *data;
	uint32_t data_cap;
	uint32_t total; /* valid when total_known (the last fragment seen) */
	bool total_known;
	struct frag_range *ranges;
	size_t nranges, ranges_cap;
	size_t charged; /* bytes counted in the table's in_use */
};

struct ipfrag_table {
	size_t max_bytes;
	int64_t timeout_ns;
	size_t in_use;
	size_t ndgrams;
	struct dgram *oldest, *newest;
	uint8_t *done; /* the last completed payload, freed on the next call */
};

struct ipfrag_table *ipfrag_table_new(size_t max_bytes, int64_t timeout_ns)
{
	struct ipfrag_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max_bytes = max_bytes;
	t->timeout_ns = timeout_ns;
	return t;
}

static void dgram_unlink(struct ipfrag_table *t, struct dgram *d)
{
	if (d->older)
		d->older->newer = d->newer;
	else
		t->oldest = d->newer;
	if (d->newer)
		d->newer->older = d->older;
	else
		t->newest = d->older;
	t->in_use -= d->charged;
	t->ndgrams--;
}

static void dgram_drop(struct ipfrag_table *t, struct dgram *d)
{
	dgram_unlink(t, d);
	free(d->data);
	free(d->ranges);
	free(d);
}

void ipfrag_table_free(struct ipfrag_table *t)
{
	if (!t)
		return;
	while (t->oldest)
		dgram_drop(t, t->oldest);
	free(t->done);
	free(t);
}

size_t ipfrag_bytes_in_use(const struct ipfrag_table *t)
{
	return t ? t->in_use : 0;
}

static size_t dgram_cost(const struct dgram *d)
{
	return sizeof(*d) + d->data_cap + d->ranges_cap * sizeof(struct frag_range);
}

static void recharge(struct ipfrag_table *t, struct dgram *d)
{
	size_t c = dgram_cost(d);
	t->in_use = t->in_use - d->charged + c;
	d->charged = c;
}

/* Evicts the oldest datagrams other than `keep` until `extra` more bytes
 * fit in the budget. Returns -1 when they cannot. */
static int make_room(struct ipfrag_table *t, const struct dgram *keep, size_t extra)
{
	struct dgram *d = t->oldest;
	while (t->in_use + extra > t->max_bytes && d) {
		struct dgram *next = d->newer;
		if (d != keep)
			dgram_drop(t, d);
		d = next;
	}
	return t->in_use + extra > t->max_bytes ? -1 : 0;
}

static bool key_match(const struct dgram *d, const struct ip_packet *p)
{
	return d->id == p->frag_id && d->proto == p->proto && ip_addr_cmp(&d->src, &p->src) == 0 &&
	       ip_addr_cmp(&d->dst, &p->dst) == 0; /* family is part of the address */
}

static struct dgram *dgram_find(struct ipfrag_table *t, const struct ip_packet *p)
{
	/* Newest first: the fragments of one datagram arrive together. */
	for (struct dgram *d = t->newest; d; d = d->older)
		if (key_match(d, p))
			return d;
	return NULL;
}

static struct dgram *dgram_new(struct ipfrag_table *t, const struct ip_packet *p, int64_t ts)
{
	if (t->ndgrams >= IPFRAG_MAX_DGRAMS)
		dgram_drop(t, t->oldest);
	if (make_room(t, NULL, sizeof(struct dgram)))
		return NULL;
	struct dgram *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->src = p->src;
	d->dst = p->dst;
	d->proto = p->proto;
	d->id = p->frag_id;
	d->first_ts = ts;
	d->older = t->newest;
	if (t->newest)
		t->newest->newer = d;
	else
		t->oldest = d;
	t->newest = d;
	t->ndgrams++;
	recharge(t, d);
	return d;
}

static void expire(struct ipfrag_table *t, int64_t now)
{
	if (t->timeout_ns <= 0)
		return;
	/* Oldest first; a clock stepping backwards expires nothing. */
	while (t->oldest && now - t->oldest->first_ts > t->timeout_ns)
		dgram_drop(t, t->oldest);
}

/* Grows the buffer (and the range list by one slot) before any byte is
 * copied, so a failure leaves the datagram unchanged. */
static int dgram_reserve(struct ipfrag_table *t, struct dgram *d, uint32_t end)
{
	size_t want_cap = d->total_known ? d->total : end;
	size_t extra = 0;
	if (want_cap < end)
		want_cap = end;
	if (want_cap > d->data_cap)
		extra += want_cap - d->data_cap;
	size_t want_ranges = d->nranges + 1;
	if (want_ranges > d->ranges_cap)
		extra += (want_ranges * 2 - d->ranges_cap) * sizeof(struct frag_range);
	if (extra == 0)
		return 0;
	if (make_room(t, d, extra))
		return -1;
	if (want_cap > d->data_cap) {
		uint8_t *nd = realloc(d->data, want_cap);
		if (!nd)
			return -1;
		memset(nd + d->data_cap, 0, want_cap - d->data_cap);
		d->data = nd;
		d->data_cap = (uint32_t)want_cap;
	}
	if (want_ranges > d->ranges_cap) {
		struct frag_range *nr = realloc(d->ranges, want_ranges * 2 * sizeof(*nr));
		if (!nr)
			return -1;
		d->ranges = nr;
		d->ranges_cap = want_ranges * 2;
	}
	recharge(t, d);
	return 0;
}

/* Copies the parts of [off, off+len) no earlier fragment supplied. */
static void copy_holes(struct dgram *d, uint32_t off, struct rd src)
{
	uint32_t pos = off, end = off + (uint32_t)rd_left(&src);
	for (size_t i = 0; i < d->nranges && pos < end; i++) {
		const struct frag_range *g = &d->ranges[i];
		if (g->end <= pos)
			continue;
		if (g->start >= end)
			break;
		if (g->start > pos)
			rd_copy(&src, d->data + pos, g->start - pos);
		/* Skip the bytes the earlier copy already owns. */
		uint32_t skip_to = g->end < end ? g->end : end;
		uint32_t from = g->start > pos ? g->start : pos;
		rd_skip(&src, skip_to - from);
		pos = skip_to;
	}
	if (pos < end)
		rd_copy(&src, d->data + pos, end - pos);
}

/* Adds [start, end) to the sorted, disjoint range list, merging
 * neighbours. dgram_reserve guaranteed one free slot. */
static void add_range(struct dgram *d, uint32_t start, uint32_t end)
{
	size_t i = 0, j;
	while (i < d->nranges && d->ranges[i].end < start)
		i++;
	j = i;
	while (j < d->nranges && d->ranges[j].start <= end) {
		if (d->ranges[j].start < start)
			start = d->ranges[j].start;
		if (d->ranges[j].end > end)
			end = d->ranges[j].end;
		j++;
	}
	/* ranges[i, j) collapse into one entry at i. */
	if (j == i) {
		memmove(&d->ranges[i + 1], &d->ranges[i], (d->nranges - i) * sizeof(d->ranges[0]));
		d->nranges++;
	} else if (j > i + 1) {
		memmove(&d->ranges[i + 1], &d->ranges[j], (d->nranges - j) * sizeof(d->ranges[0]));
		d->nranges -= j - i - 1;
	}
	d->ranges[i].start = start;
	d->ranges[i].end = end;
}

static bool dgram_complete(const struct dgram *d)
{
	if (!d->total_known)
		return false;
	if (d->total == 0)
		return true;
	return d->nranges == 1 && d->ranges[0].start == 0 && d->ranges[0].end == d->total;
}

int ipfrag_add(struct ipfrag_table *t, const struct ip_packet *pkt, int64_t ts_ns,
	       const uint8_t **out_payload, size_t *out_len)
{
	free(t->done);
	t->done = NULL;
	expire(t, ts_ns);
	if (!pkt->is_fragment)
		return -1;

	struct dgram *d = dgram_find(t, pkt);
	/* A snaplen-cut fragment can never complete its datagram, and IP
	 * does not retransmit single fragments: give the datagram up. */
	if (pkt->truncated || (pkt->payload_len && !pkt->payload)) {
		if (d)
			dgram_drop(t, d);
		return -1;
	}
	uint32_t off = pkt->frag_offset;
	size_t n = pkt->payload_len;
	if (off > IPFRAG_MAX_LEN || n > IPFRAG_MAX_LEN - off)
		return -1;
	uint32_t end = off + (uint32_t)n;
	if (pkt->more_fragments && n == 0)
		return -1;
	if (d) {
		if (d->total_known && end > d->total)
			return -1; /* beyond the end the last fragment gave */
		if (!pkt->more_fragments && d->total_known && end != d->total)
			return -1; /* a second, conflicting last fragment */
		if (!pkt->more_fragments && d->nranges && d->ranges[d->nranges - 1].end > end)
			return -1; /* earlier data lies past this "last" fragment */
	} else {
		d = dgram_new(t, pkt, ts_ns);
		if (!d)
			return -1;
	}
	if (!pkt->more_fragments) {
		d->total_known = true;
		d->total = end;
	}
	if (dgram_reserve(t, d, end)) {
		dgram_drop(t, d);
		return -1;
	}
	if (n) {
		copy_holes(d, off, rd_make(pkt->payload, n));
		add_range(d, off, end);
	}
	if (!dgram_complete(d))
		return 0;

	/* Hand the buffer over to the table; the datagram itself goes. */
	t->done = d->data;
	*out_payload = d->data;
	*out_len = d->total;
	d->data = NULL;
	dgram_drop(t, d);
	return 1;
}
