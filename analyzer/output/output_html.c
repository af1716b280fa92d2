/* output_html.c - the report as one HTML5 page for showing a diagnosis to
 * someone else: per connection the outcome and findings, then the
 * handshake as an SVG sequence diagram (client and server lanes, time
 * going down), the CA lists, the client chain and decrypted HTTP.
 *
 * Connections are written as they are reported, each in a collapsed
 * <details>; one table row per connection goes to a temporary file and is
 * copied into the summary at the end, which CSS shows first. Every string
 * from the capture is escaped: names, SNI and paths come from strangers. */
#include <stdlib.h>
#include <string.h>

#include "diagnosis/compare.h"
#include "output/output_common.h"
#include "output/output_html.h"
#include "output/output_stack.h"
#include "diagnosis/story.h"
#include "output/textbuf.h"
#include "tls_handshake.h"
#include "tls_names.h"

/* Connections shown expanded; the rest are collapsed (thousands of
 * diagrams open at once make a page nobody can scroll). */
#define HTML_OPEN_CONNS 10
#define HTML_MAX_FILES 16

struct html_report {
	bool begun;
	bool summary_written;
	FILE *rows; /* owned: the connections table, until the summary */
	uint64_t n_conns;
	/* The captures the connections came from, for the summary (the first
	 * HTML_MAX_FILES named, the rest counted). */
	char *files[HTML_MAX_FILES]; /* owned */
	size_t n_files;
	uint64_t files_not_named;
};

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<title>mtlsdiag report</title>\n<style>\n"
	"body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}\n"
	".page{display:flex;flex-direction:column;padding:0 1.5em 2em}\n"
	"header{order:-2}#summary{order:-1}\n"
	"h1{font-size:1.4em;margin:.6em 0 .2em}h2{font-size:1.15em}\n"
	"table{border-collapse:collapse;margin:.4em 0;font-size:.9em}\n"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#eee}\n"
	"details.conn{border:1px solid #bbb;border-radius:4px;margin:.5em 0;padding:.3em .8em;background:#fff}\n"
	"details.conn>summary{cursor:pointer;font-weight:600}\n"
	".mono{font-family:ui-monospace,monospace;font-size:.9em}\n"
	".oc{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;font-weight:600}\n"
	".oc-yes{background:#c62828}.oc-no{background:#2e7d32}.oc-undetermined{background:#9e7c00}\n"
	".sev{display:inline-block;width:5.5em;font-weight:700}\n"
	".sev-error{color:#c62828}.sev-warning{color:#b26a00}.sev-info{color:#666}\n"
	".finding{margin:.3em 0 .6em;padding:.3em .6em;border-left:4px solid #ccc;background:#f6f6f6}\n"
	".finding.cause{border-left-color:#c62828;background:#fdecea}\n"
	".cause-mark{color:#c62828;font-weight:700;margin-left:.6em}\n"
	".fix{margin-top:.2em}.fix b{color:#2e7d32}\n"
	".jump{margin:.6em 0;font-size:.9em}\n"
	"svg.ladder{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}\n"
	"svg.ladder text{font-family:ui-monospace,monospace;font-size:11px;fill:#222}\n"
	"svg.ladder .lane{stroke:#888;stroke-width:2}\n"
	"svg.ladder .lanehead{font-weight:700;font-size:12px}\n"
	"svg.ladder .meta{fill:#666}\n"
	"svg.ladder line.msg{stroke:#455a64;stroke-width:1.5}\n"
	"svg.ladder polygon{fill:#455a64}\n"
	"svg.ladder .enc line.msg{stroke-dasharray:6 4}\n"
	"svg.ladder .inferred line.msg{stroke-dasharray:2 3}\n"
	"svg.ladder .req line.msg{stroke:#e65100;stroke-width:2.5}svg.ladder .req polygon{fill:#e65100}\n"
	"svg.ladder .req text.lbl{fill:#e65100;font-weight:700}\n"
	"svg.ladder .ccert line.msg{stroke:#1565c0;stroke-width:2.5}svg.ladder .ccert polygon{fill:#1565c0}\n"
	"svg.ladder .ccert text.lbl{fill:#1565c0;font-weight:700}\n"
	"svg.ladder .alert line.msg{stroke:#c62828;stroke-width:2.5}svg.ladder .alert polygon{fill:#c62828}\n"
	"svg.ladder .alert text.lbl{fill:#c62828;font-weight:700}\n"
	"svg.ladder circle.dec{fill:#2e7d32}\n"
	"svg.ladder rect.reneg{fill:#ede7f6}svg.ladder rect.post{fill:#e0f2f1}\n"
	"svg.ladder text.phase{fill:#5e35b1;font-style:italic}\n"
	".legend{font-size:.8em;color:#555;margin:.2em 0 .8em}\n"
	".legend span{margin-right:1.2em}\n"
	".k-req{color:#e65100;font-weight:700}.k-cc{color:#1565c0;font-weight:700}.k-al{color:#c62828;font-weight:700}\n"
	".pair{display:flex;gap:1em;align-items:flex-start}.pair>div{flex:1;min-width:0}\n"
	".k-dec{color:#2e7d32;font-weight:700}.k-rn{background:#ede7f6}.k-ph{background:#e0f2f1}\n"
	"</style>\n</head>\n<body>\n<div class=\"page\">\n"
	"<header><h1>mtlsdiag: client certificate report</h1>\n";

