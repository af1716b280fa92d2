/* output_html.h - the report as one self-contained HTML5 page (inline CSS
 * and SVG ladders, no script): each connection is written as it is
 * reported, the summary at the end (shown first by CSS), so memory stays
 * bounded however many connections there are. */
#ifndef MTLS_OUTPUT_HTML_H
#define MTLS_OUTPUT_HTML_H

#include "output/output.h"

void output_html_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *f);
void output_html_summary(struct output *o, const struct run_stats *st, unsigned files);
/* compare: each matched pair with both ladders side by side. */
struct conn_list;
struct compare_result;
void output_html_compare(struct output *o, const struct conn_list *cl, const struct conn_list *sl,
			 const struct compare_result *r, bool summary);
/* Closes the page (and writes it whole when nothing was reported). */
void output_html_finish(struct output *o);

#endif
