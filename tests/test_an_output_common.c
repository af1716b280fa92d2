/* The pieces the text and HTML reports share (output_common.c): a layout
 * filled with values through the writer's own put, a certificate's facts
 * in their order with the EKU names joined, and a list of frames. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_common.h"
#include "support/suite_run.h"
#include "support/tb_render.h"

/* A put that shows where each value went and what it was. */
static void bracket(struct textbuf *b, const char *s)
{
	tb_char(b, '[');
	tb_str(b, s);
	tb_char(b, ']');
}

struct fill_case {
	const char *layout;
	const char *const *values;
	size_t n;
};

static void fill_layout(struct textbuf *b, const void *arg)
{
	const struct fill_case *fc = arg;
	output_fill(b, fc->layout, bracket, fc->values, fc->n);
}

static void check_fill(const char *layout, const char *const *values, size_t n, const char *want)
{
	struct fill_case fc = { layout, values, n };
	size_t len;
	char *got = tb_render(fill_layout, &fc, &len);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(got);
}

START_TEST(fill_puts_each_value_in_order)
{
	static const char *const two[] = { "a<b", "c" };
	check_fill("x %s y %s z", two, 2, "x [a<b] y [c] z");
	check_fill("%s%s", two, 2, "[a<b][c]");
	check_fill("no place", two, 2, "no place");
	/* A place past the values puts nothing; a lone '%' is text. */
	check_fill("%s and %s and %s 100%", two, 2, "[a<b] and [c] and  100%");
	check_fill("", two, 0, "");
}
END_TEST

static void fill_cert(struct textbuf *b, const void *arg)
{
	output_cert_facts(b, "%s|%s|%s|%s|%s|%s.", ", ", bracket, arg);
}

static char *render_cert(const struct x509_summary *s)
{
	size_t len;
	return tb_render(fill_cert, s, &len);
}

START_TEST(cert_facts_in_their_order)
{
	struct x509_summary *s = calloc(1, sizeof *s);
	ck_assert_ptr_nonnull(s);
	strcpy(s->subject, "CN=client");
	strcpy(s->issuer, "CN=Corp CA");
	strcpy(s->not_before, "2024-01-01T00:00:00Z");
	strcpy(s->not_after, "2025-01-01T00:00:00Z");
	strcpy(s->key_type, "EC-P-256");

	char *got = render_cert(s);
	ck_assert_str_eq(got, "[CN=client]|[CN=Corp CA]|[2024-01-01T00:00:00Z]|[2025-01-01T00:00:00Z]|[EC-P-256]|"
			      "[(none: any use)].");
	free(got);

	s->has_eku = true;
	got = render_cert(s);
	ck_assert_str_eq(got, "[CN=client]|[CN=Corp CA]|[2024-01-01T00:00:00Z]|[2025-01-01T00:00:00Z]|[EC-P-256]|[].");
	free(got);

	s->eku = X509_EKU_CLIENT_AUTH;
	got = render_cert(s);
	ck_assert_ptr_nonnull(strstr(got, "|[clientAuth]."));
	free(got);

	/* Every name at once still fits, in the table's order. */
	s->eku = ~0u;
	got = render_cert(s);
	ck_assert_ptr_nonnull(strstr(got, "|[serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, "
					  "OCSPSigning, anyExtendedKeyUsage, other]."));
	free(got);
	free(s);
}
END_TEST

struct frames_case {
	const uint64_t *frames;
	size_t n;
};

static void fill_frames(struct textbuf *b, const void *arg)
{
	const struct frames_case *fc = arg;
	output_frame_list(b, " (frames ", fc->frames, fc->n, ")");
}

static void check_frames(const uint64_t *frames, size_t n, const char *want)
{
	struct frames_case fc = { frames, n };
	size_t len;
	char *got = tb_render(fill_frames, &fc, &len);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(frame_lists)
{
	static const uint64_t frames[] = { 3, 17, 18446744073709551615ULL };
	check_frames(frames, 0, "");
	check_frames(frames, 1, " (frames 3)");
	check_frames(frames, 3, " (frames 3,17,18446744073709551615)");
}
END_TEST

SUITE_MAIN("output_common", false,
	   CASE("output_common", 0, fill_puts_each_value_in_order, cert_facts_in_their_order, frame_lists))