/* Text from the capture into the page: the five characters HTML gives a
 * meaning, and control characters, which no name should carry. */
static void h_esc(struct textbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&':
			tb_lit(b, "&amp;");
			break;
		case '<':
			tb_lit(b, "&lt;");
			break;
		case '>':
			tb_lit(b, "&gt;");
			break;
		case '"':
			tb_lit(b, "&quot;");
			break;
		case '\'':
			tb_lit(b, "&#39;");
			break;
		default:
			tb_char(b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
		}
	}
}

/* Same for a file stream (the summary, written without a textbuf). */
static void f_esc(FILE *fp, const char *s)
{
	struct textbuf b;
	textbuf_init(&b, fp);
	h_esc(&b, s);
	textbuf_flush(&b);
}

static struct html_report *html_begin(struct output *o)
{
	if (!o->html) {
		o->html = calloc(1, sizeof *o->html);
		if (!o->html)
			return NULL;
	}
	if (!o->html->begun) {
		o->html->begun = true;
		o->html->rows = tmpfile();
		fputs(html_head, o->fp);
		/* -q writes no summary: nothing to link to. */
		if (!o->no_summary)
			fputs("<p class=\"jump\"><a href=\"#summary\">Jump to the summary</a> &middot; "
			      "<a href=\"#connections\">connections</a></p>", o->fp);
		fputs("</header>\n<main id=\"connections\">\n", o->fp);
	}
	return o->html;
}

/* The anchor of a connection: unique across files. */
static void conn_anchor(struct textbuf *b, const struct tls_conn *c)
{
	tb_printf(b, "c%u-%llu", c->file_index, (unsigned long long)c->stream);
}

static const char *failure_class(enum outcome_failure f)
{
	return f == FAILURE_YES ? "oc-yes" : f == FAILURE_NO ? "oc-no" : "oc-undetermined";
}

static void outcome_badge(struct textbuf *b, const struct outcome *oc)
{
	tb_lit(b, "<span class=\"oc ");
	tb_str(b, failure_class(oc->failure));
	tb_lit(b, "\">");
	tb_str(b, outcome_name(oc->kind));
	tb_lit(b, "</span>");
}

/* A table row of the summary, kept in the temporary file. */
static void spool_row(struct html_report *h, const char *file_name, const struct tls_conn *c,
		      const struct findings *fs)
{
	if (!h->rows)
		return;
	char cl[80], sv[80];
	struct textbuf b;
	textbuf_init(&b, h->rows);
	tb_lit(&b, "<tr><td><a href=\"#");
	conn_anchor(&b, c);
	tb_lit(&b, "\">");
	tb_u64(&b, c->stream, 0);
	tb_lit(&b, "</a></td><td>");
	h_esc(&b, file_name);
	tb_lit(&b, "</td><td class=\"mono\">");
	h_esc(&b, endpoint_text(&c->client, cl, sizeof cl));
	tb_lit(&b, " &rarr; ");
	h_esc(&b, endpoint_text(&c->server, sv, sizeof sv));
	tb_lit(&b, "</td><td>");
	if (c->have_client_hello)
		h_esc(&b, c->ch.sni);
	tb_lit(&b, "</td><td>");
	outcome_badge(&b, &fs->outcome);
	tb_lit(&b, "</td><td>");
	if (fs->n)
		h_esc(&b, fs->items[0].id);
	tb_lit(&b, "</td></tr>\n");
	textbuf_flush(&b);
}

static void note_file(struct html_report *h, const char *file_name)
{
	if (h->n_files && strcmp(h->files[h->n_files - 1], file_name) == 0)
		return;
	for (size_t i = 0; i < h->n_files; i++)
		if (strcmp(h->files[i], file_name) == 0)
			return;
	char *copy = h->n_files < HTML_MAX_FILES ? strdup(file_name) : NULL;
	if (copy)
		h->files[h->n_files++] = copy;
	else
		h->files_not_named++;
}

/* A finding's message and fix, closing its <div class="finding">. */
static void html_message_fix(struct textbuf *b, const char *message, const char *remedy)
{
	output_fill(b, "<div>%s</div><div class=\"fix\"><b>Fix:</b> %s</div></div>\n", h_esc,
		    (const char *const[]){ message, remedy }, 2);
}

/* A finding's box up to its ID: severity badge, then the ID; the cause
 * (of a connection, or of a compared pair) is marked. */
static void finding_open(struct textbuf *b, bool cause, enum severity severity, const char *id)
{
	tb_str(b, cause ? "<div class=\"finding cause\">" : "<div class=\"finding\">");
	tb_lit(b, "<span class=\"sev sev-");
	tb_str(b, severity_name(severity));
	tb_lit(b, "\">");
	tb_str(b, severity_name(severity));
	tb_lit(b, "</span> <b class=\"mono\">");
	h_esc(b, id);
	tb_lit(b, "</b>");
}

static void html_findings(struct textbuf *b, const struct findings *fs)
{
	if (fs->n == 0) {
		tb_lit(b, "<p>No findings.</p>\n");
		return;
	}
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->items[i];
		bool cause = finding_is_cause(fs, i);
		finding_open(b, cause, f->severity, f->id);
		output_frame_list(b, " (frames ", f->frames, f->n_frames, ")");
		if (cause)
			tb_lit(b, "<span class=\"cause-mark\">&larr; the cause</span>");
		html_message_fix(b, f->message, f->remedy);
	}
}

