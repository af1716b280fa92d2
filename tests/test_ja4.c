/* JA4 against the vectors FoxIO publishes in the method's description
 * (technical_details/JA4.md in FoxIO-LLC/ja4): its worked example, the
 * same lists without signature algorithms, the ALPN rules; then GREASE,
 * empty lists and what cannot be fingerprinted. Captures are compared
 * with an independent computation in tests/e2e-ja4.sh. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ja4.h"
#include "support/suite_run.h"

/* The worked example: 15 suites and 16 extensions in the order sent,
 * eight signature algorithms, SNI, ALPN h2, TLS 1.3 offered. */
static void example(struct tls_client_hello *ch)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
					   0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
	static const uint16_t exts[] = { 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
					 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015 };
	static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };

	memset(ch, 0, sizeof *ch);
	ch->legacy_version = TLS_VERSION_TLS12;
	ch->versions[0] = TLS_VERSION_TLS13;
	ch->versions[1] = TLS_VERSION_TLS12;
	ch->n_versions = 2;
	memcpy(ch->cipher_suites, suites, sizeof suites);
	ch->n_cipher_suites = sizeof suites / sizeof suites[0];
	memcpy(ch->ext_types, exts, sizeof exts);
	ch->n_extensions = sizeof exts / sizeof exts[0];
	memcpy(ch->sig_algs, sigs, sizeof sigs);
	ch->n_sig_algs = sizeof sigs / sizeof sigs[0];
	strcpy(ch->alpn[0], "h2");
	ch->n_alpn = 1;
	ch->alpn_first_len = 2;
	ch->alpn_first_byte = 'h';
	ch->alpn_last_byte = '2';
}

START_TEST(published_example)
{
	struct tls_client_hello ch;
	char out[JA4_LEN];

	example(&ch);
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	ck_assert_int_eq(ja4_client_hello(&ch, true, out, sizeof out), 0);
	ck_assert_str_eq(out, "q13d1516h2_8daaf6152771_e5627efa2ab1");
	/* "If there are no signature algorithms ... = 6d807ffa2a79" */
	ch.n_sig_algs = 0;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}
END_TEST

/* GREASE anywhere changes nothing; neither does the order of suites. */
START_TEST(grease_and_order)
{
	struct tls_client_hello ch;
	char out[JA4_LEN];

	example(&ch);
	memmove(ch.cipher_suites + 1, ch.cipher_suites, ch.n_cipher_suites * 2);
	ch.cipher_suites[0] = 0x0a0a;
	ch.n_cipher_suites++;
	ch.ext_types[ch.n_extensions++] = 0xfafa;
	memmove(ch.sig_algs + 1, ch.sig_algs, ch.n_sig_algs * 2);
	ch.sig_algs[0] = 0x5a5a;
	ch.n_sig_algs++;
	memmove(ch.versions + 1, ch.versions, ch.n_versions * 2);
	ch.versions[0] = 0x7a7a;
	ch.n_versions++;
	uint16_t t = ch.cipher_suites[1];
	ch.cipher_suites[1] = ch.cipher_suites[5];
	ch.cipher_suites[5] = t;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	/* the signature algorithms keep their order: swapping two changes c */
	t = ch.sig_algs[1];
	ch.sig_algs[1] = ch.sig_algs[2];
	ch.sig_algs[2] = t;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_ne(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
}
END_TEST

/* ALPN: first and last character; hex digits when either end is not an
 * ASCII letter or digit (the description's own examples); "00" without. */
START_TEST(alpn_rules)
{
	static const struct {
		uint8_t first, last;
		size_t len;
		const char *code;
	} cases[] = {
		{ 'h', '1', 8, "h1" },   /* http/1.1 */
		{ 'x', 'x', 1, "xx" },   /* one character is both ends */
		{ 0xab, 0xab, 1, "ab" }, /* 0xAB */
		{ 0x20, 0x20, 1, "20" }, /* 0x20 */
		{ 0xab, 0xcd, 2, "ad" }, /* 0xAB 0xCD */
		{ 0x20, 0x61, 2, "21" }, /* 0x20 0x61 */
		{ 0x30, 0xab, 2, "3b" }, /* 0x30 0xAB */
		{ 0x61, 0x20, 2, "60" }, /* 0x61 0x20 */
		{ 0x30, 0xcd, 4, "3d" }, /* 0x30 0x31 0xAB 0xCD */
		{ 0x30, 0x31, 4, "01" }, /* 0x30 0xAB 0xCD 0x31 */
	};
	struct tls_client_hello ch;
	char out[JA4_LEN];

	example(&ch);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ch.alpn_first_byte = cases[i].first;
		ch.alpn_last_byte = cases[i].last;
		ch.alpn_first_len = cases[i].len;
		ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
		ck_assert_msg(strncmp(out + 8, cases[i].code, 2) == 0, "case %zu: %s", i, out);
	}
	ch.n_alpn = 0;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "t13d151600_8daaf6152771_e5627efa2ab1"); /* ALPN is not in c */
}
END_TEST

