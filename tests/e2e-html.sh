#!/bin/sh
# e2e-html.sh MTLSDIAG - the HTML report (--format html) of real sample
# handshakes: it validates (tidy, and html5lib's strict parser), it says what
# the text and JSON reports of the same capture say (outcome, findings, the
# cause, one ladder per connection, the requests and alerts marked), text
# from a hostile capture stays text, a headless Chromium renders it without
# console errors (screenshot kept as build/html-shot.png), and a
# few-thousand-connection report is whole. Validators and the browser are
# optional: each check skips with its reason when its tool is missing.
set -u
BIN=$1
. tests/lib/tally.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
BUILD=$(dirname "$BIN")

# The Debian python3 has html5lib (python3-html5lib); a pyenv one may not.
PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import html5lib' 2>/dev/null; then
		PY=$p
		break
	fi
done
JPY=$(command -v python3 || echo /usr/bin/python3)

SAMPLES="tls12-unknown-ca tls12-client-reneg tls13-post-handshake-auth tls13-no-client-cert
tls12-http11-two-requests-403 tls12-empty-client-cert tls12-injected-rst tls13-h2-http11-required"

report() { # NAME FORMAT [--keylog] -> stdout
	k=samples/$1.keylog
	if [ -f "$k" ]; then
		"$BIN" -F "$2" --keylog "$k" "samples/$1.pcap" 2>/dev/null
	else
		"$BIN" -F "$2" "samples/$1.pcap" 2>/dev/null
	fi
}

