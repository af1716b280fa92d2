#!/bin/sh
# e2e-samples.sh MTLSDIAG [--update] - the analyzer on every sample capture,
# compared with the reviewed report in samples/expected/<capture>.json.
# --update rewrites the expected files (`make expected`): do it only after
# reading the diff.
set -u
. tests/lib/expected.sh
BIN=$1
UPDATE=${2:-}
dir=samples
exp=$dir/expected
. tests/lib/scratch.sh
pass=0
fail=0
mkdir -p "$exp"
for cap in "$dir"/*.pcap "$dir"/*.pcapng "$dir"/*.cap; do
	[ -f "$cap" ] || continue
	name=$(basename "$cap")
	out=$tmp/$name.json
	"$BIN" -F json-pretty -q "$cap" >"$out" 2>"$tmp/err"
	rc=$?
	echo "exit_status $rc" >>"$out"
	expect_report "$name" "$out" "$exp" "report"
done
for e in "$exp"/*.json; do
	[ -f "$e" ] || continue
	c=$dir/$(basename "$e" .json)
	[ -f "$c" ] || { echo "FAIL $(basename "$e"): expected report without a capture"; fail=$((fail + 1)); }
done
[ "$UPDATE" = --update ] && exit 0
echo "samples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