/* Empty lists are twelve zeros; no supported_versions: the hello's own
 * version; no SNI: "i"; counts stop at 99. */
START_TEST(edges)
{
	struct tls_client_hello ch;
	char out[JA4_LEN];

	memset(&ch, 0, sizeof ch);
	ch.legacy_version = TLS_VERSION_TLS10;
	ch.cipher_suites[0] = 0x002f;
	ch.n_cipher_suites = 1;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_int_eq(strncmp(out, "t10i010000_", 11), 0);
	ck_assert_str_eq(out + 24, "000000000000");
	ch.cipher_suites[0] = 0x1a1a; /* only GREASE */
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "t10i000000_000000000000_000000000000");
	ch.ext_types[0] = TLS_EXT_SERVER_NAME;
	ch.ext_types[1] = TLS_EXT_ALPN;
	ch.n_extensions = 2;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "t10d000200_000000000000_000000000000"); /* SNI and ALPN counted, not hashed */
	ck_assert_str_eq(ja4_version_code(0x0300), "s3");
	ck_assert_str_eq(ja4_version_code(0x0002), "s2");
	ck_assert_str_eq(ja4_version_code(0xfefd), "d2");
	ck_assert_str_eq(ja4_version_code(0x0305), "00");
	ch.n_cipher_suites = TLS_CH_MAX_SUITES;
	for (size_t i = 0; i < TLS_CH_MAX_SUITES; i++)
		ch.cipher_suites[i] = (uint16_t)(0x1000 + i);
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), 0);
	ck_assert_int_eq(strncmp(out, "t10d9902", 8), 0);
}
END_TEST

/* Never a wrong fingerprint: a list longer than kept, an SSLv2 hello or
 * a short buffer give "" and -1. */
START_TEST(not_computable)
{
	struct tls_client_hello ch;
	char out[JA4_LEN];

	example(&ch);
	ch.n_cipher_suites = TLS_CH_MAX_SUITES + 1;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), -1);
	ck_assert_str_eq(out, "");
	example(&ch);
	ch.n_sig_algs = TLS_MAX_SIG_ALGS + 1;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), -1);
	example(&ch);
	ch.sslv2_format = true;
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, sizeof out), -1);
	example(&ch);
	ck_assert_int_eq(ja4_client_hello(&ch, false, out, JA4_LEN - 1), -1);
	ck_assert_str_eq(out, "");
}
END_TEST

/* A ClientHello from a small seeded generator: lists of any length up
 * to the kept maximum (some empty), GREASE sprinkled in, values from a
 * narrow range so that different hellos share lists. */
static void random_hello(unsigned seed, struct tls_client_hello *ch)
{
	srand(seed);
	memset(ch, 0, sizeof *ch);
	ch->legacy_version = TLS_VERSION_TLS12;
	ch->n_cipher_suites = (size_t)rand() % (TLS_CH_MAX_SUITES + 1);
	for (size_t i = 0; i < ch->n_cipher_suites; i++)
		ch->cipher_suites[i] = rand() % 9 ? (uint16_t)(0xc000 + rand() % 48) : 0x2a2a;
	ch->n_extensions = (size_t)rand() % (TLS_CH_MAX_EXTENSIONS + 1);
	for (size_t i = 0; i < ch->n_extensions; i++)
		ch->ext_types[i] = rand() % 9 ? (uint16_t)(rand() % 40) : 0xfafa;
	ch->n_sig_algs = (size_t)(rand() % 3 ? rand() % 12 : rand() % (TLS_MAX_SIG_ALGS + 1));
	for (size_t i = 0; i < ch->n_sig_algs; i++)
		ch->sig_algs[i] = (uint16_t)(0x0400 + rand() % 8);
}

/* The memo answers exactly what hashing answers: 4,000 hellos drawn from
 * 300 (so that most are repeats, and slots are taken over and over by
 * other lists), each compared with a computation without it; then lists
 * that differ only in order. */