/* Where the ladder draws (pixels). */
#define LAD_W 860
#define LAD_CLIENT_X 230
#define LAD_SERVER_X 760
#define LAD_TOP 44
#define LAD_ROW 24

/* What one step of the ladder is, for its colour and line style. */
struct ladder_step {
	bool request, client_cert, alert, encrypted, decrypted, inferred;
	int phase; /* 0 initial, 1 renegotiation, 2 post-handshake */
};

static uint64_t post_handshake_frame(const struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_requests; i++)
		if (c->requests[i].phase == PHASE_POST_HANDSHAKE)
			return c->requests[i].frame;
	return 0;
}

static bool is_encrypted_step(const struct conn_event *e)
{
	/* TLS 1.3 hides its handshake in records typed application data. */
	return (e->kind == EV_ENC_HANDSHAKE || e->kind == EV_APP_DATA) && !e->decrypted;
}

/* The step that carries what was only inferred from record sizes at
 * `frame` from `side`: its first encrypted record. */
static bool is_inferred_carrier(const struct tls_conn *c, size_t i, uint64_t frame, enum side side)
{
	const struct conn_event *e = &c->events[i];
	if (!frame || e->frame != frame || e->from != side || !is_encrypted_step(e))
		return false;
	return i == 0 || !(c->events[i - 1].frame == frame && c->events[i - 1].from == side &&
			   is_encrypted_step(&c->events[i - 1]));
}

static struct ladder_step step_facts(const struct tls_conn *c, size_t i, uint64_t post_frame)
{
	const struct conn_event *e = &c->events[i];
	struct ladder_step st = { 0 };
	st.request = e->kind == EV_HANDSHAKE && e->hs_type == TLS_HS_CERTIFICATE_REQUEST;
	st.client_cert = e->kind == EV_HANDSHAKE && e->hs_type == TLS_HS_CERTIFICATE && e->from == SIDE_CLIENT;
	st.alert = e->kind == EV_ALERT || e->kind == EV_RST;
	st.encrypted = is_encrypted_step(e);
	if (e->kind == EV_ALERT && !e->decrypted)
		for (size_t k = 0; k < c->n_alerts; k++)
			if (c->alerts[k].frame == e->frame && c->alerts[k].from == (enum side)e->from)
				st.encrypted = c->alerts[k].encrypted;
	st.decrypted = e->decrypted;
	for (size_t k = 0; k < c->n_requests; k++)
		if (c->requests[k].visibility == VIS_INFERRED &&
		    is_inferred_carrier(c, i, c->requests[k].frame, SIDE_SERVER))
			st.request = st.inferred = true;
	if (c->cc_visibility == VIS_INFERRED && is_inferred_carrier(c, i, c->client_cert_frame, SIDE_CLIENT))
		st.client_cert = st.inferred = true;
	if (c->renegotiated && c->first_reneg_frame && e->frame >= c->first_reneg_frame)
		st.phase = 1;
	else if (post_frame && e->frame >= post_frame)
		st.phase = 2;
	return st;
}

/* " fatal bad_certificate (42)" from the alert facts of the frame. */
static void alert_detail(struct textbuf *b, const struct tls_conn *c, const struct conn_event *e)
{
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_fact *al = &c->alerts[i];
		if (al->frame != e->frame || al->from != (enum side)e->from)
			continue;
		if (al->encrypted)
			tb_lit(b, " (encrypted)");
		else
			tb_printf(b, " %s %s (%d)", tls_alert_level_name((uint8_t)al->level),
				  tls_alert_name((uint8_t)al->description), al->description);
		return;
	}
}

static void step_label(struct textbuf *b, const struct tls_conn *c, const struct conn_event *e,
		       const struct ladder_step *st)
{
	struct textbuf lb;
	textbuf_init(&lb, NULL);
	output_event_label(&lb, e);
	tb_mem(&lb, "", 1);
	h_esc(b, lb.data);
	if (e->kind == EV_HANDSHAKE || e->kind == EV_SSLV2_HELLO)
		tb_printf(b, " (%u B)", (unsigned)e->bytes);
	if (e->kind == EV_ALERT)
		alert_detail(b, c, e);
	if (e->decrypted)
		tb_lit(b, " *");
	if (st->inferred && st->request)
		tb_lit(b, " \xe2\x87\x92 CertificateRequest (inferred)");
	else if (st->inferred && st->client_cert)
		tb_lit(b, " \xe2\x87\x92 client Certificate (inferred)");
}

