/* The HTTP/2 frame layer: headers, padding, priority, the small control
 * frames and lengths that do not fit, by hand (real frames are checked
 * against tshark in test_oracle_http). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http2.h"
#include "support/suite_run.h"

START_TEST(frame_header)
{
	static const uint8_t f[] = {0x00, 0x40, 0x01, 0x01, 0x25, 0x80, 0x00, 0x00, 0x03};
	struct http2_frame_header h;
	ck_assert_int_eq(http2_frame_header_parse(f, sizeof f, &h), DIS_OK);
	ck_assert_uint_eq(h.length, 0x4001);
	ck_assert_uint_eq(h.type, HTTP2_HEADERS);
	ck_assert_uint_eq(h.flags, 0x25);
	ck_assert_uint_eq(h.stream_id, 3); /* the reserved bit is not part of it */
	for (size_t n = 0; n < sizeof f; n++)
		ck_assert_int_eq(http2_frame_header_parse(f, n, &h), DIS_TRUNCATED);
}
END_TEST

START_TEST(preface)
{
	static const char p[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04";
	ck_assert_int_eq(http2_preface((const uint8_t *)p, sizeof p - 1), DIS_OK);
	ck_assert_int_eq(http2_preface((const uint8_t *)p, 24), DIS_OK);
	ck_assert_int_eq(http2_preface((const uint8_t *)p, 5), DIS_TRUNCATED);
	ck_assert_int_eq(http2_preface(NULL, 0), DIS_TRUNCATED);
	ck_assert_int_eq(http2_preface((const uint8_t *)"GET / HTTP/1.1\r\n", 16), DIS_INVALID);
	ck_assert_int_eq(http2_preface((const uint8_t *)"PRI * HTTP/1.1", 14), DIS_INVALID);
}
END_TEST

START_TEST(header_block)
{
	/* HEADERS, PADDED + PRIORITY: pad length 2, 5 bytes of priority, block "ab", 2 bytes padding */
	static const uint8_t p[] = {2, 0x80, 0, 0, 1, 15, 'a', 'b', 0, 0};
	struct http2_frame_header h = {sizeof p, HTTP2_HEADERS, HTTP2_FLAG_PADDED | HTTP2_FLAG_PRIORITY, 1};
	const uint8_t *b;
	size_t n;
	uint32_t promised;
	ck_assert_int_eq(http2_header_block(&h, p, sizeof p, &b, &n, &promised), DIS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(memcmp(b, "ab", 2), 0);
	ck_assert_uint_eq(promised, 0);
	/* padding longer than what is left */
	static const uint8_t bad_pad[] = {9, 'a', 'b'};
	struct http2_frame_header h2 = {sizeof bad_pad, HTTP2_HEADERS, HTTP2_FLAG_PADDED, 1};
	ck_assert_int_eq(http2_header_block(&h2, bad_pad, sizeof bad_pad, &b, &n, &promised), DIS_INVALID);
	/* PRIORITY flag on a payload too short for it */
	static const uint8_t short_prio[] = {0, 0, 1};
	struct http2_frame_header h3 = {sizeof short_prio, HTTP2_HEADERS, HTTP2_FLAG_PRIORITY, 1};
	ck_assert_int_eq(http2_header_block(&h3, short_prio, sizeof short_prio, &b, &n, &promised), DIS_INVALID);
	/* a length past the bytes given is not trusted */
	struct http2_frame_header h4 = {100, HTTP2_CONTINUATION, 0, 1};
	ck_assert_int_eq(http2_header_block(&h4, p, sizeof p, &b, &n, &promised), DIS_TRUNCATED);
	/* PUSH_PROMISE: the promised stream comes off the front */
	static const uint8_t pp[] = {0x80, 0, 0, 2, 'x'};
	struct http2_frame_header h5 = {sizeof pp, HTTP2_PUSH_PROMISE, 0, 1};
	ck_assert_int_eq(http2_header_block(&h5, pp, sizeof pp, &b, &n, &promised), DIS_OK);
	ck_assert_uint_eq(promised, 2);
	ck_assert_uint_eq(n, 1);
	/* not a header frame */
	struct http2_frame_header h6 = {sizeof pp, HTTP2_DATA, 0, 1};
	ck_assert_int_eq(http2_header_block(&h6, pp, sizeof pp, &b, &n, &promised), DIS_INVALID);
}
END_TEST

START_TEST(control_frames)
{
	static const uint8_t rst[] = {0, 0, 0, 0x0d};
	static const uint8_t goaway[] = {0x80, 0, 0, 5, 0, 0, 0, 1, 'd', 'e', 'b', 'u', 'g'};
	static const uint8_t settings[] = {0, 1, 0, 0, 0x10, 0, 0, 4, 0, 0, 0xff, 0xff};
	uint32_t e = 0, last = 0;
	struct http2_setting set[1];
	size_t n = 9;
	ck_assert_int_eq(http2_rst_stream_parse(rst, sizeof rst, &e), DIS_OK);
	ck_assert_uint_eq(e, HTTP2_HTTP_1_1_REQUIRED);
	ck_assert_str_eq(http2_error_name(e), "HTTP_1_1_REQUIRED");
	ck_assert_int_eq(http2_rst_stream_parse(rst, 3, &e), DIS_INVALID);
	ck_assert_int_eq(http2_rst_stream_parse(goaway, 5, &e), DIS_INVALID);
	ck_assert_int_eq(http2_goaway_parse(goaway, sizeof goaway, &last, &e), DIS_OK);
	ck_assert_uint_eq(last, 5);
	ck_assert_uint_eq(e, 1);
	ck_assert_int_eq(http2_goaway_parse(goaway, 7, &last, &e), DIS_INVALID);
	/* two settings, room for one: the first is kept, the length checked */
	ck_assert_int_eq(http2_settings_parse(settings, sizeof settings, set, 1, &n), DIS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(set[0].id, HTTP2_SETTINGS_HEADER_TABLE_SIZE);
	ck_assert_uint_eq(set[0].value, 0x1000);
	ck_assert_int_eq(http2_settings_parse(settings, 7, set, 1, &n), DIS_INVALID);
	ck_assert_int_eq(http2_settings_parse(NULL, 0, set, 1, &n), DIS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(http2_error_name(0), "NO_ERROR");
	ck_assert_ptr_null(http2_error_name(0xe));
}
END_TEST

SUITE_MAIN("http2", false, CASE("http2", 0, frame_header, preface, header_block, control_frames))
