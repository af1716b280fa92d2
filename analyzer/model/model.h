/* model.h - the connection model: every fact the report and the diagnosis
 * use about one TLS connection. Filled by conn.c, read by output and
 * diagnosis; nothing else holds facts. */
#ifndef MTLS_MODEL_H
#define MTLS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "tls_handshake.h"
#include "x509_summary.h"

enum side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

enum cc_status {
	CC_NOT_REQUESTED, /* no request seen, no Certificate from the client */
	CC_ABSENT,        /* requested, no Certificate message came back */
	CC_EMPTY,         /* an empty Certificate (no certificate sent) */
	CC_PRESENT,       /* certificates sent */
	CC_UNKNOWN,       /* cannot be seen (encrypted, no keys) */
};

/* A connection's notes (notes.def): NOTE_CLIENT_HELLO_MALFORMED, ... */
#define NOTE(NAME, name) NOTE_##NAME,
enum conn_note {
#include "model/notes.def"
	NOTE_COUNT
};
#undef NOTE
_Static_assert(NOTE_COUNT <= 32, "the note bit set is a uint32_t");

enum cr_phase { PHASE_INITIAL, PHASE_RENEGOTIATION, PHASE_POST_HANDSHAKE };
enum visibility { VIS_CLEARTEXT, VIS_DECRYPTED, VIS_INFERRED };

enum conn_end {
	END_CAPTURE_END, /* still open when the capture ended */
	END_FIN,
	END_RST,
	END_ALERT,       /* a fatal alert, then no FIN/RST seen */
	END_IDLE,        /* expired after the idle timeout (live) */
	END_EVICTED,     /* dropped to respect the flow limit */
};

struct endpoint {
	struct ip_addr addr;
	uint16_t port;
};

struct cert_summary;

struct cert_info {
	const struct x509_summary *sum; /* read-only, inside `shared` */
	struct cert_summary *shared;    /* one reference (cert_cache.h) */
	bool parsed;              /* false: OpenSSL rejected the DER */
	size_t der_len;
	uint8_t *der;             /* owned copy; kept for the client chain only (--trust) */
};

struct cert_chain {
	size_t n_certs;           /* as in the message */
	size_t n_kept;
	struct cert_info *certs;  /* owned, n_kept entries */
};

/* The client chain verified against --trust FILE at the capture time. */
struct chain_verdict {
	bool ok;
	int error;                /* OpenSSL X509_V_ERR_*; 0 when ok */
	int depth;                /* chain position the error is about */
	char error_text[128];     /* X509_verify_cert_error_string() */
	char subject[X509_NAME_TEXT]; /* of the certificate at depth */
	char issuer[X509_NAME_TEXT];
	bool issuer_in_trust;     /* an issuer of that name is in the trust file */
};

struct cert_request_fact {
	uint64_t frame;
	int64_t ts_ns;
	int64_t since_client_hello_ns;  /* -1 when no ClientHello was seen */
	enum cr_phase phase;
	enum visibility visibility;
	uint32_t msg_len;
	unsigned records;               /* records the message spanned */
	uint8_t cert_types[TLS_MAX_CERT_TYPES];
	size_t n_cert_types;
	uint16_t sig_algs[TLS_MAX_SIG_ALGS];
	size_t n_sig_algs;
	bool has_ca_extension;          /* TLS 1.3 */
	size_t ca_list_bytes;
	/* The names, shared with every connection that got the same list
	 * (cert_cache.h); the fields below are views into it. */
	struct ca_list_summary *ca_list; /* one reference; NULL when none */
	size_t n_ca_names;
	const char *const *ca_names;    /* n_ca_names RFC 2253 strings */
	bool parse_error;               /* message malformed or oversized */
	bool partial;                   /* malformed: the fields above are what was read before the error */
	size_t ca_names_dropped;        /* names beyond --max-ca-names, counted only */
	const uint8_t *ca_list_der;     /* ca_list_bytes, for chain matching */
};

