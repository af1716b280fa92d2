#!/bin/sh
# e2e-expect.sh MTLSDIAG - --expect the way CI uses it: the samples'
# own expectations file must hold (exit 0); expectations that are false
# must fail (exit 1) and name the frame that shows it; a malformed file
# must give exit 2 and FILE:LINE. Frame numbers the failures must name
# come from mtlsdiag's own JSON report of the same capture.
set -u
BIN=$1
. tests/lib/tally.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SAMPLES="samples/*.pcap samples/*.pcapng samples/*.cap"

# --- the samples' expectations hold
# shellcheck disable=SC2086
"$BIN" --expect samples/expectations/samples.expect $SAMPLES >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && grep -q '^Expectations (samples/expectations/samples.expect): [1-9][0-9]* held, 0 failed$' "$T/out"; then
	ok
else
	bad "samples.expect: exit $rc"
	grep -v '^  ok' "$T/out" "$T/err"
fi
# the same in JSON: one object per expectation, a summary last
# shellcheck disable=SC2086
"$BIN" -F json --expect samples/expectations/samples.expect $SAMPLES >"$T/out.json"
[ $? = 0 ] && ! grep -q '"result":"failed"' "$T/out.json" && tail -1 "$T/out.json" | grep -q '"kind":"summary".*"failed":0' && ok ||
	bad "samples.expect in JSON"

# --- a false expectation fails, naming the frame
# The late-request sample asks only by renegotiation: "request initial" is
# false; its client's certificate is then refused (unknown_ca), an error.
"$BIN" -q -F json samples/tls12-reneg-late-request-unknown-ca.pcap >"$T/late.json"
reneg=$(sed -n 's/.*"renegotiation":{[^}]*"first_frame":\([0-9]*\).*/\1/p' "$T/late.json")
cat >"$T/late.expect" <<'EOF'
# the server should ask in the handshake
match file=tls12-reneg-late-request-unknown-ca.pcap
  request initial
  no-errors
EOF
"$BIN" --expect "$T/late.expect" samples/tls12-reneg-late-request-unknown-ca.pcap >"$T/out"
rc=$?
[ $rc = 1 ] && ok || bad "false 'request initial': exit $rc, not 1"
grep -q "FAILED      $T/late.expect:3: request initial" "$T/out" && ok || bad "the failed expectation is not named with FILE:LINE"
[ -n "$reneg" ] && grep -q "found in samples/tls12-reneg-late-request-unknown-ca.pcap stream 0 (frame $reneg): .*renegotiation" "$T/out" && ok ||
	bad "the failure does not name the renegotiation frame $reneg"
grep -q "FAILED      $T/late.expect:4: no-errors" "$T/out" && grep -q 'SERVER_REJECTED_CLIENT_CERT' "$T/out" && ok ||
	bad "no-errors did not fail with the error finding"

# -q: only what failed, and the last line
cat >"$T/mixed.expect" <<'EOF2'
match file=tls12-reneg-late-request.pcap
  finding LATE_CERT_REQUEST_RENEGOTIATION
  request initial
EOF2
"$BIN" -q --expect "$T/mixed.expect" samples/tls12-reneg-late-request.pcap >"$T/out"
[ $? = 1 ] && ! grep -q '^  ok ' "$T/out" && grep -q "FAILED      $T/mixed.expect:3: request initial" "$T/out" &&
	tail -1 "$T/out" | grep -q ' held, 1 failed$' && ok || bad "-q --expect: $(cat "$T/out")"
# -q with all held: the last line alone, in text (no JSON lines).
"$BIN" -q --expect samples/expectations/samples.expect samples/*.pcap samples/*.pcapng samples/*.cap >"$T/out"
[ $? = 0 ] && [ "$(wc -l <"$T/out")" -eq 1 ] && ! grep -q '"kind"' "$T/out" && ok || bad "-q --expect, all held: $(head -3 "$T/out")"

# The wrong issuer for alice: the failure names the client Certificate's frame.
"$BIN" -q -F json samples/tls12-mutual-ok.pcap >"$T/ok.json"
cc=$(sed -n 's/.*"client_certificate":{"status":"present","frame":\([0-9]*\).*/\1/p' "$T/ok.json")
cat >"$T/issuer.expect" <<'EOF'
match sni=app.example.com
  client-cert issuer CN=Some Other CA,O=Example Corp,C=US
  ca-list lacks CN=Example Corp Root CA,O=Example Corp,C=US
EOF
"$BIN" -F json --expect "$T/issuer.expect" samples/tls12-mutual-ok.pcap >"$T/out.json"
rc=$?
[ $rc = 1 ] && ok || bad "wrong issuer: exit $rc, not 1"
grep '"line":2,' "$T/out.json" | grep -q "\"result\":\"failed\".*\"frames\":\[$cc\],\"found\":\"present in frame $cc: subject CN=alice" && ok ||
	bad "wrong issuer: failure does not name the client certificate frame $cc"
grep '"line":3,' "$T/out.json" | grep -q '"result":"failed"' && ok || bad "ca-list lacks of a listed CA did not fail"