validate() { # FILE LABEL
	if command -v tidy >/dev/null 2>&1; then
		out=$(tidy -e -q "$1" 2>&1)
		[ -z "$out" ] && ok || bad "$2: tidy: $(echo "$out" | head -3)"
	fi
	if [ -n "$PY" ]; then
		out=$("$PY" -c '
import sys, html5lib
html5lib.HTMLParser(strict=True).parse(open(sys.argv[1], "rb").read())' "$1" 2>&1)
		[ -z "$out" ] && ok || bad "$2: html5lib strict parse: $(echo "$out" | tail -1)"
	fi
}
command -v tidy >/dev/null 2>&1 || echo "SKIP e2e-html tidy checks: tidy (Debian package tidy) not installed"
[ -n "$PY" ] || echo "SKIP e2e-html html5lib checks: python3-html5lib not installed"

for s in $SAMPLES; do
	[ -f "samples/$s.pcap" ] || { bad "samples/$s.pcap missing"; continue; }
	report "$s" html >"$T/$s.html"
	report "$s" json >"$T/$s.json"
	report "$s" text >"$T/$s.txt"
	validate "$T/$s.html" "$s"
	# Per connection, from the JSON report: the outcome and every finding
	# in that connection's section; requests and alerts marked in its ladder.
	out=$("$JPY" - "$T/$s.json" "$T/$s.html" <<'EOF'
import json, re, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
page = open(sys.argv[2], encoding="utf-8").read()
sections = re.findall(r'<details class="conn" id="c(\d+)-(\d+)"[^>]*>(.*?)</details>', page, re.S)
if len(sections) != len(conns):
    print("sections %d, connections %d" % (len(sections), len(conns)))
by_stream = {int(st): body for _, st, body in sections}
for c in conns:
    body = by_stream.get(c["stream"])
    if body is None:
        print("stream %d has no section" % c["stream"]); continue
    if '<span class="oc oc-%s">%s</span>' % ({"yes": "yes", "no": "no"}.get(c["outcome"]["failure"], "undetermined"),
                                             c["outcome"]["kind"]) not in body:
        print("stream %d: outcome %s not shown" % (c["stream"], c["outcome"]["kind"]))
    for f in c["findings"]:
        if '<b class="mono">%s</b>' % f["id"] not in body:
            print("stream %d: finding %s not shown" % (c["stream"], f["id"]))
    if body.count('<svg class="ladder"') != 1:
        print("stream %d: %d ladders" % (c["stream"], body.count('<svg class="ladder"')))
    reqs = len(c.get("cert_requests") or [])
    marked = len(re.findall(r'<g class="m req', body))
    if marked != reqs:
        print("stream %d: %d requests in the JSON, %d marked in the ladder" % (c["stream"], reqs, marked))
    alerts = [a for a in (c.get("alerts") or []) if not a.get("encrypted")]
    for a in alerts:
        if not re.search(r'<g class="m alert[^"]*">[^\n]*Alert[^<]*%s' % a.get("description", "?"), body):
            print("stream %d: alert %s not marked" % (c["stream"], a.get("description")))
    if "tcp.stream eq %d" % c["stream"] not in body:
        print("stream %d: no Wireshark filter" % c["stream"])
    if '<tr><td><a href="#c%s-%d">' % (sections[0][0], c["stream"]) not in page:
        print("stream %d: not in the summary table" % c["stream"])
EOF
)
	[ -z "$out" ] && ok || bad "$s: $out"
	# "the cause" as often as the text report marks it.
	tc=$(grep -c '<- the cause' "$T/$s.txt")
	hc=$(grep -o 'the cause</span>' "$T/$s.html" | wc -l)
	[ "$tc" -eq "$hc" ] && ok || bad "$s: the cause marked $hc times, the text report $tc"
	# Same outcome counts as the text summary.
	for k in authenticated rejected no_certificate not_requested failed_before_request unknown; do
		n=$(sed -n "/^  outcomes:/s/.*[:,] $k \([0-9]*\).*/\1/p" "$T/$s.txt")
		grep -q "<tr><td>$k</td><td>$n</td></tr>" "$T/$s.html" && ok || bad "$s: summary count of $k is not $n"
	done
done

# Decrypted steps carry the marker, encrypted ones the dashed style.
grep -q '<circle class="dec"' "$T/tls12-client-reneg.html" && ok || bad "reneg: no decrypted marker"
grep -q '<rect class="reneg"' "$T/tls12-client-reneg.html" && ok || bad "reneg: renegotiation not shaded"
grep -q '<rect class="post"' "$T/tls13-post-handshake-auth.html" && ok || bad "post-handshake phase not shaded"
"$BIN" -F html samples/tls13-no-client-cert.pcap >"$T/enc.html" 2>/dev/null
grep -q '<g class="m[^"]* enc' "$T/enc.html" && ok || bad "without keys: no encrypted step"
validate "$T/enc.html" "tls13 without keys"

# -q writes no summary: the page links to none, and every link it has
# lands on an id of the page.
"$BIN" -q -F html samples/tls12-mutual-ok.pcap >"$T/quiet.html" 2>/dev/null
grep -q 'id="summary"' "$T/quiet.html" && bad "-q: a summary was written" || ok
for f in "$T/quiet.html" "$T/enc.html"; do
	for target in $(grep -o 'href="#[^"]*"' "$f" | sed 's/.*href="#\([^"]*\)"/\1/' | sort -u); do
		grep -q "id=\"$target\"" "$f" && ok || bad "$(basename "$f"): a link to #$target, which no element has"
	done
done
validate "$T/quiet.html" "-q"

# Hostile text: an SNI of markup (same length as the real one, so the
# ClientHello still parses) stays text. The JSON report is the reference.
if "$JPY" -c '
import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d.replace(b"app.example.com", b"<s>\"&\x27</s>a.bcd", 1))' samples/tls12-unknown-ca.pcap "$T/hostile.pcap"; then
	"$BIN" -F json -q "$T/hostile.pcap" | grep -q '"sni":"<s>\\"&'"'"'</s>a.bcd"' && ok ||
		bad "hostile: the JSON report does not show the forged SNI"
	"$BIN" -F html "$T/hostile.pcap" >"$T/hostile.html" 2>/dev/null
	grep -q '<s>' "$T/hostile.html" && bad "hostile: markup from the capture reached the page" || ok
	grep -q '&lt;s&gt;&quot;&amp;&#39;&lt;/s&gt;a.bcd' "$T/hostile.html" && ok || bad "hostile: SNI not escaped as expected"
	validate "$T/hostile.html" hostile
fi

