/* tls_handshake.h - pure parsers for TLS handshake message bodies.
 *
 * Each parser takes the body of one handshake message (after the 4-byte
 * type/length header), never allocates, and fills a plain struct. Views
 * (struct rd) in the output borrow from the input buffer. */
#ifndef MTLS_TLS_HANDSHAKE_H
#define MTLS_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"
#include "rd.h"

enum tls_hs_type {
	TLS_HS_HELLO_REQUEST = 0,
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_HELLO_VERIFY_REQUEST = 3,
	TLS_HS_NEW_SESSION_TICKET = 4,
	TLS_HS_END_OF_EARLY_DATA = 5,
	TLS_HS_ENCRYPTED_EXTENSIONS = 8,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_SERVER_KEY_EXCHANGE = 12,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14,
	TLS_HS_CERTIFICATE_VERIFY = 15,
	TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20,
	TLS_HS_CERTIFICATE_URL = 21,
	TLS_HS_CERTIFICATE_STATUS = 22,
	TLS_HS_KEY_UPDATE = 24,
	TLS_HS_COMPRESSED_CERTIFICATE = 25,
	TLS_HS_NEXT_PROTOCOL = 67,
	TLS_HS_MESSAGE_HASH = 254,
};

#define TLS_VERSION_SSL3 0x0300
#define TLS_VERSION_TLS10 0x0301
#define TLS_VERSION_TLS11 0x0302
#define TLS_VERSION_TLS12 0x0303
#define TLS_VERSION_TLS13 0x0304

/* Whether v is TLS 1.3: the final code point and the pre-standard ones,
 * 0x7fNN the IETF drafts and 0x7eNN the experimental variants some stacks
 * shipped. The one test of "is this TLS 1.3" everywhere. */
static inline bool tls_version_is_13(uint16_t v)
{
	return v == TLS_VERSION_TLS13 || (v >> 8) == 0x7f || (v >> 8) == 0x7e;
}

/* SSL 3.0 through TLS 1.2: the "classic" message layouts. */
static inline bool tls_version_is_classic(uint16_t v)
{
	return v >= TLS_VERSION_SSL3 && v <= TLS_VERSION_TLS12;
}

/* Extension code points we look at. */
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_SUPPORTED_GROUPS 10
#define TLS_EXT_SIGNATURE_ALGORITHMS 13
#define TLS_EXT_ALPN 16
#define TLS_EXT_ENCRYPT_THEN_MAC 22
#define TLS_EXT_EXTENDED_MASTER_SECRET 23
#define TLS_EXT_SESSION_TICKET 35
#define TLS_EXT_PRE_SHARED_KEY 41
#define TLS_EXT_EARLY_DATA 42
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_EXT_CERTIFICATE_AUTHORITIES 47
#define TLS_EXT_POST_HANDSHAKE_AUTH 49
#define TLS_EXT_SIGNATURE_ALGORITHMS_CERT 50
#define TLS_EXT_KEY_SHARE 51
#define TLS_EXT_RENEGOTIATION_INFO 0xff01

#define TLS_CS_EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff

#define TLS_MAX_VERSIONS 16
#define TLS_MAX_ALPN 8
#define TLS_ALPN_LEN 64
#define TLS_SNI_LEN 256
#define TLS_CH_MAX_SUITES 128
#define TLS_CH_MAX_EXTENSIONS 64
#define TLS_CH_MAX_GROUPS 32
#define TLS_MAX_SIG_ALGS 64
/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa, reserved so that peers
 * learn to ignore unknown values. */
static inline bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Message header: HandshakeType msg_type; uint24 length. */
struct tls_hs_header {
	uint8_t type;
	uint32_t length;
};
enum dis_status tls_hs_header_parse(struct rd *r, struct tls_hs_header *out);

struct tls_client_hello {
	bool sslv2_format;          /* SSLv2-compatible CLIENT-HELLO */
	uint16_t legacy_version;
	uint8_t random[32];         /* SSLv2: challenge, right-aligned, zero padded */
	uint8_t session_id_len;
	uint8_t session_id[32];
	size_t n_cipher_suites;
	bool offers_reneg_scsv;     /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	uint16_t versions[TLS_MAX_VERSIONS]; /* supported_versions, in order */
	size_t n_versions;
	char sni[TLS_SNI_LEN];      /* first host_name, NUL-terminated, "" when none */
	char alpn[TLS_MAX_ALPN][TLS_ALPN_LEN];
	size_t n_alpn;
	bool has_post_handshake_auth;
	bool has_renegotiation_info;
	bool has_session_ticket_ext;
	size_t session_ticket_len;  /* > 0: a ticket is offered for resumption */
	bool has_pre_shared_key;
	bool has_early_data;
	size_t n_extensions;
	/* The lists a client fingerprint (JA4) is made of, as sent: in their
	 * order, GREASE values (RFC 8701) included. Each keeps its first
	 * entries; the n_* counts above and below count them all, so a list
	 * was cut when its count exceeds its array. */
	uint16_t cipher_suites[TLS_CH_MAX_SUITES];
	uint16_t ext_types[TLS_CH_MAX_EXTENSIONS];  /* n_extensions counts them */
	uint16_t sig_algs[TLS_MAX_SIG_ALGS];        /* signature_algorithms (13) */
	size_t n_sig_algs;
	uint16_t groups[TLS_CH_MAX_GROUPS];         /* supported_groups (10) */
	size_t n_groups;
	/* The first ALPN protocol name's length and its first and last bytes
	 * (alpn[] holds printable copies only). */
	size_t alpn_first_len;
	uint8_t alpn_first_byte, alpn_last_byte;
};
/* struct {
 *     ProtocolVersion legacy_version;
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;   (absent in SSL 3.0 / early TLS)
 * } ClientHello; */
