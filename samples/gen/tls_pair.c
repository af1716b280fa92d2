/* tls_pair.c - drive a real OpenSSL handshake in memory and record every flight. */
#include "tls_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

void pair_keylog_cb(const SSL *ssl, const char *line)
{
	struct conv *conv = SSL_get_app_data(ssl);
	/* A lost key log line only weakens the sample; report it, do not abort. */
	if (conv && conv_keylog_add(conv, line) != 0)
		fprintf(stderr, "mtlsgen: out of memory for key log\n");
}

static SSL *new_end(SSL_CTX *ctx, struct conv *conv, int server)
{
	SSL *s = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem());
	BIO *wb = BIO_new(BIO_s_mem());
	if (!s || !rb || !wb) {
		SSL_free(s);
		BIO_free(rb);
		BIO_free(wb);
		return NULL;
	}
	/* An empty read BIO must mean "try again", not end of file. */
	BIO_set_mem_eof_return(rb, -1);
	BIO_set_mem_eof_return(wb, -1);
	SSL_set_bio(s, rb, wb);
	SSL_set_app_data(s, conv);
	if (server)
		SSL_set_accept_state(s);
	else
		SSL_set_connect_state(s);
	return s;
}

int pair_init(struct tls_pair *p, SSL_CTX *client_ctx, SSL_CTX *server_ctx, struct conv *conv,
	      const char *sni)
{
	memset(p, 0, sizeof(*p));
	p->conv = conv;
	p->ssl[DIR_C2S] = new_end(client_ctx, conv, 0);
	p->ssl[DIR_S2C] = new_end(server_ctx, conv, 1);
	if (!p->ssl[0] || !p->ssl[1] || (sni && !SSL_set_tlsext_host_name(p->ssl[DIR_C2S], sni))) {
		pair_free(p);
		return -1;
	}
	return 0;
}

void pair_free(struct tls_pair *p)
{
	for (int i = 0; i < 2; i++) {
		SSL_free(p->ssl[i]);
		free(p->inbox[i]);
	}
	memset(p, 0, sizeof(*p));
}

long pair_flush(struct tls_pair *p)
{
	long moved = 0;
	for (int side = 0; side < 2; side++) {
		BIO *out = SSL_get_wbio(p->ssl[side]);
		BIO *in = SSL_get_rbio(p->ssl[!side]);
		size_t pending = BIO_ctrl_pending(out);
		if (!pending)
			continue;
		unsigned char *buf = malloc(pending);
		if (!buf)
			return -1;
		int got = BIO_read(out, buf, (int)pending);
		if (got <= 0 || conv_add(p->conv, EV_DATA, (enum conv_dir)side, buf, (size_t)got) != 0 ||
		    BIO_write(in, buf, got) != got) {
			free(buf);
			return -1;
		}
		free(buf);
		moved += got;
	}
	return moved;
}

static void note_failure(struct tls_pair *p, int side)
{
	p->dead[side] = 1;
	if (!p->err[side])
		p->err[side] = ERR_peek_error();
	ERR_clear_error();
}

