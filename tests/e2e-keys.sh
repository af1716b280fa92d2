#!/bin/sh
# e2e-keys.sh MTLSDIAG - the key log on the command line: --keylog and
# SSLKEYLOGFILE, malformed lines named with their number, keys that do not
# fit (said once, the report goes on), and what decryption shows: the
# late CertificateRequest, the empty answer and the HTTP 403 after it.
set -u
BIN=$1
. tests/lib/tally.sh
S=samples/tls12-reneg-late-request-no-cert
. tests/lib/scratch.sh
unset SSLKEYLOGFILE
# has NAME FILE PATTERN: the file holds the (fixed-string) pattern
has() { if grep -qF -- "$3" "$2"; then ok; else bad "$1: '$3' not in $(head -c 2000 "$2")"; fi; }
hasnt() { if grep -qF -- "$3" "$2"; then bad "$1: '$3' should not be there"; else ok; fi; }

# Decrypted: the request in the renegotiation, the empty answer, the 403.
"$BIN" -F json --keylog $S.keylog $S.pcap >"$tmp/k.json" 2>"$tmp/k.err" || bad "keyed run exit status $?"
has "json request" "$tmp/k.json" '"phase":"renegotiation","visibility":"decrypted"'
has "json empty" "$tmp/k.json" '"status":"empty"'
has "json http" "$tmp/k.json" '"request":"GET /secure/report HTTP/1.1"'
has "json 403" "$tmp/k.json" '"status":403'
has "json decryption" "$tmp/k.json" '"decryption":{"status":"decrypted"'
has "json marks" "$tmp/k.json" '"what":"certificate_request","bytes":'
"$BIN" --no-color --keylog $S.keylog $S.pcap >"$tmp/k.txt" 2>&1
has "text request" "$tmp/k.txt" "(renegotiation, decrypted): 4 CA names"
has "text mark" "$tmp/k.txt" "certificate_request*"
has "text 403" "$tmp/k.txt" "HTTP: GET /secure/report HTTP/1.1 (frame 9) -> HTTP/1.1 403 Forbidden (frame 17)"
has "text decryption" "$tmp/k.txt" "Decryption: 19 records decrypted with the key log"
has "text answer" "$tmp/k.txt" "Client certificate: empty (frame 14, decrypted)"
has "text alert" "$tmp/k.txt" "warning close_notify (0), decrypted"

# Without keys none of it, and no decryption fields.
"$BIN" -F json $S.pcap >"$tmp/n.json" 2>&1
hasnt "no keys: decryption" "$tmp/n.json" '"decryption"'
hasnt "no keys: http" "$tmp/n.json" '"http"'

# SSLKEYLOGFILE is used when --keylog is absent: the same report.
SSLKEYLOGFILE=$S.keylog "$BIN" -F json $S.pcap >"$tmp/env.json" 2>"$tmp/env.err"
if cmp -s "$tmp/env.json" "$tmp/k.json"; then ok; else bad "SSLKEYLOGFILE report differs from --keylog"; fi
# An unreadable SSLKEYLOGFILE is a warning; an unreadable --keylog an error.
SSLKEYLOGFILE=$tmp/none.keylog "$BIN" -F json $S.pcap >"$tmp/o" 2>"$tmp/e"
rc=$?
[ $rc = 0 ] && ok || bad "unreadable SSLKEYLOGFILE: exit $rc"
has "env warning" "$tmp/e" "none.keylog: No such file"
"$BIN" --keylog "$tmp/none.keylog" $S.pcap >"$tmp/o" 2>"$tmp/e"
rc=$?
[ $rc = 2 ] && ok || bad "unreadable --keylog: exit $rc, expected 2"
has "keylog error" "$tmp/e" "key log $tmp/none.keylog: No such file"

# Malformed lines: named with their number, skipped; the good ones work.
{ echo "# comment"; echo "CLIENT_RANDOM 1234 xyz"; cat $S.keylog; echo "BOGUS_LABEL a b"; } >"$tmp/mixed.keylog"
n=$(($(wc -l <$S.keylog) + 3))
"$BIN" -F json --keylog "$tmp/mixed.keylog" $S.pcap >"$tmp/m.json" 2>"$tmp/m.err"
has "malformed line 2" "$tmp/m.err" "mixed.keylog:2: client random is not 64 hex digits; line skipped"
has "malformed last line" "$tmp/m.err" "mixed.keylog:$n: unknown label; line skipped"
has "still decrypted" "$tmp/m.json" '"status":403'

# Keys of another capture: no keys for this connection, said once.
"$BIN" -F json --keylog samples/tls13-client-cert.keylog $S.pcap >"$tmp/w.json" 2>&1
has "other keys" "$tmp/w.json" '"decryption":{"status":"no_keys"'
# A wrong master secret: the first record fails to authenticate, once.
awk '$1 == "CLIENT_RANDOM" { $3 = sprintf("%096d", 7) } { print }' $S.keylog >"$tmp/bad.keylog"
cmp -s "$tmp/bad.keylog" $S.keylog && bad "test setup: the key was not altered"
"$BIN" -F json --keylog "$tmp/bad.keylog" $S.pcap >"$tmp/b.json" 2>&1
has "wrong key" "$tmp/b.json" '"decryption":{"status":"failed","records":0,"failed_frame":7,"failed_from":"client"'
has "wrong key note" "$tmp/b.json" '"notes":"decryption_failed"'
"$BIN" --no-color --keylog "$tmp/bad.keylog" $S.pcap >"$tmp/b.txt" 2>&1
has "wrong key text" "$tmp/b.txt" "did not authenticate (wrong or missing key"

tally_report keys
