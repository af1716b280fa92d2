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

static json_t *guess_json(const char *name, const char *label, const struct stack_guess *g)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(name));
	json_object_set_new(o, "label", json_string(label));
	json_object_set_new(o, "confidence", json_string(stack_confidence_name(g->confidence)));
	json_object_set_new(o, "evidence", g->evidence[0] ? json_string(g->evidence) : json_null());
	json_object_set_new(o, "overridden", json_boolean(g->overridden));
	return o;
}

void output_json_stack(json_t *conn, const struct findings *f)
{
	const struct stack_id *s = &f->stack;
	enum server_kind sk = (enum server_kind)s->server.kind;
	enum client_kind ck = (enum client_kind)s->client.kind;
	json_object_set_new(conn, "server_software", guess_json(server_kind_name(sk), server_kind_label(sk), &s->server));
	json_object_set_new(conn, "client_software", guess_json(client_kind_name(ck), client_kind_label(ck), &s->client));
	json_object_set_new(conn, "ja4", s->ja4[0] ? json_string(s->ja4) : json_null());
}