int pair_step(struct tls_pair *p, enum conv_dir side)
{
	int r = SSL_do_handshake(p->ssl[side]);
	if (r <= 0) {
		int e = SSL_get_error(p->ssl[side], r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			note_failure(p, side);
	}
	return pair_flush(p) < 0 ? -1 : 0;
}

static int inbox_add(struct tls_pair *p, int side, const unsigned char *buf, size_t len)
{
	if (p->inbox_len[side] + len + 1 > p->inbox_cap[side]) {
		size_t ncap = (p->inbox_len[side] + len + 1) * 2;
		unsigned char *nb = realloc(p->inbox[side], ncap);
		if (!nb)
			return -1;
		p->inbox[side] = nb;
		p->inbox_cap[side] = ncap;
	}
	memcpy(p->inbox[side] + p->inbox_len[side], buf, len);
	p->inbox_len[side] += len;
	p->inbox[side][p->inbox_len[side]] = 0;
	return 0;
}

/* One SSL_read on a side; returns 1 if it produced application data. */
static int read_once(struct tls_pair *p, int side)
{
	unsigned char buf[4096];
	if (p->dead[side])
		return 0;
	int r = SSL_read(p->ssl[side], buf, sizeof(buf));
	if (r > 0)
		return inbox_add(p, side, buf, (size_t)r) == 0 ? 1 : -1;
	switch (SSL_get_error(p->ssl[side], r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	case SSL_ERROR_ZERO_RETURN: /* peer's close_notify: nothing more to read */
		p->dead[side] = 1;
		return 0;
	default:
		note_failure(p, side);
		return 0;
	}
}

int pair_settle(struct tls_pair *p)
{
	/* Bounded: a real exchange settles in a handful of rounds. */
	for (int round = 0; round < 64; round++) {
		long moved = 0;
		int progress = 0;
		for (int side = 0; side < 2; side++) {
			int r = read_once(p, side);
			if (r < 0)
				return -1;
			progress |= r;
			long m = pair_flush(p);
			if (m < 0)
				return -1;
			moved += m;
		}
		if (!moved && !progress)
			return 0;
	}
	fprintf(stderr, "mtlsgen: TLS exchange did not settle\n");
	return -1;
}

int pair_handshake(struct tls_pair *p)
{
	/* Both sides run SSL_do_handshake in turn until they are done or stuck. */
	for (int round = 0; round < 32; round++) {
		long moved = 0;
		for (int side = 0; side < 2; side++) {
			if (p->dead[side] || SSL_is_init_finished(p->ssl[side]))
				continue;
			if (pair_step(p, (enum conv_dir)side) != 0)
				return -1;
		}
		moved = pair_flush(p);
		if (moved < 0)
			return -1;
		if (SSL_is_init_finished(p->ssl[0]) && SSL_is_init_finished(p->ssl[1]))
			break;
		if (p->dead[0] && p->dead[1])
			break;
	}
	/* Let each side consume what is still queued for it (alerts, TLS 1.3 tickets). */
	if (pair_settle(p) != 0)
		return -1;
	return !p->dead[0] && !p->dead[1] && SSL_is_init_finished(p->ssl[0]) &&
	       SSL_is_init_finished(p->ssl[1]);
}

int pair_write(struct tls_pair *p, enum conv_dir side, const void *buf, size_t len)
{
	int r = SSL_write(p->ssl[side], buf, (int)len);
	if (r != (int)len) {
		note_failure(p, side);
		return -1;
	}
	if (pair_flush(p) < 0)
		return -1;
	return pair_settle(p);
}

char *pair_take_inbox(struct tls_pair *p, enum conv_dir side, size_t *len)
{
	char *s = (char *)p->inbox[side];
	if (len)
		*len = p->inbox_len[side];
	if (!s)
		s = calloc(1, 1);
	p->inbox[side] = NULL;
	p->inbox_len[side] = p->inbox_cap[side] = 0;
	return s;
}

int pair_close(struct tls_pair *p, enum conv_dir first)
{
	SSL_shutdown(p->ssl[first]);
	if (pair_flush(p) < 0 || pair_settle(p) != 0)
		return -1;
	SSL_shutdown(p->ssl[!first]);
	if (pair_flush(p) < 0 || pair_settle(p) != 0)
		return -1;
	/* Both close_notify alerts must really have been read by the peers. */
	if (!(SSL_get_shutdown(p->ssl[!first]) & SSL_RECEIVED_SHUTDOWN) ||
	    !(SSL_get_shutdown(p->ssl[first]) & SSL_RECEIVED_SHUTDOWN)) {
		fprintf(stderr, "mtlsgen: close_notify not received\n");
		return -1;
	}
	return conv_add(p->conv, EV_FIN, first, NULL, 0);
}
