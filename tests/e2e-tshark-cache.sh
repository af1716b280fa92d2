#!/bin/sh
# e2e-tshark-cache.sh MTLSDIAG - the tests' stand-in for tshark
# (tests/support/tshark_cached.py) answers what tshark answers: a capture
# changed under the same name gets tshark's new answer, a copy of the
# same bytes under another name is the kept answer, the exit status is
# tshark's, and a question that writes a file runs tshark itself.
set -u
. tests/lib/tally.sh
needs e2e-tshark-cache "Debian: tshark, python3" tshark python3
. tests/lib/scratch.sh
real=${TSHARK_REAL:-$(command -v tshark)}
cached() {
	TSHARK_REAL=$real TSHARK_CACHE_DIR=$tmp/store python3 tests/support/tshark_cached.py "$@"
}
frames() { "$@" -r "$tmp/cap.pcap" -T fields -e frame.number 2>/dev/null | wc -l; }
kept() { find "$tmp/store" -type f 2>/dev/null | wc -l; }

cp samples/tls12-mutual-ok.pcap "$tmp/cap.pcap"
first=$(frames "$real")
[ "$(frames cached)" = "$first" ] && ok || bad "first answer differs from tshark's"
[ "$(kept)" = 1 ] && ok || bad "$(kept) answers kept after one question"
# The same name, other bytes: tshark's new answer, not the kept one.
cp samples/tls12-reneg-late-request.pcap "$tmp/cap.pcap"
want=$(frames "$real")
[ "$(frames cached)" = "$want" ] && ok || bad "a changed capture got the old answer ($(frames cached), tshark $want)"
[ "$want" != "$first" ] && ok ||
	bad "the two samples have as many frames: the check above proves nothing"
# The same bytes under another name and folder: the kept answer.
mkdir -p "$tmp/other"
cp samples/tls12-mutual-ok.pcap "$tmp/other/copy.pcap"
before=$(kept)
n=$(cached -r "$tmp/other/copy.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
m=$(cached -r "$tmp/other/copy.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
[ "$n" = "$m" ] && [ "$(kept)" = $((before + 1)) ] && ok || bad "a copy: $n then $m frames, $(kept) answers kept"
# Exit status and standard error are tshark's, kept or not.
for i in 1 2; do
	cached -r "$tmp/cap.pcap" -Y 'no.such.field == 1' >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" != 0 ] && [ -s "$tmp/err" ] && ok || bad "a bad filter (call $i): exit $rc, stderr '$(cat "$tmp/err")'"
done
# A question that writes a file is not kept: tshark writes it each time.
before=$(kept)
cached -r "$tmp/cap.pcap" -w "$tmp/out.pcap" 2>/dev/null
[ -s "$tmp/out.pcap" ] && [ "$(kept)" = "$before" ] && ok || bad "-w: no file written, or the answer kept"
tally_report e2e-tshark-cache