enum dis_status tls_client_hello_parse(const uint8_t *body, size_t len, struct tls_client_hello *out);
/* SSLv2-compatible CLIENT-HELLO: the bytes after the 2-byte SSLv2 record
 * length, starting at msg_type (1). */
enum dis_status tls_sslv2_client_hello_parse(const uint8_t *msg, size_t len, struct tls_client_hello *out);

struct tls_server_hello {
	uint16_t legacy_version;
	uint16_t selected_version;  /* supported_versions when present, else legacy */
	bool is_hello_retry_request;
	uint8_t random[32];
	uint8_t session_id_len;
	uint8_t session_id[32];
	uint16_t cipher_suite;
	uint8_t compression;
	bool has_renegotiation_info;
	bool has_pre_shared_key;    /* TLS 1.3 resumption */
	bool has_session_ticket_ext;
	bool has_extended_master_secret;
	bool has_encrypt_then_mac;  /* RFC 7366: CBC records MAC the ciphertext */
	char alpn[TLS_ALPN_LEN];
	size_t n_extensions;
};
enum dis_status tls_server_hello_parse(const uint8_t *body, size_t len, struct tls_server_hello *out);

/* Certificate. The DER of each entry is a view into the input buffer.
 * TLS <= 1.2: opaque ASN.1Cert<1..2^24-1>; Certificate certificate_list<0..2^24-1>;
 * TLS 1.3: opaque certificate_request_context<0..2^8-1>;
 *          CertificateEntry certificate_list<0..2^24-1>; (each with extensions) */
#define TLS_MAX_CHAIN 16
struct tls_certificate {
	size_t n_certs;             /* all entries in the message */
	size_t n_kept;              /* entries in der[] (at most TLS_MAX_CHAIN) */
	struct rd der[TLS_MAX_CHAIN];
	uint8_t context_len;        /* TLS 1.3 only */
	size_t list_bytes;
};
enum dis_status tls_certificate_parse(const uint8_t *body, size_t len, uint16_t version, struct tls_certificate *out);

/* CertificateRequest, parsed according to the negotiated version:
 *  SSL 3.0 - TLS 1.1: ClientCertificateType certificate_types<1..2^8-1>;
 *                     DistinguishedName certificate_authorities<0..2^16-1>;
 *  TLS 1.2: certificate_types; SignatureAndHashAlgorithm
 *           supported_signature_algorithms<2..2^16-2>; certificate_authorities;
 *  TLS 1.3: opaque certificate_request_context<0..2^8-1>;
 *           Extension extensions<2..2^16-1>; (47 = certificate_authorities) */
#define TLS_MAX_CERT_TYPES 16
struct tls_cert_request {
	uint8_t cert_types[TLS_MAX_CERT_TYPES];
	size_t n_cert_types;
	uint16_t sig_algs[TLS_MAX_SIG_ALGS];
	size_t n_sig_algs;
	uint8_t context_len;        /* TLS 1.3 */
	bool has_ca_extension;      /* TLS 1.3: certificate_authorities present */
	struct rd ca_list;          /* body of the DistinguishedName vector */
	size_t n_ca_names;
	size_t ca_list_bytes;       /* size of the body, without its length prefix */
};
enum dis_status tls_cert_request_parse(const uint8_t *body, size_t len, uint16_t version, struct tls_cert_request *out);
/* Iterate DistinguishedName entries (opaque DistinguishedName<1..2^16-1>)
 * in ca_list: 1 and *dn set when one was read, 0 at the end, -1 malformed. */
int tls_dn_list_next(struct rd *list, struct rd *dn);

/* NewSessionTicket (both forms): only what the report needs. */
struct tls_new_session_ticket {
	uint32_t lifetime;
	size_t ticket_len;
};
enum dis_status tls_new_session_ticket_parse(const uint8_t *body, size_t len, uint16_t version, struct tls_new_session_ticket *out);

/* Alert: AlertLevel level; AlertDescription description; */
struct tls_alert {
	uint8_t level;
	uint8_t description;
};
enum dis_status tls_alert_parse(const uint8_t *body, size_t len, struct tls_alert *out);

/* ClientKeyExchange, CertificateVerify, Finished, ServerHelloDone,
 * HelloRequest: checked for plausibility only. */
enum dis_status tls_hello_request_parse(const uint8_t *body, size_t len);
enum dis_status tls_server_hello_done_parse(const uint8_t *body, size_t len);
struct tls_certificate_verify {
	uint16_t sig_alg;           /* 0 before TLS 1.2 */
	size_t sig_len;
};
enum dis_status tls_certificate_verify_parse(const uint8_t *body, size_t len, uint16_t version, struct tls_certificate_verify *out);
enum dis_status tls_client_key_exchange_parse(const uint8_t *body, size_t len);
enum dis_status tls_finished_parse(const uint8_t *body, size_t len, uint16_t version);

#endif