struct alert_fact {
	uint64_t frame;
	int64_t ts_ns;
	enum side from;
	int level;                      /* -1 when encrypted */
	int description;                /* -1 when encrypted */
	enum visibility visibility;
	bool encrypted;
};

/* How a host numbers its IPv4 packets (the IP ID): most count up, per
 * host or per connection; some send 0 with DF. A forged packet rarely
 * continues the pattern. */
struct ipid_pattern {
	uint32_t packets;
	bool sequential;                /* every step forward by 0..IPID_MAX_STEP */
	bool all_zero;
	bool df_always;                 /* every packet had DF set */
	uint16_t last;
};
#define IPID_MAX_STEP 4096

/* One step of the handshake ladder (and Zeek-like history). */
enum ev_kind {
	EV_HANDSHAKE,       /* cleartext handshake message: hs_type */
	EV_ENC_HANDSHAKE,   /* encrypted handshake record */
	EV_CCS,
	EV_ALERT,
	EV_APP_DATA,        /* consecutive records merged */
	EV_SSLV2_HELLO,
	EV_GAP,
	EV_RST,
	EV_FIN,
};

/* Packed to 32 bytes: 96 of them live in every connection. */
struct conn_event {
	uint64_t frame;
	int64_t ts_ns;
	uint32_t bytes;     /* record/message bytes (sum for merged app data) */
	uint32_t count;     /* records merged */
	uint8_t kind;       /* enum ev_kind */
	uint8_t from;       /* enum side */
	uint8_t hs_type;
	bool decrypted;     /* read from a record decrypted with the key log */
};

#define CONN_MAX_EVENTS 96
#define RENEG_MAX_RECORDS 16
/* Memory per connection stays bounded however long it lives: past these,
 * the last slot holds the newest (diagnosis reads the first and the last). */
#define CONN_MAX_REQUESTS 16
#define CONN_MAX_ALERTS 64

/* HTTP in decrypted application data. */
#define CONN_MAX_HTTP 8
struct http_exchange {
	uint8_t version;            /* 1: HTTP/1.x, 2: HTTP/2 */
	uint32_t stream_id;         /* HTTP/2 stream; 0 for HTTP/1.x */
	uint64_t request_frame;     /* 0: request not seen */
	char method[12];
	char path[96];
	uint64_t response_frame;    /* 0: no response seen */
	int status;                 /* 0: none (HTTP/2 :status, HTTP/1.x status code) */
	uint64_t reset_frame;       /* HTTP/2 RST_STREAM; 0: none */
	uint32_t reset_error;       /* its error code (0xd HTTP_1_1_REQUIRED) */
	uint8_t reset_from;         /* enum side: who sent the RST_STREAM */
};
struct http_facts {
	struct http_exchange ex[CONN_MAX_HTTP];
	size_t n;
	uint64_t dropped;           /* exchanges beyond CONN_MAX_HTTP */
	bool h2;                    /* HTTP/2 connection preface seen */
	uint64_t goaway_frame;      /* 0: no GOAWAY */
	uint32_t goaway_error;
	char server[96];            /* first Server: header, "" when none */
	char user_agent[160];       /* first User-Agent: header */
	char error_page[160];       /* <title> or first text line of a 4xx/5xx body */
	uint64_t error_page_frame;
	uint32_t goaway_last_stream;
	uint8_t goaway_from;        /* enum side */
	bool header_capped;         /* a header block over the buffer cap: the rest of that side not read */
};

struct tls_conn {
	unsigned file_index;
	uint64_t stream;                 /* like Wireshark's tcp.stream */
	struct endpoint client, server;
	bool client_known;               /* from a ClientHello or SYN */
	uint64_t first_frame, last_frame;
	int64_t first_ts_ns, last_ts_ns;
	uint64_t tls_first_frame;

