/* fuzz_tls_decrypt.c - record decryption on arbitrary record bytes.
 *
 * The first byte picks a cipher suite of the table and a record version
 * (SSL 3.0 .. TLS 1.3), the second the sender side and encrypt-then-MAC;
 * keys come from a fixed master secret / traffic secret. The rest is cut
 * into records (2-byte length, then the body) and each is decrypted in
 * sequence, as a capture's records would be: padding, MAC, explicit IV,
 * tag and inner-type handling all see hostile lengths. */
#include <stdint.h>
#include <string.h>

#include "rd.h"
#include "tls_decrypt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xC02B, 0xC02C, 0xCCA9,
				  0xC0AC, 0xC0AE, 0x002F, 0x0035, 0x000A, 0xC023, 0xC024, 0xC014};
static const uint16_t versions[] = {0x0300, 0x0301, 0x0302, 0x0303, 0x0304};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd in = rd_make(data, size), body;
	uint8_t pick, flags;
	uint16_t len;
	static uint8_t out[16384 + 2048];
	static const uint8_t master[48] = {7}, cr[32] = {1}, sr[32] = {2}, secret[48] = {9};

	if (rd_u8(&in, &pick) || rd_u8(&in, &flags))
		return 0;
	const struct tls_suite_info *s = tls_suite_info(suites[pick % (sizeof suites / sizeof suites[0])]);
	uint16_t version = versions[(pick >> 4) % (sizeof versions / sizeof versions[0])];
	struct tls_decrypt_dir d;
	tls_decrypt_dir_init(&d);
	int rc = s->tls13 ? tls13_install_secret(&d, s, secret, (flags & 2) ? 48 : 32)
			  : tls12_install_keys(&d, s, version, flags & 1, master, cr, sr, flags & 4);
	if (rc == 0) {
		while (rd_u16(&in, &len) == 0) {
			if (len > rd_left(&in))
				len = (uint16_t)rd_left(&in);
			rd_view(&in, len, &body);
			size_t n = 0;
			uint8_t type;
			if (tls_decrypt_record(&d, (uint8_t)(20 + (len & 3)), version, body.p, body.len, out,
					       &n, &type) == TLS_DEC_OK &&
			    n > body.len)
				__builtin_trap();
			if (flags & 8)
				tls13_key_update(&d);
		}
	}
	tls_decrypt_dir_release(&d);
	return 0;
}