static void html_ladder(struct textbuf *b, const struct tls_conn *c)
{
	unsigned height = LAD_TOP + (unsigned)c->n_events * LAD_ROW + 16;
	char cl[80], sv[80];
	tb_printf(b,
		  "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		  "viewBox=\"0 0 %d %u\" role=\"img\" aria-label=\"TLS handshake sequence diagram\">\n",
		  LAD_W, height, LAD_W, height);
	tb_lit(b, "<text x=\"8\" y=\"16\" class=\"meta\">frame</text><text x=\"70\" y=\"16\" class=\"meta\">time (s)</text>\n");
	tb_printf(b, "<text x=\"%d\" y=\"16\" text-anchor=\"middle\" class=\"lanehead\">client</text>", LAD_CLIENT_X);
	tb_printf(b, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" class=\"meta\">", LAD_CLIENT_X);
	h_esc(b, endpoint_text(&c->client, cl, sizeof cl));
	tb_lit(b, "</text>\n");
	tb_printf(b, "<text x=\"%d\" y=\"16\" text-anchor=\"middle\" class=\"lanehead\">server</text>", LAD_SERVER_X);
	tb_printf(b, "<text x=\"%d\" y=\"30\" text-anchor=\"end\" class=\"meta\">", LAD_W - 4);
	h_esc(b, endpoint_text(&c->server, sv, sizeof sv));
	tb_lit(b, "</text>\n");

	/* Phase shading goes under the lanes and arrows. */
	uint64_t post_frame = post_handshake_frame(c);
	int last_phase = 0;
	for (size_t i = 0; i < c->n_events; i++) {
		struct ladder_step st = step_facts(c, i, post_frame);
		if (st.phase) {
			unsigned y = LAD_TOP + (unsigned)i * LAD_ROW;
			tb_printf(b, "<rect class=\"%s\" x=\"0\" y=\"%u\" width=\"%d\" height=\"%d\"/>",
				  st.phase == 1 ? "reneg" : "post", y, LAD_W, LAD_ROW);
			if (st.phase != last_phase)
				tb_printf(b, "<text class=\"phase\" x=\"%d\" y=\"%u\">%s</text>", LAD_SERVER_X + 8, y + 12,
					  st.phase == 1 ? "renegotiation" : "post-handshake");
			tb_char(b, '\n');
		}
		last_phase = st.phase;
	}
	tb_printf(b, "<line class=\"lane\" x1=\"%d\" y1=\"36\" x2=\"%d\" y2=\"%u\"/>", LAD_CLIENT_X, LAD_CLIENT_X,
		  height - 6);
	tb_printf(b, "<line class=\"lane\" x1=\"%d\" y1=\"36\" x2=\"%d\" y2=\"%u\"/>\n", LAD_SERVER_X, LAD_SERVER_X,
		  height - 6);

	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		struct ladder_step st = step_facts(c, i, post_frame);
		unsigned y = LAD_TOP + (unsigned)i * LAD_ROW, ay = y + 18;
		bool to_server = e->from == SIDE_CLIENT;
		int x1 = to_server ? LAD_CLIENT_X : LAD_SERVER_X, x2 = to_server ? LAD_SERVER_X : LAD_CLIENT_X;
		int tip = to_server ? x2 - 1 : x2 + 1, back = to_server ? x2 - 10 : x2 + 10;
		tb_lit(b, "<g class=\"m");
		if (st.request)
			tb_lit(b, " req");
		else if (st.alert)
			tb_lit(b, " alert");
		else if (st.client_cert)
			tb_lit(b, " ccert");
		if (st.inferred)
			tb_lit(b, " inferred");
		else if (st.encrypted)
			tb_lit(b, " enc");
		if (st.decrypted)
			tb_lit(b, " dec");
		tb_lit(b, "\">");
		/* The frame and time once per frame and direction, as the text ladder. */
		bool same_frame = i > 0 && c->events[i - 1].frame == e->frame && c->events[i - 1].from == e->from;
		if (!same_frame) {
			tb_printf(b, "<text x=\"8\" y=\"%u\">%llu</text><text x=\"70\" y=\"%u\">", ay + 4,
				  (unsigned long long)e->frame, ay + 4);
			tb_ratio(b, e->ts_ns - c->first_ts_ns, 1000000000, 3, 0);
			tb_lit(b, "</text>");
		}
		tb_printf(b, "<line class=\"msg\" x1=\"%d\" y1=\"%u\" x2=\"%d\" y2=\"%u\"/>", x1, ay, back, ay);
		tb_printf(b, "<polygon points=\"%d,%u %d,%u %d,%u\"/>", tip, ay, back, ay - 5, back, ay + 5);
		if (st.decrypted)
			tb_printf(b, "<circle class=\"dec\" cx=\"%d\" cy=\"%u\" r=\"4\"/>", x1 + (to_server ? 8 : -8), ay);
		tb_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%u\" text-anchor=\"middle\">",
			  (LAD_CLIENT_X + LAD_SERVER_X) / 2, ay - 5);
		step_label(b, c, e, &st);
		tb_lit(b, "</text></g>\n");
	}
	tb_lit(b, "</svg>\n");
	tb_lit(b, "<div class=\"legend\"><span>solid: cleartext</span><span>dashed: encrypted</span>"
		  "<span>dotted: inferred from record sizes</span><span class=\"k-dec\">&#9679; * decrypted with the key log</span>"
		  "<span class=\"k-req\">CertificateRequest</span><span class=\"k-cc\">client Certificate</span>"
		  "<span class=\"k-al\">alert / reset</span><span class=\"k-rn\">renegotiation</span>"
		  "<span class=\"k-ph\">post-handshake</span></div>\n");
	if (c->events_dropped)
		tb_printf(b, "<p>(%llu later steps not shown)</p>\n", (unsigned long long)c->events_dropped);
}

