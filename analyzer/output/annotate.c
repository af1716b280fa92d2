/* annotate.c - --annotate OUT.pcapng (see annotate.h). The comments are
 * collected while the connections are reported; the input is then read a
 * second time, by format, and written as pcapng: a pcapng input block by
 * block as it was (its interfaces, options and other blocks kept), pcap
 * and NetMon converted. Frames are counted as Wireshark (and the analysis)
 * counts them: every packet block, every pcap record, every NetMon frame
 * the NetMon reader hands out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/annotate.h"
#include "http2.h"
#include "output/output.h"
#include "capture/pcapng_write.h"
#include "rd.h"
#include "capture/netmon.h"
#include "capture/source.h"
#include "tls_names.h"

#define MTLSDIAG_APPL "mtlsdiag (--annotate)"
#define LINKTYPE_USER0 147

/* ---- the comments ---- */

struct note {
	uint64_t frame;
	uint64_t seq;   /* order of arrival: a frame's comments keep it */
	char *text;     /* owned */
};

struct annotations {
	struct note *notes;
	size_t n, cap;
	size_t bytes, max_bytes;
	uint64_t dropped;
	uint64_t seq;
	size_t cursor;  /* annotations_of_frame */
	const char **texts; /* owned array of views, one frame's */
	size_t texts_cap;
};

struct annotations *annotations_new(size_t max_bytes)
{
	struct annotations *an = calloc(1, sizeof *an);
	if (an)
		an->max_bytes = max_bytes;
	return an;
}

void annotations_free(struct annotations *an)
{
	if (!an)
		return;
	for (size_t i = 0; i < an->n; i++)
		free(an->notes[i].text);
	free(an->notes);
	free(an->texts);
	free(an);
}

uint64_t annotations_dropped(const struct annotations *an)
{
	return an->dropped;
}

int annotations_add(struct annotations *an, uint64_t frame, const char *text)
{
	size_t len = strlen(text);
	if (frame == 0)
		return 0; /* "not seen" */
	if (len + 1 > an->max_bytes - an->bytes) {
		an->dropped++;
		return -1;
	}
	if (an->n == an->cap) {
		size_t cap = an->cap ? an->cap * 2 : 64;
		struct note *grown = realloc(an->notes, cap * sizeof *grown);
		if (!grown) {
			an->dropped++;
			return -1;
		}
		an->notes = grown;
		an->cap = cap;
	}
	char *copy = strdup(text);
	if (!copy) {
		an->dropped++;
		return -1;
	}
	an->notes[an->n++] = (struct note){ frame, an->seq++, copy };
	an->bytes += len + 1;
	return 0;
}