	/* ClientHello (the first one) */
	bool have_client_hello;
	uint64_t client_hello_frame;
	int64_t client_hello_ts_ns;
	struct tls_client_hello ch;
	unsigned n_client_hellos;        /* cleartext ones */

	/* ServerHello (the first one) */
	bool have_server_hello;
	uint64_t server_hello_frame;
	struct tls_server_hello sh;
	uint16_t version;                /* negotiated; 0 when unknown */
	bool resumed;
	bool hello_retry;

	struct cert_chain server_chain;
	uint64_t server_cert_frame;

	/* The server's first line, when its first bytes after the ClientHello
	 * were text (HTTP, a mail or SSH banner) instead of a TLS record:
	 * printable ASCII up to the line's end, NUL-terminated; "" if not. */
	char server_text[48];
	uint64_t server_text_frame;

	struct cert_request_fact *requests;  /* owned array */
	size_t n_requests;

	enum cc_status cc_status;
	uint64_t client_cert_frame;
	struct cert_chain client_chain;
	enum visibility cc_visibility;
	uint64_t cert_verify_frame;          /* 0: not seen */
	struct chain_verdict *client_verify; /* owned; only with --trust */
	/* Every client Certificate message (a renegotiation can bring more
	 * than one); the fields above describe the last. */
	struct client_cert_msg {
		uint64_t frame;
		size_t n_certs;
		enum visibility visibility;
	} cc_msgs[4];
	size_t n_cc_msgs;

	struct alert_fact *alerts;           /* owned array */
	size_t n_alerts;

	/* Renegotiation and encrypted handshake traffic (TLS <= 1.2). */
	uint64_t hello_request_frame;        /* cleartext HelloRequest */
	unsigned enc_hs_after_app[2];        /* encrypted handshake records after app data */
	uint64_t first_reneg_frame;
	enum side reneg_initiator;
	bool renegotiated;
	uint64_t app_bytes_before_reneg[2];
	/* Sizes of each side's encrypted handshake records from the start of
	 * the renegotiation: the client's first is its ClientHello, the
	 * rest its answer to the server's flight. */
	uint32_t reneg_hs_len[2][RENEG_MAX_RECORDS];
	size_t n_reneg_hs[2];
	uint64_t reneg_client_flight_frame;   /* the client's answer (2nd record) */

	/* Encryption state per direction. */
	bool ccs_seen[2];
	uint64_t app_records[2];
	uint64_t app_bytes[2];
	bool finished_seen[2];

	/* Transport */
	enum conn_end end;
	uint64_t end_frame;
	enum side end_by;
	uint8_t rst_ttl;
	uint8_t usual_ttl[2];
	bool ttl_known[2];
	bool rst_ipv4;
	bool rst_df;
	uint16_t rst_ip_id;
	struct ipid_pattern ipid[2];         /* each side's packets other than the RST */
	bool syn_seen;
	bool midstream;
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t resyncs;
	bool truncated_record;               /* capture ended inside a record */
	bool client_gap_after_request;       /* client bytes lost after a request */

	struct conn_event events[CONN_MAX_EVENTS];
	size_t n_events;
	uint64_t events_dropped;

	/* TLS 1.3 without keys: sizes of the client's first encrypted records
	 * after the server's flight (for inferring its Certificate). */
	uint32_t client_flight[8];
	size_t n_client_flight;
	bool client_flight_closed;
	/* The server's first encrypted record after that flight: an alert is
	 * 19 bytes (2 + content type + 16-byte AEAD tag). */
	uint32_t server_reply_len;
	uint64_t server_reply_frame;
	uint64_t server_records_before_reply; /* app_records[SIDE_SERVER] then */

	/* Decryption with a key log (--keylog / SSLKEYLOGFILE). */
	bool keylog_given;                   /* a key log was loaded for the run */
	bool keys_found;                     /* it holds keys for this connection */
	bool keys_missing;                   /* a handshake had none in the key log */
	bool suite_unsupported;              /* keys, but a cipher suite we do not decrypt */
	uint16_t unsupported_suite;
	uint64_t records_decrypted;
	bool decrypt_failed;                 /* a record did not authenticate */
	uint64_t decrypt_fail_frame;
	enum side decrypt_fail_side;