static void html_requests(struct textbuf *b, const struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *f = &c->requests[i];
		tb_printf(b, "<h3>CertificateRequest in frame %llu (%s, %s)</h3>\n", (unsigned long long)f->frame,
			  cr_phase_name(f->phase), visibility_name(f->visibility));
		if (f->since_client_hello_ns >= 0) {
			tb_lit(b, "<p>");
			tb_ratio(b, f->since_client_hello_ns, 1000000, 1, 0);
			tb_lit(b, " ms after the ClientHello.</p>\n");
		}
		if (f->parse_error) {
			tb_lit(b, "<p>Not decodable.</p>\n");
			continue;
		}
		if (f->n_ca_names == 0) {
			tb_lit(b, "<p>Empty CA list (no trusted issuer list sent).</p>\n");
			continue;
		}
		tb_printf(b, "<table><tr><th>#</th><th>CA name the server accepts (%zu, %zu bytes)</th></tr>\n",
			  f->n_ca_names + f->ca_names_dropped, f->ca_list_bytes);
		for (size_t k = 0; k < f->n_ca_names; k++) {
			tb_printf(b, "<tr><td>%zu</td><td class=\"mono\">", k + 1);
			h_esc(b, f->ca_names[k]);
			tb_lit(b, "</td></tr>\n");
		}
		if (f->ca_names_dropped)
			tb_printf(b, "<tr><td></td><td>%zu more not kept (--max-ca-names)</td></tr>\n", f->ca_names_dropped);
		tb_lit(b, "</table>\n");
	}
}

static void html_client_cert(struct textbuf *b, const struct tls_conn *c)
{
	tb_lit(b, "<h3>Client certificate: ");
	tb_str(b, cc_status_name(c->cc_status));
	if (c->client_cert_frame)
		tb_printf(b, " (frame %llu, %s)", (unsigned long long)c->client_cert_frame,
			  visibility_name(c->cc_visibility));
	tb_lit(b, "</h3>\n");
	if (c->cert_verify_frame)
		tb_printf(b, "<p>CertificateVerify in frame %llu.</p>\n", (unsigned long long)c->cert_verify_frame);
	if (c->client_chain.n_kept) {
		tb_lit(b, "<table><tr><th>#</th><th>subject</th><th>issuer</th><th>valid</th><th>key</th><th>EKU</th></tr>\n");
		for (size_t i = 0; i < c->client_chain.n_kept; i++) {
			const struct cert_info *ci = &c->client_chain.certs[i];
			tb_printf(b, "<tr><td>%zu</td>", i);
			if (ci->parsed)
				output_cert_facts(b,
						  "<td class=\"mono\">%s</td><td class=\"mono\">%s</td><td>%s &ndash; %s</td>"
						  "<td>%s</td><td>%s</td></tr>\n",
						  ", ", h_esc, ci->sum);
			else
				tb_printf(b, "<td colspan=\"5\">certificate of %zu bytes not decodable</td></tr>\n", ci->der_len);
		}
		tb_lit(b, "</table>\n");
	}
	if (c->client_verify) {
		tb_lit(b, "<p>Verified against --trust at the capture time: ");
		if (c->client_verify->ok) {
			tb_lit(b, "ok");
		} else {
			h_esc(b, c->client_verify->error_text);
			tb_printf(b, " (error %d at depth %d)", c->client_verify->error, c->client_verify->depth);
		}
		tb_lit(b, "</p>\n");
	}
}

static void html_http(struct textbuf *b, const struct tls_conn *c)
{
	const struct http_facts *h = c->http;
	if (!h || (h->n == 0 && !h->goaway_frame))
		return;
	tb_lit(b, "<h3>Decrypted HTTP</h3>\n<table><tr><th>version</th><th>request</th><th>frame</th>"
		  "<th>status</th><th>frame</th><th>reset</th></tr>\n");
	for (size_t i = 0; i < h->n; i++) {
		const struct http_exchange *e = &h->ex[i];
		if (e->version == 2)
			tb_printf(b, "<tr><td>HTTP/2 stream %u</td><td class=\"mono\">", (unsigned)e->stream_id);
		else
			tb_lit(b, "<tr><td>HTTP/1.x</td><td class=\"mono\">");
		if (e->request_frame) {
			h_esc(b, e->method[0] ? e->method : "?");
			tb_char(b, ' ');
			h_esc(b, e->path[0] ? e->path : "?");
			tb_printf(b, "</td><td>%llu</td>", (unsigned long long)e->request_frame);
		} else {
			tb_lit(b, "(request not seen)</td><td></td>");
		}
		if (e->response_frame)
			tb_printf(b, "<td>%d</td><td>%llu</td>", e->status, (unsigned long long)e->response_frame);
		else
			tb_lit(b, "<td></td><td></td>");
		if (e->reset_frame)
			tb_printf(b, "<td>RST_STREAM 0x%x from the %s (frame %llu)</td></tr>\n", (unsigned)e->reset_error,
				  side_name((enum side)e->reset_from), (unsigned long long)e->reset_frame);
		else
			tb_lit(b, "<td></td></tr>\n");
	}
	tb_lit(b, "</table>\n");
	if (h->goaway_frame)
		tb_printf(b, "<p>GOAWAY 0x%x from the %s in frame %llu.</p>\n", (unsigned)h->goaway_error,
			  side_name((enum side)h->goaway_from), (unsigned long long)h->goaway_frame);
	if (h->server[0] || h->user_agent[0] || h->error_page[0]) {
		tb_lit(b, "<p>");
		if (h->server[0]) {
			tb_lit(b, "Server: <span class=\"mono\">");
			h_esc(b, h->server);
			tb_lit(b, "</span><br>");
		}
		if (h->user_agent[0]) {
			tb_lit(b, "User-Agent: <span class=\"mono\">");
			h_esc(b, h->user_agent);
			tb_lit(b, "</span><br>");
		}
		if (h->error_page[0]) {
			tb_printf(b, "Error page (frame %llu): ", (unsigned long long)h->error_page_frame);
			h_esc(b, h->error_page);
		}
		tb_lit(b, "</p>\n");
	}
}

