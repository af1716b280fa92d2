#!/bin/sh
# e2e-limits.sh MTLSDIAG - the per-connection limits on a real capture
# (tls12-huge-ca-list: 151 CA names, a two-certificate client chain): what
# is over a limit is counted, not kept, and said in notes; bad values of
# the limit options are refused. The memory limits are in test_an_limits.
set -u
BIN=$1
. tests/lib/tally.sh
S=samples/tls12-huge-ca-list.pcap
. tests/lib/scratch.sh
# names FILE: how many CA names the first request lists
names() { grep -o '"ca_names":\[[^]]*\]' "$1" | head -1 | grep -o '","' | wc -l | awk '{print $1 + 1}'; }

"$BIN" -q -F json "$S" >"$tmp/all.json" || bad "default run: exit status $?"
full=$(names "$tmp/all.json")
grep -q '"ca_count":151' "$tmp/all.json" && [ "$full" = 151 ] && ok || bad "default: expected 151 names, got $full"
grep -q '"notes":""' "$tmp/all.json" && ok || bad "default: unexpected notes"

"$BIN" -q -F json --max-ca-names 10 "$S" >"$tmp/ca.json" || bad "--max-ca-names: exit status $?"
kept=$(names "$tmp/ca.json")
if [ "$kept" = 10 ] && grep -q '"ca_count":151' "$tmp/ca.json" && grep -q '"notes":"ca_names_over_limit"' "$tmp/ca.json"; then
	ok
else
	bad "--max-ca-names 10: $kept names kept, or ca_count/notes wrong"
fi
"$BIN" --no-color --max-ca-names 10 "$S" | grep -q "141 more not kept (--max-ca-names)" && ok || bad "--max-ca-names: text does not say what was left out"

"$BIN" -q -F json --max-chain 1 "$S" >"$tmp/chain.json" || bad "--max-chain: exit status $?"
if grep -q '"count":2' "$tmp/chain.json" && grep -q 'chain_over_limit' "$tmp/chain.json" &&
	[ "$(grep -o '"sha256"' "$tmp/chain.json" | wc -l)" -lt "$(grep -o '"sha256"' "$tmp/all.json" | wc -l)" ]; then
	ok
else
	bad "--max-chain 1: the chain was not cut or not said"
fi

for bad_opt in "--max-chain 17" "--max-chain 0" "--max-ca-names 0" "--max-memory 1000"; do
	# shellcheck disable=SC2086 # two words: option and value
	"$BIN" $bad_opt "$S" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && grep -q "mtlsdiag: --max-" "$tmp/err" && ok || bad "$bad_opt: exit status $rc, $(cat "$tmp/err")"
done

tally_report limits
