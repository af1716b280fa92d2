#!/bin/sh
# e2e-layout.sh [MTLSDIAG] - the source tree keeps the pipeline's layering
# (tools/layers.py: no include of a later stage, no circle), and the check
# itself catches each kind of break, on a copy of the tree with one bad
# line added.
set -u
. tests/lib/tally.sh
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP e2e-layout: python3 is not installed (tools/deps.sh install test)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

out=$(python3 tools/layers.py . 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q 'nothing points up the pipeline, no circle'; then ok; else
	bad "the tree breaks its layering: $out"
fi

# broken WHAT FILE LINES EXPECTED: FILE (in a fresh copy) ends with LINES;
# the check must fail and print EXPECTED.
broken() {
	rm -rf "$tmp/t"
	mkdir "$tmp/t"
	cp -R dissectors analyzer "$tmp/t/"
	printf '%b\n' "$3" >>"$tmp/t/$2"
	o=$(python3 tools/layers.py "$tmp/t" 2>&1)
	rc=$?
	if [ $rc = 1 ] && echo "$o" | grep -qF "$4"; then ok; else
		bad "$1: exit $rc, expected '$4' in: $(echo "$o" | tail -5)"
	fi
}
# One case a line: what | the file | the lines it ends with | what the check must say.
while IFS='|' read -r what file lines expected; do
	broken "$what" "$file" "$lines" "$expected"
done <<'CASES'
upward include|analyzer/flow/flow.c|#include "output/output.h"|analyzer/flow/flow.c (flow) includes analyzer/output/output.h (output): a later stage
dissector including the analyzer|dissectors/tls_record.c|#include "model/model.h"|dissectors/tls_record.c (dissectors) includes analyzer/model/model.h (model): a later stage
header declaring a later stage's function|analyzer/model/model.h|void output_finish(struct output *o);|analyzer/model/model.h (model) declares output_finish(), defined in analyzer/output/output.c (output): a later stage
include without its folder|analyzer/model/select.c|#include "trust.h"|analyzer/model/select.c: includes "trust.h" without its folder ("model/trust.h")
include of no file|analyzer/model/select.c|#include "model/nothing.h"|includes "model/nothing.h", which is no file
circle within a stage (source.c calls frame.c)|analyzer/capture/frame.c|#include "capture/source.h"\nvoid frame_loop(void); void frame_loop(void) { source_close(NULL); }|analyzer/capture/frame.c -> analyzer/capture/source.c: source_close() (analyzer/capture/source.h)
headers including each other|analyzer/model/model.h|#include "model/trust.h"|headers that include each other: analyzer/model/model.h, analyzer/model/trust.h
CASES
tally_report e2e-layout