/* A plain-text piece of the text report (the software line), escaped. */
static void html_stack(struct textbuf *b, const struct findings *fs)
{
	struct textbuf lb;
	textbuf_init(&lb, NULL);
	output_text_stack(&lb, fs);
	while (lb.len && (lb.data[lb.len - 1] == '\n' || lb.data[lb.len - 1] == ' '))
		lb.len--;
	tb_mem(&lb, "", 1);
	const char *s = lb.data;
	while (*s == ' ')
		s++;
	tb_lit(b, "<p>");
	h_esc(b, s);
	tb_lit(b, "</p>\n");
}

void output_html_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	struct html_report *h = html_begin(o);
	if (!h)
		return;
	char cl[80], sv[80], vb[32];
	struct textbuf b;
	textbuf_init(&b, o->fp);
	const struct outcome *oc = &fs->outcome;

	tb_lit(&b, "<details class=\"conn\" id=\"");
	conn_anchor(&b, c);
	tb_str(&b, h->n_conns < HTML_OPEN_CONNS ? "\" open>\n<summary>" : "\">\n<summary>");
	h_esc(&b, file_name);
	tb_printf(&b, " stream %llu: <span class=\"mono\">", (unsigned long long)c->stream);
	h_esc(&b, endpoint_text(&c->client, cl, sizeof cl));
	tb_lit(&b, " &rarr; ");
	h_esc(&b, endpoint_text(&c->server, sv, sizeof sv));
	tb_lit(&b, "</span> ");
	outcome_badge(&b, oc);
	if (fs->n) {
		tb_lit(&b, " <span class=\"mono\">");
		h_esc(&b, fs->items[0].id);
		tb_lit(&b, "</span>");
	}
	tb_lit(&b, "</summary>\n<p><b>Outcome:</b> ");
	outcome_badge(&b, oc);
	tb_printf(&b, " (%s, %s", oc->failure == FAILURE_YES ? "failed" : oc->failure == FAILURE_NO ? "ok" : "success not visible",
		  visibility_name(oc->visibility));
	output_frame_list(&b, ", frames ", oc->frames, oc->n_frames, "");
	tb_lit(&b, ") ");
	h_esc(&b, oc->reason);
	tb_lit(&b, "</p>\n");
	html_findings(&b, fs);

	tb_lit(&b, "<p>");
	tb_str(&b, c->version ? tls_version_name(c->version, vb) : "version unknown");
	if (c->have_client_hello && c->ch.sni[0]) {
		tb_lit(&b, ", SNI <span class=\"mono\">");
		h_esc(&b, c->ch.sni);
		tb_lit(&b, "</span>");
	}
	if (c->have_server_hello && c->sh.alpn[0]) {
		tb_lit(&b, ", ALPN ");
		h_esc(&b, c->sh.alpn);
	}
	if (c->resumed)
		tb_lit(&b, ", resumed session");
	tb_printf(&b, ", frames %llu-%llu, Wireshark filter <span class=\"mono\">tcp.stream eq %llu</span></p>\n",
		  (unsigned long long)c->first_frame, (unsigned long long)c->last_frame, (unsigned long long)c->stream);
	html_stack(&b, fs);
	html_ladder(&b, c);
	html_requests(&b, c);
	html_client_cert(&b, c);
	if (c->renegotiated) {
		tb_printf(&b, "<p>Renegotiation started by the %s in frame %llu: %s.</p>\n", side_name(c->reneg_initiator),
			  (unsigned long long)c->first_reneg_frame, reneg_outcome(c));
	}
	const char *dst = decryption_status(c);
	if (dst)
		tb_printf(&b, "<p>Decryption: %s (%llu records decrypted).</p>\n", dst,
			  (unsigned long long)c->records_decrypted);
	html_http(&b, c);
	tb_printf(&b, "<p>Ended: %s", conn_end_name(c->end));
	if (c->end_frame)
		tb_printf(&b, " by the %s in frame %llu", side_name(c->end_by), (unsigned long long)c->end_frame);
	tb_lit(&b, ".");
	if (c->n_notes) {
		char notes[CONN_NOTES_TEXT_MAX];
		tls_conn_notes_text(c, notes, sizeof notes);
		tb_lit(&b, " Notes: ");
		h_esc(&b, notes);
	}
	tb_lit(&b, "</p>\n</details>\n");
	textbuf_flush(&b);
	spool_row(h, file_name, c, fs);
	note_file(h, file_name);
	h->n_conns++;
}

struct story_list {
	FILE *fp;
	unsigned lines;
};