static int note_order(const void *x, const void *y)
{
	const struct note *a = x, *b = y;
	if (a->frame != b->frame)
		return a->frame < b->frame ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void annotations_sort(struct annotations *an)
{
	if (an->n > 1)
		qsort(an->notes, an->n, sizeof *an->notes, note_order);
	/* The same words on a frame (two findings citing one alert) once. */
	size_t kept = 0;
	for (size_t i = 0; i < an->n; i++) {
		bool dup = false;
		for (size_t k = kept; k-- > 0 && an->notes[k].frame == an->notes[i].frame;)
			if (strcmp(an->notes[k].text, an->notes[i].text) == 0) {
				dup = true;
				break;
			}
		if (dup)
			free(an->notes[i].text);
		else
			an->notes[kept++] = an->notes[i];
	}
	an->n = kept;
	an->cursor = 0;
}

size_t annotations_of_frame(struct annotations *an, uint64_t frame, const char *const **texts)
{
	while (an->cursor < an->n && an->notes[an->cursor].frame < frame)
		an->cursor++;
	size_t n = 0;
	while (an->cursor + n < an->n && an->notes[an->cursor + n].frame == frame)
		n++;
	if (n > an->texts_cap) {
		const char **grown = realloc(an->texts, n * sizeof *grown);
		if (!grown)
			n = an->texts_cap; /* fewer comments rather than none */
		else {
			an->texts = grown;
			an->texts_cap = n;
		}
	}
	for (size_t i = 0; i < n; i++)
		an->texts[i] = an->notes[an->cursor + i].text;
	*texts = an->texts;
	return n;
}

/* ---- what the diagnosis puts on the frames ---- */

__attribute__((format(printf, 3, 4))) static void note(struct annotations *an, uint64_t frame, const char *fmt, ...)
{
	char text[1600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	annotations_add(an, frame, text);
}

/* How a fact was seen, after its words: nothing for cleartext. */
static const char *seen(enum visibility v)
{
	return v == VIS_DECRYPTED ? " [decrypted]" : v == VIS_INFERRED ? " [inferred]" : "";
}

static bool http_refuses(int status)
{
	return status == 400 || status == 401 || status == 403 || status == 495 || status == 496;
}

static void note_http(struct annotations *an, const struct tls_conn *c)
{
	/* The first status alone, when the exchanges were not kept. */
	if (!c->http || c->http->n == 0) {
		if (http_refuses(c->http_status))
			note(an, c->http_response_frame, "mtlsdiag: HTTP %d refusal [decrypted]", c->http_status);
		return;
	}
	for (size_t i = 0; i < c->http->n; i++) {
		const struct http_exchange *e = &c->http->ex[i];
		if (e->response_frame && http_refuses(e->status))
			note(an, e->response_frame, "mtlsdiag: HTTP %d refusal [decrypted]", e->status);
		/* NO_ERROR and CANCEL are routine. */
		if (e->reset_frame && e->reset_error != 0x0 && e->reset_error != 0x8) {
			const char *name = http2_error_name(e->reset_error);
			if (name)
				note(an, e->reset_frame, "mtlsdiag: HTTP/2 RST_STREAM %s on stream %u [decrypted]", name,
				     (unsigned)e->stream_id);
			else
				note(an, e->reset_frame, "mtlsdiag: HTTP/2 RST_STREAM 0x%x on stream %u [decrypted]",
				     (unsigned)e->reset_error, (unsigned)e->stream_id);
		}
	}
}

void annotations_add_conn(struct annotations *an, const struct tls_conn *c, const struct findings *f)
{
	/* The facts, in the order of the handshake... */
	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *r = &c->requests[i];
		size_t names = r->n_ca_names + r->ca_names_dropped;
		if (names == 0)
			note(an, r->frame, "mtlsdiag: CertificateRequest (%s), no CA names%s", cr_phase_name(r->phase),
			     seen(r->visibility));
		else
			note(an, r->frame, "mtlsdiag: CertificateRequest (%s), %zu CA name%s%s", cr_phase_name(r->phase),
			     names, names == 1 ? "" : "s", seen(r->visibility));
	}
	if (c->hello_request_frame)
		note(an, c->hello_request_frame, "mtlsdiag: HelloRequest: the server asks for a renegotiation");
	if (c->first_reneg_frame)
		note(an, c->first_reneg_frame, "mtlsdiag: renegotiation starts (by the %s)", side_name(c->reneg_initiator));
	for (size_t i = 0; i < c->n_cc_msgs; i++) {
		const struct client_cert_msg *m = &c->cc_msgs[i];
		if (m->n_certs == 0)
			note(an, m->frame, "mtlsdiag: empty client Certificate (no certificate sent)%s", seen(m->visibility));
		else
			note(an, m->frame, "mtlsdiag: client Certificate, %zu certificate%s%s", m->n_certs,
			     m->n_certs == 1 ? "" : "s", seen(m->visibility));
	}
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_fact *al = &c->alerts[i];
		if (al->level < 0 || al->description < 0)
			note(an, al->frame, "mtlsdiag: encrypted alert from the %s%s", side_name(al->from),
			     seen(al->visibility));
		else
			note(an, al->frame, "mtlsdiag: %s alert %s from the %s%s", tls_alert_level_name((uint8_t)al->level),
			     tls_alert_name((uint8_t)al->description), side_name(al->from), seen(al->visibility));
	}
	note_http(an, c);
	/* ...then what they prove, and the findings, cause first. */
	const struct outcome *oc = &f->outcome;
	for (size_t k = 0; k < oc->n_frames && k < OUTCOME_MAX_FRAMES; k++)
		note(an, oc->frames[k], "mtlsdiag: outcome %s (the proof): %s", outcome_name(oc->kind), oc->reason);
	for (size_t i = 0; i < f->n && i < FINDINGS_MAX; i++) {
		const struct finding *fi = &f->items[i];
		for (size_t k = 0; k < fi->n_frames && k < FINDING_MAX_FRAMES; k++)
			note(an, fi->frames[k], "mtlsdiag: %s %s%s: %s", severity_name(fi->severity), fi->id,
			     finding_is_cause(f, i) ? " (the cause)" : "", fi->message);
	}
}

