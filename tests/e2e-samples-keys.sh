#!/bin/sh
# e2e-samples-keys.sh MTLSDIAG [--update] - every sample that comes with a
# key log, analysed with it, compared with the reviewed report in
# samples/expected-keys/<capture>.json (the decrypted view; the reports
# without keys are checked by e2e-samples.sh). --update rewrites them
# (`make expected`): do it only after reading the diff.
set -u
BIN=$1
UPDATE=${2:-}
dir=samples
exp=$dir/expected-keys
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset SSLKEYLOGFILE
pass=0
fail=0
mkdir -p "$exp"
for key in "$dir"/*.keylog; do
	[ -f "$key" ] || continue
	cap=${key%.keylog}.pcap
	name=$(basename "$cap")
	out=$tmp/$name.json
	"$BIN" -F json-pretty -q --keylog "$key" "$cap" >"$out" 2>"$tmp/err"
	echo "exit_status $?" >>"$out"
	if [ "$UPDATE" = --update ]; then
		if ! cmp -s "$out" "$exp/$name.json"; then
			[ -f "$exp/$name.json" ] && diff -u "$exp/$name.json" "$out" | head -40
			cp "$out" "$exp/$name.json"
			echo "updated $exp/$name.json"
		fi
		continue
	fi
	if [ ! -f "$exp/$name.json" ]; then
		echo "FAIL $name: no expected report with keys (run 'make expected' and review it)"
		fail=$((fail + 1))
	elif diff -u "$exp/$name.json" "$out" >"$tmp/diff"; then
		pass=$((pass + 1))
	else
		echo "FAIL $name: report with keys differs from $exp/$name.json:"
		head -60 "$tmp/diff"
		cat "$tmp/err"
		fail=$((fail + 1))
	fi
done
[ "$UPDATE" = --update ] && exit 0
echo "samples with keys: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