static void story_item(void *ctx, const char *line)
{
	struct story_list *sl = ctx;
	FILE *fp = sl->fp;
	if (sl->lines++ == 0)
		fputs("<h3>What happened across connections</h3>\n<ul>\n", fp);
	fputs("<li>", fp);
	f_esc(fp, line);
	fputs("</li>\n", fp);
}

void output_html_summary(struct output *o, const struct run_stats *st, unsigned files)
{
	struct html_report *h = html_begin(o);
	if (!h || h->summary_written)
		return;
	h->summary_written = true;
	FILE *fp = o->fp;
	fputs("</main>\n<section id=\"summary\">\n<h2>Summary</h2>\n", fp);
	fprintf(fp,
		"<p>%llu TLS connection%s reported of %llu seen (%llu TCP streams, %llu frames, %u capture file%s).</p>\n",
		(unsigned long long)st->reported, st->reported == 1 ? "" : "s", (unsigned long long)st->traffic.tls_conns,
		(unsigned long long)st->traffic.tcp_flows, (unsigned long long)st->traffic.frames, files, files == 1 ? "" : "s");
	if (h->n_files) {
		fputs("<p>Capture", fp);
		fputs(h->n_files + h->files_not_named > 1 ? "s: " : ": ", fp);
		for (size_t i = 0; i < h->n_files; i++) {
			fputs(i ? ", <span class=\"mono\">" : "<span class=\"mono\">", fp);
			f_esc(fp, h->files[i]);
			fputs("</span>", fp);
		}
		if (h->files_not_named)
			fprintf(fp, " and %llu more", (unsigned long long)h->files_not_named);
		fputs("</p>\n", fp);
	}
	fputs("<table><tr><th>outcome</th><th>connections</th></tr>\n", fp);
	for (int k = 0; k < OUTCOME_KIND_COUNT; k++)
		fprintf(fp, "<tr><td>%s</td><td>%llu</td></tr>\n", outcome_name((enum outcome_kind)k),
			(unsigned long long)st->outcomes[k]);
	fprintf(fp, "<tr><th>failed</th><th>%llu</th></tr>\n</table>\n", (unsigned long long)st->failed);
	fprintf(fp, "<p>Certificate requested in %llu connection(s)", (unsigned long long)st->with_request);
	if (st->with_request_inferred)
		fprintf(fp, " (%llu inferred from encrypted records)", (unsigned long long)st->with_request_inferred);
	fprintf(fp, "; the client answered (seen) with certificates %llu, empty %llu, nothing %llu.</p>\n",
		(unsigned long long)st->cc_present, (unsigned long long)st->cc_empty, (unsigned long long)st->cc_absent);
	if (st->n_causes) {
		fputs("<h3>Top causes</h3>\n<table><tr><th>finding</th><th>connections</th></tr>\n", fp);
		for (size_t i = 0; i < st->n_causes; i++) {
			fputs("<tr><td class=\"mono\">", fp);
			f_esc(fp, st->cause_id[i]);
			fprintf(fp, "</td><td>%llu</td></tr>\n", (unsigned long long)st->cause_count[i]);
		}
		fputs("</table>\n", fp);
	}
	if (st->traffic.evicted)
		fprintf(fp, "<p>%llu connection(s) evicted early to respect --max-flows or --max-memory.</p>\n",
			(unsigned long long)st->traffic.evicted);
	if (st->story) {
		struct story_list sl = { fp, 0 };
		story_tell(st->story, story_item, &sl);
		if (sl.lines)
			fputs("</ul>\n", fp);
	}
	fputs("<h3>Connections</h3>\n", fp);
	if (h->rows && h->n_conns) {
		fputs("<table><tr><th>stream</th><th>file</th><th>client &rarr; server</th><th>SNI</th>"
		      "<th>outcome</th><th>first finding</th></tr>\n",
		      fp);
		char buf[16384];
		size_t n;
		rewind(h->rows);
		while ((n = fread(buf, 1, sizeof buf, h->rows)) > 0)
			fwrite(buf, 1, n, fp);
		fputs("</table>\n", fp);
	} else if (h->n_conns) {
		fputs("<p>(the table could not be kept: no temporary file)</p>\n", fp);
	} else {
		fputs("<p>No TLS connection was reported.</p>\n", fp);
	}
	fputs("</section>\n", fp);
}

void output_html_finish(struct output *o)
{
	if (o->format != FORMAT_HTML)
		return;
	struct html_report *h = html_begin(o);
	if (h) {
		if (!h->summary_written)
			fputs("</main>\n", o->fp);
		if (h->summary_written)
			fputs("<p class=\"jump\"><a href=\"#summary\">Back to the summary</a></p>\n", o->fp);
		fputs("</div>\n</body>\n</html>\n", o->fp);
		if (h->rows)
			fclose(h->rows);
		for (size_t i = 0; i < h->n_files; i++)
			free(h->files[i]);
	}
	free(h);
	o->html = NULL;
	fflush(o->fp);
}

/* compare: one side of a pair (or a lone connection), with its own
 * diagnosis and its ladder. */
