/* wire.c - TCP/IP framing of recorded TLS flights. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };

/* Timing model (microseconds): a LAN round trip as seen from near the client. */
enum { T_TURN = 700, T_ACK = 45, T_RTO = 200000, T_INJECT = 150 };

static const uint8_t mac_client[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_server[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x14};

void wire_defaults(struct wire_opts *o, int64_t t0_us, uint16_t cport)
{
	static const uint8_t c4[4] = {192, 0, 2, 10}, s4[4] = {198, 51, 100, 20};
	memset(o, 0, sizeof(*o));
	memcpy(o->cip, c4, 4);
	memcpy(o->sip, s4, 4);
	o->cport = cport;
	o->sport = 443;
	o->ttl_c = 128;
	o->ttl_s = 64;
	o->t0_us = t0_us;
	o->mss = 1448;
	o->reorder.nth = o->retransmit.nth = o->lose.nth = -1;
}

/* Per-connection emitter state. */
struct emitter {
	struct capture *cap;
	const struct wire_opts *o;
	uint32_t seq[2];  /* next sequence number each direction will send */
	uint16_t ipid[2]; /* next IPv4 identification of each host */
	int64_t t;
	int emitted; /* frames produced so far, including skipped ones */
};

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
	put16be(p, (uint16_t)(v >> 16));
	put16be(p + 2, (uint16_t)v);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		acc += (uint32_t)(p[len - 1] << 8);
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Everything about one segment that is not derived from the emitter state. */
struct seg {
	int from_client;
	uint8_t flags;
	const uint8_t *payload;
	size_t len;
	int injected; /* forged by a middlebox: own TTL, IP ID and MAC */
};

static int emit(struct emitter *e, const struct seg *s)
{
	const struct wire_opts *o = e->o;
	int d = s->from_client ? DIR_C2S : DIR_S2C;
	int syn = (s->flags & TH_SYN) != 0;
	int link = e->cap->linktype[o->ifidx];
	size_t l2 = link == DLT_LINUX_SLL ? 16 : 14 + (o->vlan ? 4 : 0);
	size_t l3 = o->ipv6 ? 40 : 20;
	size_t l4 = syn ? 24 : 20; /* SYNs carry the MSS option */
	size_t total = l2 + l3 + l4 + s->len;
	uint8_t *f = calloc(1, total);
	if (!f)
		return -1;

	/* A forger on the path reaches the client through the same router: same MAC. */
	const uint8_t *smac = s->from_client ? mac_client : mac_server;
	const uint8_t *dmac = s->from_client ? mac_server : mac_client;
	uint16_t ethertype = o->ipv6 ? 0x86dd : 0x0800;
	if (link == DLT_LINUX_SLL) {
		/* Captured on the server: what it receives is "to us", what it sends "outgoing". */
		put16be(f, s->from_client ? 0 : 4);
		put16be(f + 2, 1); /* ARPHRD_ETHER */
		put16be(f + 4, 6);
		memcpy(f + 6, smac, 6);
		put16be(f + 14, ethertype);
	} else {
		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		if (o->vlan) {
			put16be(f + 12, 0x8100);
			put16be(f + 14, o->vlan & 0x0fff);
			put16be(f + 16, ethertype);
		} else {
			put16be(f + 12, ethertype);
		}
	}

	const uint8_t *src = s->from_client ? o->cip : o->sip;
	const uint8_t *dst = s->from_client ? o->sip : o->cip;
	uint8_t ttl = s->injected && !o->forger_copies_ttl ? 250 : (s->from_client ? o->ttl_c : o->ttl_s);
	uint8_t *ip = f + l2;
	uint16_t l4len = (uint16_t)(l4 + s->len);
	if (o->ipv6) {
		ip[0] = 0x60;
		put16be(ip + 4, l4len);
		ip[6] = 6;
		ip[7] = ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		put16be(ip + 2, (uint16_t)(20 + l4len));
		/* Hosts count their IP IDs up; the forger uses a constant 0 and no DF. */
		put16be(ip + 4, s->injected ? 0 : e->ipid[d]++);
		put16be(ip + 6, s->injected ? 0 : 0x4000);
		ip[8] = ttl;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16be(ip + 10, fold(sum16(ip, 20, 0)));
	}

	uint8_t *tcp = ip + l3;
	put16be(tcp, s->from_client ? o->cport : o->sport);
	put16be(tcp + 2, s->from_client ? o->sport : o->cport);
	put32be(tcp + 4, e->seq[d]);
	put32be(tcp + 8, (s->flags & TH_ACK) ? e->seq[!d] : 0);
	tcp[12] = (uint8_t)((l4 / 4) << 4);
	tcp[13] = s->flags;
	put16be(tcp + 14, s->injected ? 0 : (s->from_client ? 64240 : 65160));
	if (syn) {
		tcp[20] = 2; /* MSS option */
		tcp[21] = 4;
		put16be(tcp + 22, (uint16_t)(o->mss < 536 ? 536 : o->mss));
	}
	if (s->len)
		memcpy(tcp + l4, s->payload, s->len);

	/* Checksum over the pseudo-header, then the segment. */
	uint32_t acc = 0;
	size_t alen = o->ipv6 ? 16 : 4;
	acc = sum16(src, alen, acc);
	acc = sum16(dst, alen, acc);
	acc += 6 + l4len;
	put16be(tcp + 16, fold(sum16(tcp, l4len, acc)));

	int rc = 0;
	if (e->emitted++ >= o->skip_frames)
		rc = capture_add(e->cap, o->ifidx, e->t, f, total);
	free(f);
	return rc;
}

/* Sends one segment and advances that side's sequence number. */
static int send_seg(struct emitter *e, int from_client, uint8_t flags, const uint8_t *p, size_t len)
{
	struct seg s = {from_client, flags, p, len, 0};
	if (emit(e, &s) != 0)
		return -1;
	e->seq[from_client ? DIR_C2S : DIR_S2C] += (uint32_t)len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	return 0;
}

/* Time a segment takes on a 1 Gbit/s link, plus a little host latency. */
static int64_t seg_time(size_t len)
{
	return 6 + (int64_t)len / 125;
}

static int picked(const struct wire_pick *pk, enum conv_dir dir, int nth)
{
	return pk->nth >= 0 && pk->dir == dir && pk->nth == nth;
}

/*
 * A long flight as a busy network delivers it (bench captures): segment k with
 * k % 53 == 17 swaps places with the next; k % 211 == 101 is lost before the
 * capture point and arrives as a fast retransmission three segments later;
 * k % 97 == 41 is seen twice (lost after the capture point, retransmitted four
 * segments later). The receiver ACKs every second segment with what it holds
 * contiguously, so no ACK ever passes a hole.
 */
static int send_flight_disordered(struct emitter *e, const struct conv_event *ev, size_t mss, size_t nseg)
{
	enum conv_dir d = ev->dir;
	int fc = d == DIR_C2S;
	uint32_t base = e->seq[d];
	size_t *order = malloc(2 * nseg * sizeof(*order));
	unsigned char *got = calloc(nseg, 1);
	size_t n = 0, contig = 0;
	int rc = -1;
	if (!order || !got)
		goto out;
	for (size_t k = 0; k < nseg; k++)
		order[n++] = k;
	for (size_t k = 0; k + 1 < nseg; k++)
		if (k % 53 == 17) {
			size_t t = order[k];
			order[k] = order[k + 1];
			order[k + 1] = t;
		}
	for (size_t k = 0; k + 3 < n; k++)
		if (order[k] % 211 == 101) {
			size_t t = order[k];
			memmove(order + k, order + k + 1, 3 * sizeof(*order));
			order[k + 3] = t;
			k += 3;
		}
	for (size_t k = 0; k + 4 < n; k++)
		if (order[k] % 97 == 41) {
			memmove(order + k + 5, order + k + 4, (n - k - 4) * sizeof(*order));
			order[k + 4] = order[k];
			n++;
			k += 4;
		}
	for (size_t w = 0; w < n; w++) {
		size_t i = order[w], off = i * mss;
		size_t len = ev->len - off < mss ? ev->len - off : mss;
		e->t += seg_time(len);
		e->seq[d] = base + (uint32_t)off;
		struct seg s = {fc, TH_ACK | (i == nseg - 1 ? TH_PSH : 0), ev->data + off, len, 0};
		if (emit(e, &s) != 0)
			goto out;
		got[i] = 1;
		while (contig < nseg && got[contig])
			contig++;
		if (w % 2 == 1 && w + 1 < n) {
			/* The receiver's ACK carries the sender's sequence number as its ack. */
			e->seq[d] = base + (uint32_t)(contig < nseg ? contig * mss : ev->len);
			e->t += 2;
			struct seg a = {!fc, TH_ACK, NULL, 0, 0};
			if (emit(e, &a) != 0)
				goto out;
		}
	}
	e->seq[d] = base + (uint32_t)ev->len;
	rc = 0;
out:
	free(order);
	free(got);
	return rc;
}

static int send_flight(struct emitter *e, const struct conv_event *ev, int nth_in_dir, int nth_overall)
{
	const struct wire_opts *o = e->o;
	enum conv_dir d = ev->dir;
	int fc = d == DIR_C2S;
	size_t mss = (size_t)o->mss;
	if (o->tiny && nth_overall == 0)
		mss = 1;
	else if (o->tiny && nth_overall <= 2)
		mss = 7;
	size_t nseg = (ev->len + mss - 1) / mss;
	if (o->disorder && nseg >= 8)
		return send_flight_disordered(e, ev, mss, nseg);
	uint32_t base = e->seq[d];
	int reorder = picked(&o->reorder, d, nth_in_dir) && nseg >= 2;
	int lose = picked(&o->lose, d, nth_in_dir) && nseg >= 2;

	for (size_t k = 0; k < nseg; k++) {
		/* With reordering the wire order is 1, 0, 2, 3, ... */
		size_t i = reorder && k < 2 ? 1 - k : k;
		size_t off = i * mss;
		size_t len = ev->len - off < mss ? ev->len - off : mss;
		uint8_t flags = TH_ACK | (i == nseg - 1 ? TH_PSH : 0);
		e->t += seg_time(len);
		e->seq[d] = base + (uint32_t)off;
		if (lose && i == 0) {
			/* Skip the frame, but keep IP IDs moving as the sender really sent it. */
			e->ipid[d]++;
			continue;
		}
		struct seg s = {fc, flags, ev->data + off, len, 0};
		if (emit(e, &s) != 0)
			return -1;
	}
	e->seq[d] = base + (uint32_t)ev->len;
	if (picked(&o->retransmit, d, nth_in_dir)) {
		size_t off = (nseg - 1) * mss;
		e->t += T_RTO;
		e->seq[d] = base + (uint32_t)off;
		struct seg s = {fc, TH_ACK | TH_PSH, ev->data + off, ev->len - off, 0};
		if (emit(e, &s) != 0)
			return -1;
		e->seq[d] = base + (uint32_t)ev->len;
	}
	return 0;
}

int wire_emit(struct capture *cap, const struct conv *conv, const struct wire_opts *o, int64_t *t_end)
{
	struct emitter e = {.cap = cap, .o = o, .t = o->t0_us};
	/* Fixed per-port ISNs and IP IDs keep the framing reproducible. */
	e.seq[DIR_C2S] = 0x1c4a0000u + (uint32_t)o->cport * 7919u;
	e.seq[DIR_S2C] = 0x7e310000u + (uint32_t)o->cport * 104729u;
	e.ipid[DIR_C2S] = (uint16_t)(0x2a00 + o->cport % 997);
	e.ipid[DIR_S2C] = (uint16_t)(0x5100 + o->cport % 991);
	e.seq[DIR_C2S] += o->isn_salt;
	e.seq[DIR_S2C] += o->isn_salt * 2654435761u;
	e.ipid[DIR_C2S] = (uint16_t)(e.ipid[DIR_C2S] + o->isn_salt);

	/* Three-way handshake. */
	if (send_seg(&e, 1, TH_SYN, NULL, 0) != 0)
		return -1;
	e.t += T_TURN;
	if (send_seg(&e, 0, TH_SYN | TH_ACK, NULL, 0) != 0)
		return -1;
	e.t += T_ACK;
	if (send_seg(&e, 1, TH_ACK, NULL, 0) != 0)
		return -1;

	int nth_dir[2] = {0, 0}, nth_all = 0;
	int last_dir = DIR_C2S;
	int closed[2] = {0, 0}; /* sent its FIN by EV_HALF_CLOSE */
	for (size_t i = 0; i < conv->n; i++) {
		const struct conv_event *ev = &conv->ev[i];
		int fc = ev->dir == DIR_C2S;
		if (ev->kind == EV_PAUSE) {
			e.t += (int64_t)ev->len;
			continue;
		}
		if ((int)ev->dir != last_dir)
			e.t += T_TURN;
		else
			e.t += T_ACK;
		last_dir = ev->dir;
		switch (ev->kind) {
		case EV_DATA: {
			if (send_flight(&e, ev, nth_dir[ev->dir]++, nth_all++) != 0)
				return -1;
			/* The receiver ACKs unless its own data (carrying the ACK) follows at once. */
			const struct conv_event *nx = i + 1 < conv->n ? &conv->ev[i + 1] : NULL;
			/* A host that has closed answers data with its RST instead. */
			int answered = nx && nx->dir != ev->dir &&
				       (nx->kind == EV_DATA || nx->kind == EV_FIN ||
					(nx->kind == EV_RST && closed[nx->dir]));
			if (!answered && !(nx && nx->kind == EV_INJECTED_RST)) {
				e.t += T_ACK;
				if (send_seg(&e, !fc, TH_ACK, NULL, 0) != 0)
					return -1;
			}
			break;
		}
		case EV_FIN:
			if (send_seg(&e, fc, TH_FIN | TH_ACK, NULL, 0) != 0)
				return -1;
			e.t += T_TURN;
			if (send_seg(&e, !fc, TH_FIN | TH_ACK, NULL, 0) != 0)
				return -1;
			e.t += T_TURN;
			if (send_seg(&e, fc, TH_ACK, NULL, 0) != 0)
				return -1;
			break;
		case EV_RST:
			if (send_seg(&e, fc, TH_RST | TH_ACK, NULL, 0) != 0)
				return -1;
			break;
		case EV_HALF_CLOSE:
			if (send_seg(&e, fc, TH_FIN | TH_ACK, NULL, 0) != 0)
				return -1;
			e.t += T_TURN;
			if (send_seg(&e, !fc, TH_ACK, NULL, 0) != 0)
				return -1;
			closed[ev->dir] = 1;
			break;
		case EV_PAUSE:
			break;
		case EV_INJECTED_RST: {
			/* Arrives faster than the real server could answer: the middlebox is closer. */
			e.t += T_INJECT - T_ACK;
			struct seg s = {0, TH_RST | TH_ACK, NULL, 0, 1};
			if (emit(&e, &s) != 0)
				return -1;
			break;
		}
		}
	}
	if (t_end)
		*t_end = e.t;
	return 0;
}
