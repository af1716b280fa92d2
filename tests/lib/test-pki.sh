# test-pki.sh - sourced by the e2e scripts that run real TLS servers.
# make_test_pki DIR: a CA ("CN=mtlsdiag live test CA,O=mtlsdiag test"), a
# server certificate for localhost (serverAuth) and a client certificate
# (clientAuth), each DIR/NAME.pem with DIR/NAME.key, made by openssl.
# Non-zero when openssl could not make them.
test_pki_cert() { # DIR NAME SUBJECT EXTENSIONS
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" \
		-keyout "$1/$2.key" -out "$1/$2.csr" 2>/dev/null &&
		printf '%s\n' "$4" >"$1/$2.ext" &&
		openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
			-days 2 -extfile "$1/$2.ext" -out "$1/$2.pem" 2>/dev/null
}
make_test_pki() {
	mkdir -p "$1" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/O=mtlsdiag test/CN=mtlsdiag live test CA" -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null &&
		test_pki_cert "$1" server "/CN=localhost" "subjectAltName=DNS:localhost
extendedKeyUsage=serverAuth" &&
		test_pki_cert "$1" client "/CN=live test client" "extendedKeyUsage=clientAuth"
}
