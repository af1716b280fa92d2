/* output_stack.c - the software line of the text report and its JSON
 * fields, from the guesses stack_identify() made. */
#include "output/output_stack.h"

static void text_guess(struct textbuf *b, const char *label, const struct stack_guess *g)
{
	tb_str(b, label);
	if (g->confidence == CONFIDENCE_NONE) {
		if (g->evidence[0]) {
			tb_lit(b, " (");
			tb_str(b, g->evidence);
			tb_char(b, ')');
		}
		return;
	}
	tb_lit(b, " (");
	tb_str(b, stack_confidence_name(g->confidence));
	tb_lit(b, ": ");
	tb_str(b, g->evidence);
	tb_char(b, ')');
}

void output_text_stack(struct textbuf *b, const struct findings *f)
{
	const struct stack_id *s = &f->stack;
	tb_lit(b, "  Software: server ");
	text_guess(b, server_kind_label((enum server_kind)s->server.kind), &s->server);
	tb_lit(b, ", client ");
	text_guess(b, client_kind_label((enum client_kind)s->client.kind), &s->client);
	if (s->ja4[0]) {
		tb_lit(b, ", JA4 ");
		tb_str(b, s->ja4);
	}
	tb_char(b, '\n');
}

void json_stack_guess(struct json_writer *w, const struct findings *f, bool server)
{
	const struct stack_guess *g = server ? &f->stack.server : &f->stack.client;
	enum server_kind sk = (enum server_kind)g->kind;
	enum client_kind ck = (enum client_kind)g->kind;
	jw_begin_object(w);
	jw_member_string(w, "kind", server ? server_kind_name(sk) : client_kind_name(ck));
	jw_member_string(w, "label", server ? server_kind_label(sk) : client_kind_label(ck));
	jw_member_string(w, "confidence", stack_confidence_name(g->confidence));
	jw_member_string_or_null(w, "evidence", g->evidence[0] ? g->evidence : NULL);
	jw_member_bool(w, "overridden", g->overridden);
	jw_end_object(w);
}

void json_ja4(struct json_writer *w, const struct findings *f)
{
	jw_string_or_null(w, f->stack.ja4[0] ? f->stack.ja4 : NULL);
}