	/* HTTP/1.x seen in decrypted application data (the first of each). */
	char http_request[256];
	uint64_t http_request_frame;
	char http_response[256];
	int http_status;                     /* 0: no response seen */
	uint64_t http_response_frame;

	/* Every HTTP exchange decrypted on the connection (HTTP/1.x and
	 * HTTP/2), the software headers and the servers' error pages; NULL
	 * until decrypted HTTP is seen. */
	struct http_facts *http;             /* owned */

	/* Notes (notes.def): a bit set for "has it", and the order they
	 * were first seen in, which is the order reports print them in. */
	uint32_t notes;                      /* bit (1 << NOTE_x) */
	uint8_t note_order[NOTE_COUNT];
	uint8_t n_notes;
	/* Heap bytes this model owns (chains, CA lists and names), counted
	 * against --max-memory while its connection is open or queued. */
	size_t heap_bytes;
	/* Bytes read past to find the record framing (a capture begun inside
	 * the stream, or a gap over a record header). */
	uint64_t resync_skipped_bytes;
	/* SSL 2.0 itself (not the SSLv2-compatible hello of a TLS
	 * connection): the server's SERVER-HELLO, or a client offering 2.0
	 * only; in this frame. */
	bool sslv2;
	uint64_t sslv2_frame;
	/* The data did not follow the SYN's sequence numbers (a damaged
	 * capture): the stream was read from its first TLS segment instead. */
	bool seq_reanchored;
};


void tls_conn_init(struct tls_conn *c);
void tls_conn_release(struct tls_conn *c);
void cert_chain_release(struct cert_chain *ch);

const char *cc_status_name(enum cc_status s);
const char *cr_phase_name(enum cr_phase p);
const char *visibility_name(enum visibility v);
const char *conn_end_name(enum conn_end e);
const char *side_name(enum side s);
/* What the key log did for this connection: "decrypted", "failed",
 * "unsupported_cipher_suite", "no_keys" or "not_needed"; NULL without a
 * key log. */
const char *decryption_status(const struct tls_conn *c);
/* "10.0.0.1:443" or "[2001:db8::1]:443" */
const char *endpoint_text(const struct endpoint *e, char *buf, size_t bufsz);
/* Records a note (each once). */
void tls_conn_note(struct tls_conn *c, enum conn_note n);
bool tls_conn_has_note(const struct tls_conn *c, enum conn_note n);
const char *conn_note_name(enum conn_note n);
/* The notes as reports print them: names in the order first seen, comma
 * separated ("" when none); always NUL-terminated, cut to fit size. */
void tls_conn_notes_text(const struct tls_conn *c, char *buf, size_t size);
/* Room for every note name and its comma. */
#define CONN_NOTES_TEXT_MAX 1024
/* The client's encrypted answer in a renegotiation (its records after its
 * ClientHello): how many records (0: not seen) and their bytes. */
size_t reneg_client_answer(const struct tls_conn *c, uint64_t *bytes);
/* 1 when the client chain reaches a DN of the last request's CA list, 0
 * when it does not, -1 when there is nothing to compare (or the list
 * broke off before a name that might have matched). */
int client_chain_reaches_list(const struct tls_conn *c);
/* How a renegotiation ended, from the records after the client's answer:
 * "completed" (the server sent data again), "refused" (an alert),
 * "aborted" (the connection ended), "unknown"; NULL without one. */
const char *reneg_outcome(const struct tls_conn *c);
/* The time certificates are judged at: the connection's first packet,
 * in seconds since 1970. */
int64_t conn_capture_time(const struct tls_conn *c);
/* 0 valid at that time, 1 expired, -1 not yet valid. */
int cert_validity_at(const struct x509_summary *s, int64_t at_epoch);

#endif