void annotate_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f)
{
	struct annotate_sink *s = ctx;
	if (s->an)
		annotations_add_conn(s->an, conn, f);
	if (s->next.take) {
		s->next.take(s->next.ctx, file_name, conn, f);
		return;
	}
	output_conn(s->out, file_name, conn, f);
	tls_conn_release(conn);
	free(conn);
}

/* ---- the paths ---- */

int annotate_check_paths(const char *in, const char *out, char *err, size_t errsz)
{
	struct stat si, so;
	if (strcmp(in, "-") == 0) {
		snprintf(err, errsz, "--annotate reads the capture twice, and standard input can be read only once: "
				     "save it to a file first");
		return -1;
	}
	if (stat(in, &si) != 0) {
		snprintf(err, errsz, "%s: %s", in, strerror(errno));
		return -1;
	}
	if (!S_ISREG(si.st_mode)) {
		snprintf(err, errsz, "--annotate reads the capture twice, and %s is not a regular file (a pipe or "
				     "FIFO is read only once): save it to a file first", in);
		return -1;
	}
	if (strcmp(out, "-") != 0 && stat(out, &so) == 0 && so.st_dev == si.st_dev && so.st_ino == si.st_ino) {
		snprintf(err, errsz, "--annotate %s would overwrite the capture it reads", out);
		return -1;
	}
	return 0;
}

int annotate_check_run(const char *out, int n_files, const char *in, bool other_mode, bool report_to_file,
		       char *err, size_t errsz)
{
	if (other_mode || n_files != 1) {
		snprintf(err, errsz, "--annotate writes one annotated capture: give it exactly one capture FILE "
				     "(not -i or compare; to annotate several, run once per file)");
		return -1;
	}
	if (strcmp(out, "-") == 0 && !report_to_file) {
		snprintf(err, errsz, "--annotate -: standard output carries the report; write the report elsewhere "
				     "with -o FILE");
		return -1;
	}
	return annotate_check_paths(in, out, err, errsz);
}

/* ---- pass 2: the writer ---- */

struct writer {
	FILE *out;
	struct annotations *an;
	struct annotate_result *res;
	struct pcapng_buf blk;
	uint64_t frame;     /* frames so far */
	char *err;
	size_t errsz;
};