static void compare_side(struct textbuf *b, const char *label, const struct collected_conn *cc)
{
	const struct tls_conn *c = cc->conn;
	char cl[80], sv[80];
	tb_lit(b, "<div><h3>");
	tb_str(b, label);
	tb_lit(b, "</h3>\n<p>");
	h_esc(b, cc->file_name);
	tb_printf(b, " stream %llu: <span class=\"mono\">", (unsigned long long)c->stream);
	h_esc(b, endpoint_text(&c->client, cl, sizeof cl));
	tb_lit(b, " &rarr; ");
	h_esc(b, endpoint_text(&c->server, sv, sizeof sv));
	tb_printf(b, "</span>, frames %llu-%llu</p>\n<p>Its own diagnosis: ", (unsigned long long)c->first_frame,
		  (unsigned long long)c->last_frame);
	outcome_badge(b, &cc->findings.outcome);
	if (cc->findings.n) {
		tb_lit(b, " <span class=\"mono\">");
		h_esc(b, cc->findings.items[0].id);
		tb_lit(b, "</span> (");
		tb_str(b, severity_name(cc->findings.items[0].severity));
		tb_char(b, ')');
	}
	tb_lit(b, "</p>\n");
	html_ladder(b, c);
	tb_lit(b, "</div>\n");
}

static void compare_frames(struct textbuf *b, const char *label, const uint64_t *frames, size_t n, bool *open)
{
	if (!n)
		return;
	tb_str(b, *open ? "; " : " (");
	tb_str(b, label);
	output_frame_list(b, " frames ", frames, n, "");
	*open = true;
}

void output_html_compare(struct output *o, const struct conn_list *cl, const struct conn_list *sl,
			 const struct compare_result *r, bool summary)
{
	struct html_report *h = html_begin(o);
	if (!h)
		return;
	struct textbuf b;
	textbuf_init(&b, o->fp);
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct compare_row *row = &r->rows[i];
		bool pair = row->client_i != SIZE_MAX && row->server_i != SIZE_MAX;
		tb_printf(&b, "<details class=\"conn\" id=\"row%zu\"%s>\n<summary>", i,
			  h->n_conns++ < HTML_OPEN_CONNS ? " open" : "");
		if (pair)
			tb_printf(&b, "pair matched by %s%s%s", compare_match_name(row->how),
				  row->nat ? ", addresses differ (NAT or proxy)" : "",
				  row->intercepted ? ", ClientHello randoms differ" : "");
		else
			tb_str(&b, row->client_i != SIZE_MAX ? "client side only" : "server side only");
		tb_printf(&b, ": %zu finding%s</summary>\n", row->n_findings, row->n_findings == 1 ? "" : "s");
		if (!row->n_findings)
			tb_lit(&b, "<p>Both sides agree.</p>\n");
		for (size_t k = 0; k < row->n_findings; k++) {
			const struct compare_finding *f = &row->findings[k];
			bool open = false;
			finding_open(&b, k == 0 && f->severity == SEV_ERROR, f->severity, f->id);
			compare_frames(&b, "client-side", f->client_frames, f->n_client_frames, &open);
			compare_frames(&b, "server-side", f->server_frames, f->n_server_frames, &open);
			if (open)
				tb_char(&b, ')');
			html_message_fix(&b, f->message, f->remedy);
		}
		tb_lit(&b, "<div class=\"pair\">\n");
		if (row->client_i != SIZE_MAX)
			compare_side(&b, "Client side", &cl->items[row->client_i]);
		if (row->server_i != SIZE_MAX)
			compare_side(&b, "Server side", &sl->items[row->server_i]);
		tb_lit(&b, "</div>\n</details>\n");
	}
	textbuf_flush(&b);
	if (!summary)
		return;
	h->summary_written = true;
	FILE *fp = o->fp;
	fputs("</main>\n<section id=\"summary\">\n<h2>Compare</h2>\n", fp);
	fprintf(fp,
		"<p>%zu pair%s (%zu by ClientHello random, %zu by addresses, %zu by time), %zu on the client side "
		"only, %zu on the server side only; %zu finding%s.</p>\n",
		r->n_pairs, r->n_pairs == 1 ? "" : "s", r->by_random, r->by_addresses, r->by_time, r->client_only,
		r->server_only, r->n_findings, r->n_findings == 1 ? "" : "s");
	if (r->offset_from == OFFSET_NONE)
		fputs("<p>Clock offset: unknown (no connection found on both sides).</p>\n", fp);
	else
		fprintf(fp, "<p>Clock offset (server side minus client side): %+.6f s, from %zu connection%s (%s).</p>\n",
			(double)r->offset_ns / 1e9, r->offset_samples, r->offset_samples == 1 ? "" : "s",
			r->offset_from == OFFSET_RANDOM ? "same ClientHello random" : "lined up in time");
	fputs("<table><tr><th>row</th><th>match</th><th>findings</th></tr>\n", fp);
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct compare_row *row = &r->rows[i];
		bool pair = row->client_i != SIZE_MAX && row->server_i != SIZE_MAX;
		fprintf(fp, "<tr><td><a href=\"#row%zu\">%zu</a></td><td>%s</td><td class=\"mono\">", i, i + 1,
			pair ? compare_match_name(row->how) : row->client_i != SIZE_MAX ? "client side only" : "server side only");
		for (size_t k = 0; k < row->n_findings; k++) {
			if (k)
				fputs(", ", fp);
			f_esc(fp, row->findings[k].id);
		}
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
	fputs("</section>\n", fp);
}