START_TEST(memo_same_as_hashing)
{
	struct ja4_memo *memo = calloc(1, sizeof *memo);
	struct tls_client_hello ch;
	char with[JA4_LEN], without[JA4_LEN];
	size_t hits = 0;

	ck_assert_ptr_nonnull(memo);
	for (unsigned i = 0; i < 4000; i++) {
		random_hello(1 + (i * 7919u) % 300, &ch);
		int rc = ja4_client_hello(&ch, false, without, sizeof without);
		ck_assert_int_eq(ja4_client_hello_memo(&ch, false, memo, with, sizeof with), rc);
		ck_assert_msg(strcmp(with, without) == 0, "hello %u: %s, without the memo %s", i, with, without);
		hits += i >= 300;
	}
	ck_assert_uint_gt(hits, 0);

	/* Extensions in another order: the same c. Signature algorithms in
	 * another order: another c, even when the memo holds the first. */
	example(&ch);
	ck_assert_int_eq(ja4_client_hello_memo(&ch, false, memo, with, sizeof with), 0);
	ck_assert_str_eq(with, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	uint16_t t = ch.ext_types[0];
	ch.ext_types[0] = ch.ext_types[5];
	ch.ext_types[5] = t;
	ck_assert_int_eq(ja4_client_hello_memo(&ch, false, memo, with, sizeof with), 0);
	ck_assert_str_eq(with, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	t = ch.sig_algs[0];
	ch.sig_algs[0] = ch.sig_algs[1];
	ch.sig_algs[1] = t;
	ck_assert_int_eq(ja4_client_hello_memo(&ch, false, memo, with, sizeof with), 0);
	ck_assert_int_eq(ja4_client_hello(&ch, false, without, sizeof without), 0);
	ck_assert_str_eq(with, without);
	ck_assert_str_ne(with, "t13d1516h2_8daaf6152771_e5627efa2ab1");

	/* Every slot holding the example's lists: a hello whose lists are the
	 * example's but for the last value, or one value fewer, or one moved
	 * from the end of one list to the start of the next, must not be
	 * answered from them. */
	example(&ch);
	memset(memo, 0, sizeof *memo);
	ck_assert_int_eq(ja4_client_hello_memo(&ch, false, memo, with, sizeof with), 0);
	size_t used = JA4_MEMO_SLOTS;
	for (size_t i = 0; i < JA4_MEMO_SLOTS; i++)
		if (memo->slot[i].used)
			used = i;
	ck_assert_uint_lt(used, JA4_MEMO_SLOTS);
	for (size_t i = 0; i < JA4_MEMO_SLOTS; i++)
		memo->slot[i] = memo->slot[used];
	struct tls_client_hello variant[3];
	for (size_t v = 0; v < 3; v++)
		example(&variant[v]);
	variant[0].sig_algs[variant[0].n_sig_algs - 1] = 0x0807;
	variant[1].n_sig_algs--;
	/* The highest extension, 0xff01, last of the sorted list ... */
	ck_assert_uint_eq(variant[2].ext_types[12], 0xff01);
	memmove(variant[2].ext_types + 12, variant[2].ext_types + 13, 3 * sizeof variant[2].ext_types[0]);
	variant[2].n_extensions--;
	memmove(variant[2].sig_algs + 1, variant[2].sig_algs, variant[2].n_sig_algs * sizeof variant[2].sig_algs[0]);
	variant[2].sig_algs[0] = 0xff01; /* ... becomes the first signature algorithm */
	variant[2].n_sig_algs++;
	for (size_t v = 0; v < 3; v++) {
		ck_assert_int_eq(ja4_client_hello(&variant[v], false, without, sizeof without), 0);
		ck_assert_int_eq(ja4_client_hello_memo(&variant[v], false, memo, with, sizeof with), 0);
		ck_assert_msg(strcmp(with, without) == 0, "variant %zu: %s, without the memo %s", v, with, without);
	}
	/* Alike with every slot of both tables holding the example's lists
	 * (in the hello's order, and sorted). */
	example(&ch);
	memset(memo, 0, sizeof *memo);
	ck_assert_int_eq(ja4_client_hello_memo(&ch, false, memo, with, sizeof with), 0);
	size_t sent = JA4_MEMO_SLOTS;
	used = JA4_MEMO_SLOTS;
	for (size_t i = 0; i < JA4_MEMO_SLOTS; i++) {
		if (memo->as_sent[i].used)
			sent = i;
		if (memo->slot[i].used)
			used = i;
	}
	ck_assert_uint_lt(sent, JA4_MEMO_SLOTS);
	ck_assert_uint_lt(used, JA4_MEMO_SLOTS);
	for (size_t i = 0; i < JA4_MEMO_SLOTS; i++) {
		memo->as_sent[i] = memo->as_sent[sent];
		memo->slot[i] = memo->slot[used];
	}
	for (size_t v = 0; v < 3; v++) {
		ck_assert_int_eq(ja4_client_hello(&variant[v], false, without, sizeof without), 0);
		ck_assert_int_eq(ja4_client_hello_memo(&variant[v], false, memo, with, sizeof with), 0);
		ck_assert_msg(strcmp(with, without) == 0, "variant %zu (both tables): %s, without the memo %s", v,
			      with, without);
	}
	free(memo);
}
END_TEST

SUITE_MAIN("ja4", false,
	   CASE("ja4", 0, published_example, grease_and_order, alpn_rules, edges, not_computable,
		memo_same_as_hashing))
