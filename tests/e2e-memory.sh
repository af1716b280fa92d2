#!/bin/sh
# e2e-memory.sh MTLSDIAG - --max-memory bounds the whole process, on
# adversarial captures written by bench/advgen (BUILD/bench/advgen, next to
# the binary): connections that keep many distinct 64 KB CA lists alive at
# once (the lists must be counted while any connection holds them, not only
# while the cache does), handshakes all in progress at once, and half-open
# flows. Each capture is streamed to mtlsdiag through a pipe (nothing on
# disk) under --max-memory 16M, and:
#   - peak RSS (GNU time) stays within 16 MiB plus the overhead, measured
#     as the peak RSS of the same kind of capture with one connection: the
#     binary, its libraries, OpenSSL's tables, I/O buffers and the rendering
#     of the largest single report;
#   - every TLS connection seen is reported, and their number is the one
#     the generator wrote;
#   - the bound did act (connections were given up for it): without it
#     the CA lists alone would need some 380 MB;
#   - idle flows go before handshakes in progress, even more recent ones.
# Nothing depends on time. Under valgrind or a sanitizer RSS means nothing:
# skipped, as without GNU time.
set -u
BIN=$1
. tests/lib/tally.sh
BUILD=$(dirname "$BIN")
GEN=$BUILD/bench/advgen
TIME=/usr/bin/time
BOUND_MIB=16

skip() {
	echo "SKIP memory: $*"
	tally_report memory
	exit
}
[ -x "$GEN" ] || skip "$GEN is missing (make $GEN)"
[ -x "$TIME" ] || skip "GNU time is not installed (Debian package 'time': tools/deps.sh install test)"
[ -z "${TEST_WRAP:-}" ] || skip "peak RSS is not the program's own under $TEST_WRAP"
case "$BUILD" in *san*) skip "peak RSS is not the program's own under the sanitizers" ;; esac

. tests/lib/scratch.sh

# run ADVGEN_ARGS... : streams the capture through mtlsdiag under the bound;
# sets rss (KiB), seen, reported, evicted, written.
run() {
	"$GEN" "$@" - 2>"$tmp/gen" |
		"$TIME" -f '%M' -o "$tmp/rss" "$BIN" -F json --max-memory ${BOUND_MIB}M - >/dev/null 2>"$tmp/summary"
	rss=$(tail -n 1 "$tmp/rss")
	num() { grep -o "\"$1\":[0-9]*" "$tmp/summary" | head -1 | cut -d: -f2; }
	seen=$(num tls_connections_seen)
	reported=$(num tls_connections_reported)
	evicted=$(num evicted_max_memory)
	written=$(sed -n 's/^connections //p' "$tmp/gen")
}

# check NAME ONE_ARGS ALL_ARGS: one connection for the overhead, then all.
check() {
	name=$1
	# shellcheck disable=SC2086 # argument lists
	run $2
	overhead=$rss
	# shellcheck disable=SC2086
	run $3
	limit=$((BOUND_MIB * 1024 + overhead))
	if [ -n "$rss" ] && [ "$rss" -le "$limit" ]; then
		ok
	else
		bad "$name: peak RSS ${rss:-?} KiB over ${BOUND_MIB} MiB + $overhead KiB (one connection's run)"
	fi
	if [ -n "$seen" ] && [ "$seen" = "$reported" ] && [ "$seen" = "$written" ]; then
		ok
	else
		bad "$name: ${written:-?} connections written, ${seen:-?} seen, ${reported:-?} reported"
	fi
	echo "memory: $name: peak RSS $rss KiB (limit $limit KiB), $seen connections, $evicted given up for the bound"
}

# 200 connections x 16 distinct 64 KB CA lists, all held at once.
check "CA lists" "calist 1 16" "calist 200 16"
[ "${evicted:-0}" -gt 0 ] && ok || bad "CA lists: the bound never acted (evicted_max_memory ${evicted:-?})"
# 3,000 handshakes in progress at once.
check handshakes "hs 1" "hs 3000"
# 100,000 SYNs, never answered (no TLS: only the bound is checked).
run syn 1
overhead=$rss
run syn 100000
[ -n "$rss" ] && [ "$rss" -le $((BOUND_MIB * 1024 + overhead)) ] && ok ||
	bad "half-open flows: peak RSS ${rss:-?} KiB over ${BOUND_MIB} MiB + $overhead KiB"
echo "memory: half-open flows: peak RSS $rss KiB (limit $((BOUND_MIB * 1024 + overhead)) KiB)"
# The order things go in: 200 handshakes opened, then 50,000 SYNs that
# are never answered, then the handshakes go on. Under 8M the SYNs, though
# more recent, are given up and the handshakes are not: each of them is
# reported with its CertificateRequest, none with note memory_limit.
"$GEN" mixed 200 50000 - 2>/dev/null | "$BIN" -F json --max-memory 8M - >"$tmp/mixed.json" 2>"$tmp/summary"
with_request=$(grep -o '"with_request":[0-9]*' "$tmp/summary" | cut -d: -f2)
evicted=$(grep -o '"evicted_max_memory":[0-9]*' "$tmp/summary" | cut -d: -f2)
cut_short=$(grep -c memory_limit "$tmp/mixed.json")
if [ "${with_request:-0}" = 200 ] && [ "$cut_short" = 0 ] && [ "${evicted:-0}" -gt 0 ]; then
	ok
else
	bad "idle before handshakes: ${with_request:-?} of 200 requests seen, $cut_short handshakes cut short, ${evicted:-?} flows given up"
fi
tally_report memory
