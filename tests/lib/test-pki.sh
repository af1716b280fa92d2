# test-pki.sh - sourced by the e2e scripts that run real TLS servers.
# ns_pki DIR CA-NAME: a certificate authority for the tests in DIR
# (root.key, root.crt), its subject "/O=mtlsdiag test/CN=CA-NAME".
ns_pki() {
	mkdir -p "$1" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/O=mtlsdiag test/CN=$2" -keyout "$1/root.key" -out "$1/root.crt" 2>/dev/null
}
# ns_cert DIR NAME SUBJECT EXTENSIONS: DIR/NAME.key and DIR/NAME.crt,
# issued by the authority in DIR, with the (newline-separated) extensions.
ns_cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" \
		-keyout "$1/$2.key" -out "$1/$2.csr" 2>/dev/null &&
		printf '%s\n' "$4" >"$1/$2.ext" &&
		openssl x509 -req -in "$1/$2.csr" -CA "$1/root.crt" -CAkey "$1/root.key" -CAcreateserial \
			-days 2 -extfile "$1/$2.ext" -out "$1/$2.crt" 2>/dev/null
}
# make_test_pki DIR: the authority ("mtlsdiag live test CA"), a server
# certificate for localhost (serverAuth) and a client certificate
# (clientAuth): DIR/root.crt, DIR/server.crt, DIR/client.crt and their
# keys. Non-zero when openssl could not make them.
make_test_pki() {
	ns_pki "$1" "mtlsdiag live test CA" &&
		ns_cert "$1" server "/CN=localhost" "subjectAltName=DNS:localhost
extendedKeyUsage=serverAuth" &&
		ns_cert "$1" client "/CN=live test client" "extendedKeyUsage=clientAuth"
}