# alice was not sent in the empty-certificate sample: the failure names the
# frame of the empty Certificate.
"$BIN" -q -F json samples/tls12-empty-client-cert.pcap >"$T/empty.json"
ec=$(sed -n 's/.*"client_certificate":{"status":"empty","frame":\([0-9]*\).*/\1/p' "$T/empty.json")
printf 'match sni=app.example.com port=443\n  client-cert present\n' >"$T/present.expect"
"$BIN" --expect "$T/present.expect" samples/tls12-empty-client-cert.pcap >"$T/out"
[ $? = 1 ] && [ -n "$ec" ] && grep -q "found in samples/tls12-empty-client-cert.pcap stream 0 (frame $ec): empty in frame $ec" "$T/out" && ok ||
	bad "client-cert present on an empty Certificate: $(grep found "$T/out")"

# A wrong version names the negotiated one and the ServerHello's frame.
sh_frame=$(sed -n 's/.*"server_hello":{"frame":\([0-9]*\).*/\1/p' "$T/ok.json")
printf 'match\n  version TLS 1.3\n' >"$T/version.expect"
"$BIN" --expect "$T/version.expect" samples/tls12-mutual-ok.pcap >"$T/out"
[ $? = 1 ] && grep -q "found in samples/tls12-mutual-ok.pcap stream 0 (frame $sh_frame): TLS 1.2 (ServerHello in frame $sh_frame)" "$T/out" && ok ||
	bad "wrong version: $(grep found "$T/out")"

# A selector that matches nothing fails (exit 1), and says so.
printf 'match sni=nowhere.example\n  request any\n' >"$T/none.expect"
"$BIN" --expect "$T/none.expect" samples/tls12-mutual-ok.pcap >"$T/out"
rc=$?
[ $rc = 1 ] && grep -q 'FAILED: expected at least one connection' "$T/out" && ok || bad "empty selection: exit $rc"
# ... unless it expects none.
printf 'match sni=nowhere.example\n  connections 0\n' >"$T/zero.expect"
"$BIN" --expect "$T/zero.expect" samples/tls12-mutual-ok.pcap >/dev/null
[ $? = 0 ] && ok || bad "connections 0 on an empty selection did not hold"

# --- malformed files: exit 2, FILE:LINE: reason on stderr, nothing analysed
check_syntax() { # line-number expected, then the file's text
	want=$1
	shift
	printf '%s\n' "$@" >"$T/bad.expect"
	"$BIN" --expect "$T/bad.expect" samples/tls12-mutual-ok.pcap >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "^mtlsdiag: $T/bad.expect:$want: " "$T/err" && [ ! -s "$T/out" ]; then
		ok
	else
		bad "malformed file (error expected at line $want): exit $rc, stderr: $(cat "$T/err")"
	fi
}
check_syntax 1 "request initial"
check_syntax 3 "# ok so far" "match sni=app.example.com" "  request sometimes"
check_syntax 2 "" "match colour=blue"
check_syntax 2 "match" "  client-cert issuer"
check_syntax 4 "match port=443" "  no-errors" "" "  frobnicate"
check_syntax 1 "match port=70000"
check_syntax 2 "match" "  finding not_an_id"
# Each keyword's own message.
check_message() { # what the message must say, then the expectation line
	printf 'match\n  %s\n' "$2" >"$T/bad.expect"
	"$BIN" --expect "$T/bad.expect" samples/tls12-mutual-ok.pcap >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && grep -qF "$T/bad.expect:2: $1" "$T/err"; then ok; else bad "'$2': exit $rc, stderr: $(cat "$T/err")"; fi
}
check_message "'connections' needs a number, or >= and a number" "connections >= many"
check_message "'request sometimes': expected initial, renegotiation, post-handshake, any or none" "request sometimes"
check_message "'ended late': expected fin, rst, alert, capture_end, idle or evicted" "ended late"
check_message "'ca-list count' needs a number" "ca-list count x"
check_message "expected 'ca-list contains DN'" "ca-list contains"
check_message "expected 'client-cert present|empty|absent|not-requested|unknown'" "client-cert present now"
check_message "'version' needs a version" "version"
check_message "'no-warnings' takes nothing after it" "no-warnings at all"
check_message "'no-finding' needs one finding ID" "no-finding A B"
check_message "unknown expectation 'Connections'" "Connections 1"
printf '# nothing but a comment\n' >"$T/empty.expect"
"$BIN" --expect "$T/empty.expect" samples/tls12-mutual-ok.pcap >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "$T/empty.expect: no expectations" "$T/err" && ok || bad "a file without expectations: not exit 2"
"$BIN" --expect "$T/does-not-exist.expect" samples/tls12-mutual-ok.pcap >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'does-not-exist.expect' "$T/err" && ok || bad "a missing expectations file: not exit 2"
# An unreadable capture is an input error even when expectations hold.
printf 'match\n  connections 0\n' >"$T/zero-all.expect"
"$BIN" --expect "$T/zero-all.expect" "$T/no-such.pcap" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "missing capture with --expect: not exit 2"

tally_report e2e-expect