# compare: each matched pair with both ladders side by side, the compare
# findings of the text output.
"$BIN" -F html compare samples/proxy-client-side.pcap samples/proxy-server-side.pcap >"$T/cmp.html" 2>/dev/null
"$BIN" compare samples/proxy-client-side.pcap samples/proxy-server-side.pcap >"$T/cmp.txt" 2>/dev/null
validate "$T/cmp.html" compare
pairs=$(grep -c '^== pair' "$T/cmp.txt")
[ "$(grep -c '^<div class="pair">' "$T/cmp.html")" -eq "$pairs" ] && ok || bad "compare: not one row per pair"
[ "$(grep -c '<svg class="ladder"' "$T/cmp.html")" -eq $((2 * pairs)) ] && ok || bad "compare: not two ladders per pair"
for id in $(sed -n 's/^  \(error\|warning\|info\) \([A-Z_0-9]*\).*/\2/p' "$T/cmp.txt"); do
	grep -q "<b class=\"mono\">$id</b>" "$T/cmp.html" && ok || bad "compare: finding $id not shown"
done
# --expect writes text or JSON; html is refused with a reason.
"$BIN" -F html --expect samples/expectations/samples.expect samples/tls12-unknown-ca.pcap >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q 'html' "$T/err" && ok || bad "--expect -F html not refused"
# -q: no summary, but the page is still whole.
"$BIN" -F html -q samples/tls12-unknown-ca.pcap >"$T/quiet.html" 2>/dev/null
tail -1 "$T/quiet.html" | grep -q '</html>' && ok || bad "-q: page not closed"
validate "$T/quiet.html" quiet

# A few thousand connections (the bench generator): the page is whole, each
# connection has its section, only the first ten are open.
if [ -x "$BUILD/mtlsgen" ]; then
	if "$BUILD/mtlsgen" --bench hs 3000 "$T/hs.pcap" >/dev/null 2>&1; then
		"$BIN" -F html -o "$T/hs.html" "$T/hs.pcap" 2>/dev/null
		n=$(grep -c '^<details class="conn"' "$T/hs.html")
		[ "$n" -eq 3000 ] && ok || bad "large: $n sections of 3000"
		o=$(grep -c '^<details class="conn"[^>]* open>' "$T/hs.html")
		[ "$o" -eq 10 ] && ok || bad "large: $o sections open"
		r=$(grep -c '^<tr><td><a href="#c0-' "$T/hs.html")
		[ "$r" -eq 3000 ] && ok || bad "large: $r table rows"
		validate "$T/hs.html" large
	else
		bad "mtlsgen --bench failed"
	fi
else
	echo "SKIP e2e-html large report: $BUILD/mtlsgen not built (make $BUILD/mtlsgen)"
fi

# A real browser: the rendered DOM has the diagrams, the outcome and the
# findings, and the page logs no console error. Chromium is installed
# when we may (root with apt-get), else the check is skipped.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }
	CHROME=$(command -v chromium || true)
fi
if [ -z "$CHROME" ]; then
	echo "SKIP e2e-html browser checks: chromium not installed (Debian package chromium; needs root to install)"
else
	chrome() { timeout 120 "$CHROME" --headless --disable-gpu --no-sandbox --user-data-dir="$T/chrome" "$@"; }
	for s in tls12-unknown-ca tls12-client-reneg tls13-post-handshake-auth; do
		chrome --enable-logging=stderr --v=0 --dump-dom "file://$T/$s.html" >"$T/$s.dom" 2>"$T/$s.log"
		grep -q '<svg class="ladder"' "$T/$s.dom" && grep -q '<line class="msg"' "$T/$s.dom" && ok ||
			bad "$s: browser DOM has no ladder"
		k=$("$JPY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["outcome"]["kind"])' "$T/$s.json")
		grep -q "class=\"oc oc-[a-z]*\">$k</span>" "$T/$s.dom" && ok || bad "$s: browser DOM lacks the outcome $k"
		f=$("$JPY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["findings"][0]["id"])' "$T/$s.json")
		grep -q "$f" "$T/$s.dom" && ok || bad "$s: browser DOM lacks the finding $f"
		grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(' "$T/$s.log" >"$T/console" && bad "$s: console: $(head -2 "$T/console")" || ok
	done
	mkdir -p "$BUILD"
	chrome --screenshot="$BUILD/html-shot.png" --window-size=1200,2000 "file://$T/tls12-unknown-ca.html" >/dev/null 2>&1
	[ -s "$BUILD/html-shot.png" ] && ok || bad "no screenshot"
fi

tally_report e2e-html
