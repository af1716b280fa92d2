#!/bin/sh
# e2e-http.sh MTLSDIAG - the decrypted HTTP in the text report of the two
# HTTP samples: one line per exchange (the first HTTP/1.x line as it always
# was), the HTTP/2 reset with its error code, GOAWAY, the software headers
# and the error page; without keys, none of it. (Their JSON is pinned by
# samples/expected-keys/, their agreement with tshark by test_oracle_http.)
set -u
BIN=$1
. tests/lib/tally.sh
. tests/lib/scratch.sh
unset SSLKEYLOGFILE
has() { if grep -qxF -- "$3" "$2"; then ok; else bad "$1: line '$3' not in $(cat "$2")"; fi; }
hasnt() { if grep -qF -- "$3" "$2"; then bad "$1: '$3' should not be there"; else ok; fi; }

S=samples/tls13-h2-http11-required
"$BIN" --no-color --keylog $S.keylog $S.pcap >"$tmp/h2.txt" 2>&1
has "h2 stream 1" "$tmp/h2.txt" "  HTTP/2 stream 1: GET / (frame 9) -> 200 (frame 10)"
has "h2 reset" "$tmp/h2.txt" \
	"  HTTP/2 stream 3: GET /secure/report (frame 11) -> RST_STREAM HTTP_1_1_REQUIRED from the server (frame 12)"
has "h2 goaway" "$tmp/h2.txt" "  HTTP/2 GOAWAY NO_ERROR from the server, last stream 3 (frame 12)"
has "h2 server" "$tmp/h2.txt" "  Server: mtlsgen"
has "h2 agent" "$tmp/h2.txt" "  User-Agent: mtlsgen/1.0"
"$BIN" -F json --keylog $S.keylog $S.pcap >"$tmp/h2.json" 2>&1
if grep -qF '"stream":3,"method":"GET","path":"/secure/report","status":null,"request_frame":11,"response_frame":null,"reset_error":"HTTP_1_1_REQUIRED","reset_frame":12,"reset_from":"server"' "$tmp/h2.json"; then ok; else bad "h2 json: $(cat "$tmp/h2.json")"; fi
"$BIN" --no-color $S.pcap >"$tmp/h2n.txt" 2>&1
hasnt "h2 without keys" "$tmp/h2n.txt" "HTTP"

S=samples/tls12-http11-two-requests-403
"$BIN" --no-color --keylog $S.keylog $S.pcap >"$tmp/h1.txt" 2>&1
has "h1 first" "$tmp/h1.txt" "  HTTP: GET /secure/report HTTP/1.1 (frame 9) -> HTTP/1.1 200 OK (frame 10)"
has "h1 second" "$tmp/h1.txt" "  HTTP: GET /secure/admin (frame 11) -> 403 (frame 14)"
has "h1 page" "$tmp/h1.txt" '  Error page: "403 - Forbidden: Access is denied." (frame 14)'
# the 403 in red with colour, the 200 not
"$BIN" --color --keylog $S.keylog $S.pcap >"$tmp/h1c.txt" 2>&1
if grep -qF -- "$(printf -- "-> \033[31m403\033[0m (frame 14)")" "$tmp/h1c.txt"; then ok; else bad "colour: 403 not red"; fi
hasnt "200 not red" "$tmp/h1c.txt" "$(printf '\033[31mHTTP/1.1 200')"
tally_report http