static int emit(struct writer *w, const uint8_t *p, size_t n)
{
	if (fwrite(p, 1, n, w->out) != n) {
		snprintf(w->err, w->errsz, "writing: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int emit_block(struct writer *w)
{
	if (w->blk.failed) {
		snprintf(w->err, w->errsz, "frame %llu: out of memory, or a block too large",
			 (unsigned long long)w->frame);
		return -1;
	}
	return emit(w, w->blk.p, w->blk.len);
}

/* The next frame's comments, counted. */
static size_t next_frame(struct writer *w, const char *const **texts)
{
	w->frame++;
	w->res->frames++;
	size_t n = annotations_of_frame(w->an, w->frame, texts);
	if (n) {
		w->res->annotated_frames++;
		w->res->comments += n;
	}
	return n;
}

static int write_epb(struct writer *w, uint32_t ifid, uint64_t ticks, const uint8_t *data, uint32_t caplen,
		     uint32_t wirelen)
{
	const char *const *texts;
	size_t n = next_frame(w, &texts);
	pcapng_epb(&w->blk, ifid, ticks, data, caplen, wirelen, texts, n);
	return emit_block(w);
}

static int rd_u32_order(struct rd *d, bool swap, uint32_t *v)
{
	return swap ? rd_u32(d, v) : rd_u32le(d, v);
}

/* pcap: the file header gives the byte order, the time resolution, the
 * link type and the snap length; each record becomes an EPB. */
#define PCAP_MAX_RECORD (PCAPNG_WRITE_MAX_BLOCK - 4096u)
static int copy_pcap(struct writer *w, FILE *in)
{
	uint8_t hdr[24];
	if (fread(hdr, 1, sizeof hdr, in) != sizeof hdr) {
		snprintf(w->err, w->errsz, "truncated pcap file header");
		return -1;
	}
	struct rd d = rd_make(hdr, sizeof hdr);
	uint32_t magic, v32, snaplen, linktype;
	rd_u32le(&d, &magic);
	bool swap, nano = false;
	size_t rec_hdr = 16;
	switch (magic) {
	case 0xA1B2C3D4u: swap = false; break;
	case 0xD4C3B2A1u: swap = true; break;
	case 0xA1B23C4Du: swap = false; nano = true; break;
	case 0x4D3CB2A1u: swap = true; nano = true; break;
	case 0xA1B2CD34u: swap = false; rec_hdr = 24; break; /* Kuznetsov's modified pcap */
	case 0x34CDB2A1u: swap = true; rec_hdr = 24; break;
	default:
		snprintf(w->err, w->errsz, "not a pcap file mtlsdiag can convert (magic 0x%08x)", magic);
		return -1;
	}
	rd_u32_order(&d, swap, &v32); /* versions */
	rd_u32_order(&d, swap, &v32); /* thiszone */
	rd_u32_order(&d, swap, &v32); /* sigfigs */
	rd_u32_order(&d, swap, &snaplen);
	rd_u32_order(&d, swap, &linktype);
	struct pcapng_buf *b = &w->blk;
	if (pcapng_shb(b, MTLSDIAG_APPL) || emit_block(w))
		return -1;
	/* The upper bits of the link type field carry FCS information,
	 * which pcapng keeps elsewhere. */
	if (pcapng_idb(b, (uint16_t)(linktype & 0xFFFF), snaplen, nano ? 9 : -1, NULL, NULL) || emit_block(w))
		return -1;
	uint8_t *data = malloc(65536);
	size_t data_cap = 65536;
	if (!data) {
		snprintf(w->err, w->errsz, "out of memory");
		return -1;
	}
	int rc = 0;
	for (;;) {
		uint8_t rh[24];
		size_t got = fread(rh, 1, rec_hdr, in);
		if (got == 0)
			break;
		uint32_t sec, frac, caplen, wirelen;
		struct rd r = rd_make(rh, got);
		if (got < rec_hdr || rd_u32_order(&r, swap, &sec) || rd_u32_order(&r, swap, &frac) ||
		    rd_u32_order(&r, swap, &caplen) || rd_u32_order(&r, swap, &wirelen) ||
		    caplen > PCAP_MAX_RECORD) {
			w->res->input_damaged = true;
			break;
		}
		if (caplen > data_cap) {
			uint8_t *grown = realloc(data, caplen);
			if (!grown) {
				snprintf(w->err, w->errsz, "out of memory");
				rc = -1;
				break;
			}
			data = grown;
			data_cap = caplen;
		}
		if (fread(data, 1, caplen, in) != caplen) {
			w->res->input_damaged = true;
			break;
		}
		uint64_t ticks = (uint64_t)sec * (nano ? 1000000000u : 1000000u) + frac;
		if (write_epb(w, 0, ticks, data, caplen, wirelen) != 0) {
			rc = -1;
			break;
		}
	}
	free(data);
	return rc;
}

/* pcapng: every block copied as it was; packet blocks that have comments
 * get them as options. Each section keeps its own byte order. */
static int copy_pcapng(struct writer *w, FILE *in)
{
	uint8_t *block = NULL;
	size_t cap = 0;
	bool swap = false;
	int rc = 0;
	struct pcapng_buf *b = &w->blk;
	for (;;) {
		uint8_t head[12];
		size_t got = fread(head, 1, 8, in);
		if (got == 0)
			break;
		if (got < 8) {
			w->res->input_damaged = true;
			break;
		}
		struct rd d = rd_make(head, 8);
		uint32_t type, len;
		rd_u32le(&d, &type);
		if (type == PCAPNG_BLOCK_SHB) {
			uint32_t bom;
			if (fread(head + 8, 1, 4, in) != 4) {
				w->res->input_damaged = true;
				break;
			}
			struct rd m = rd_make(head + 8, 4);
			rd_u32le(&m, &bom);
			if (bom != 0x1A2B3C4Du && bom != 0x4D3C2B1Au) {
				w->res->input_damaged = true;
				break;
			}
			swap = bom == 0x4D3C2B1Au;
		}
		d = rd_make(head + 4, 4);
		if (swap)
			rd_u32(&d, &len);
		else
			rd_u32le(&d, &len);
		size_t have = type == PCAPNG_BLOCK_SHB ? 12 : 8;
		if (len < 12 || len < have + 4 || len % 4 || len > PCAPNG_WRITE_MAX_BLOCK) {
			w->res->input_damaged = true;
			break;
		}
		if (len > cap) {
			uint8_t *grown = realloc(block, len);
			if (!grown) {
				snprintf(w->err, w->errsz, "out of memory");
				rc = -1;
				break;
			}
			block = grown;
			cap = len;
		}
		memcpy(block, head, have);
		if (fread(block + have, 1, len - have, in) != len - have) {
			w->res->input_damaged = true;
			break;
		}
		const uint8_t *outp = block;
		size_t outn = len;
		if (type == PCAPNG_BLOCK_EPB || type == PCAPNG_BLOCK_OPB || type == PCAPNG_BLOCK_SPB) {
			const char *const *texts;
			size_t n = next_frame(w, &texts);
			if (n && type == PCAPNG_BLOCK_SPB) {
				w->res->uncommentable++; /* a simple packet block has no options */
			} else if (n) {
				b->swap = swap;
				if (pcapng_add_comments(b, block, len, texts, n) == 0) {
					outp = b->p;
					outn = b->len;
				} else if (b->failed) {
					snprintf(w->err, w->errsz, "frame %llu: out of memory, or a block too large",
						 (unsigned long long)w->frame);
					rc = -1;
					break;
				} else {
					w->res->uncommentable++; /* its options do not parse: kept as it was */
				}
			}
		}
		if (emit(w, outp, outn) != 0) {
			rc = -1;
			break;
		}
	}
	free(block);
	return rc;
}

/* NetMon: frames as the NetMon reader hands them out (Wireshark's
 * numbering, the 802.11 metadata header removed as Wireshark does), one
 * interface per link type, nanosecond times. A media type with no pcap
 * link type is kept on a LINKTYPE_USER0 interface named after it, so that
 * the numbering stays. */
#define NETMON_MAX_IFACES 64
static int copy_netmon(struct writer *w, const char *path)
{
	char rerr[256];
	struct netmon_reader *nm = netmon_reader_open(path, rerr, sizeof rerr);
	if (!nm) {
		snprintf(w->err, w->errsz, "%s", rerr);
		return -1;
	}
	int linktypes[NETMON_MAX_IFACES];
	size_t n_ifaces = 0;
	int rc = 0;
	struct pcapng_buf *b = &w->blk;
	if (pcapng_shb(b, MTLSDIAG_APPL) || emit_block(w)) {
		netmon_reader_close(nm);
		return -1;
	}
	for (;;) {
		struct source_frame fr;
		enum source_status st = netmon_reader_next(nm, &fr, rerr, sizeof rerr);
		if (st == SOURCE_END)
			break;
		if (st == SOURCE_ERROR) {
			w->res->input_damaged = true;
			break;
		}
		size_t ifid = 0;
		while (ifid < n_ifaces && linktypes[ifid] != fr.linktype)
			ifid++;
		if (ifid == n_ifaces) {
			if (n_ifaces == NETMON_MAX_IFACES) {
				snprintf(w->err, w->errsz, "frame %llu: more than %d media types",
					 (unsigned long long)w->frame + 1, NETMON_MAX_IFACES);
				rc = -1;
				break;
			}
			char name[40], descr[120];
			bool foreign = fr.linktype >= NETMON_LINKTYPE_BASE;
			if (foreign) {
				snprintf(name, sizeof name, "netmon-media-0x%04x", fr.linktype - NETMON_LINKTYPE_BASE);
				snprintf(descr, sizeof descr,
					 "Network Monitor media type 0x%04x, which has no pcap link type",
					 fr.linktype - NETMON_LINKTYPE_BASE);
			}
			linktypes[n_ifaces++] = fr.linktype;
			if (pcapng_idb(b, foreign ? LINKTYPE_USER0 : (uint16_t)fr.linktype, 262144, 9,
				       foreign ? name : NULL, foreign ? descr : NULL) ||
			    emit_block(w)) {
				rc = -1;
				break;
			}
		}
		uint64_t ticks = fr.ts_ns < 0 ? 0 : (uint64_t)fr.ts_ns;
		if (write_epb(w, (uint32_t)ifid, ticks, fr.data, (uint32_t)fr.caplen, (uint32_t)fr.wirelen) != 0) {
			rc = -1;
			break;
		}
	}
	netmon_reader_close(nm);
	return rc;
}

int annotate_write(const char *in, const char *out, struct annotations *an, struct annotate_result *res,
		   char *err, size_t errsz)
{
	memset(res, 0, sizeof *res);
	FILE *fin = fopen(in, "rb");
	if (!fin) {
		snprintf(err, errsz, "%s: %s", in, strerror(errno));
		return -1;
	}
	char *fin_buf = NULL; /* freed after fclose(fin) */
	source_buffer_file(fin, &fin_buf);
	uint8_t magic[4] = { 0 };
	size_t n = fread(magic, 1, 4, fin);
	bool to_stdout = strcmp(out, "-") == 0;
	FILE *fout = to_stdout ? stdout : fopen(out, "wb");
	if (!fout) {
		snprintf(err, errsz, "%s: %s", out, strerror(errno));
		fclose(fin);
		free(fin_buf);
		return -1;
	}
	struct writer w = { .out = fout, .an = an, .res = res, .err = err, .errsz = errsz };
	pcapng_buf_init(&w.blk, false);
	annotations_sort(an);
	int rc;
	if (n == 4 && memcmp(magic, "\x0a\x0d\x0d\x0a", 4) == 0) {
		rewind(fin);
		rc = copy_pcapng(&w, fin);
	} else if (n == 4 && (memcmp(magic, "GMBU", 4) == 0 || memcmp(magic, "RTSS", 4) == 0)) {
		rc = copy_netmon(&w, in);
	} else {
		rewind(fin);
		rc = copy_pcap(&w, fin);
	}
	fclose(fin);
	free(fin_buf);
	pcapng_buf_release(&w.blk);
	if (fflush(fout) != 0 && rc == 0) {
		snprintf(err, errsz, "writing: %s", strerror(errno));
		rc = -1;
	}
	if (!to_stdout && fclose(fout) != 0 && rc == 0) {
		snprintf(err, errsz, "writing: %s", strerror(errno));
		rc = -1;
	}
	if (rc != 0 && !to_stdout)
		unlink(out);
	return rc;
}

int annotate_run(struct annotations *an, const char *in, const char *out, bool quiet)
{
	char err[512];
	struct annotate_result res;
	const char *shown = strcmp(out, "-") == 0 ? "(stdout)" : out;
	if (!an) {
		fprintf(stderr, "mtlsdiag: --annotate %s: out of memory; no annotated copy written\n", shown);
		return -1;
	}
	if (annotate_write(in, out, an, &res, err, sizeof err) != 0) {
		fprintf(stderr, "mtlsdiag: --annotate %s: %s; no annotated copy written\n", shown, err);
		return -1;
	}
	if (annotations_dropped(an))
		fprintf(stderr, "mtlsdiag: --annotate %s: %llu comments left out, past the %u MiB of comment text kept "
				"(the report has them all)\n",
			shown, (unsigned long long)annotations_dropped(an), ANNOTATE_MAX_BYTES >> 20);
	if (res.uncommentable)
		fprintf(stderr, "mtlsdiag: --annotate %s: %llu frames could not take their comments (simple packet "
				"blocks have no options, or the block's options did not parse)\n",
			shown, (unsigned long long)res.uncommentable);
	if (res.input_damaged)
		fprintf(stderr, "mtlsdiag: --annotate %s: the copy ends after frame %llu, where %s is damaged\n", shown,
			(unsigned long long)res.frames, in);
	if (!quiet)
		fprintf(stderr, "mtlsdiag: annotated %s: %llu comments on %llu of %llu frames (Wireshark: frame.comment)\n",
			shown, (unsigned long long)res.comments, (unsigned long long)res.annotated_frames,
			(unsigned long long)res.frames);
	return 0;
}
