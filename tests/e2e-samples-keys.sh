#!/bin/sh
# e2e-samples-keys.sh MTLSDIAG [--update] - every sample that comes with a
# key log, analysed with it, compared with the reviewed report in
# samples/expected-keys/<capture>.json (the decrypted view; the reports
# without keys are checked by e2e-samples.sh). --update rewrites them
# (`make expected`): do it only after reading the diff.
set -u
. tests/lib/expected.sh
BIN=$1
UPDATE=${2:-}
dir=samples
exp=$dir/expected-keys
. tests/lib/scratch.sh
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
	expect_report "$name" "$out" "$exp" "report with keys"
done
[ "$UPDATE" = --update ] && exit 0
echo "samples with keys: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
