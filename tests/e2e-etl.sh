#!/bin/sh
# e2e-etl.sh MTLSDIAG - a Windows event trace (.etl, from pktmon or netsh
# trace) is recognised by its header and answered with the commands that
# convert it; exit status 2, as for any file that is not a capture.
# The synthetic files hold only the header mtlsdiag looks at, laid out as
# Microsoft's evntrace.h/ntwmi.h define it (Geoff Chappell documents the
# same): a WMI_BUFFER_HEADER of 0x48 bytes starting with the buffer size
# (here 64 KiB, pktmon's and netsh's usual), then the first event, a
# SYSTEM_TRACE_HEADER: marker 02 00 02 c0 (version 2, header type 2 =
# TRACE_HEADER_TYPE_SYSTEM64, flags TRACE_HEADER_FLAG|TRACE_HEADER_EVENT_TRACE),
# size, hook id 0 (EVENT_TRACE_GROUP_HEADER), thread, process and times;
# at 0x68 the TRACE_LOGFILE_HEADER, whose first field repeats the buffer size.
set -u
BIN=$1
. tests/lib/tally.sh
. tests/lib/scratch.sh
# etl FILE FLAGS-BYTE: a header as above, padded to 512 bytes.
etl() {
	{
		printf '\000\000\001\000'                       # BufferSize 0x10000
		head -c 68 /dev/zero                               # rest of WMI_BUFFER_HEADER
		printf "\002\000\002\\$2"                          # marker
		printf '\160\001\000\000'                          # size 0x170, hook id 0
		head -c 24 /dev/zero                               # thread, process, times
		printf '\000\000\001\000'                          # TRACE_LOGFILE_HEADER.BufferSize
		head -c 404 /dev/zero
	} >"$1"
}
etl "$tmp/PktMon.etl" 300
"$BIN" "$tmp/PktMon.etl" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc = 2 ] && grep -q "PktMon.etl: a Windows event trace" "$tmp/err" &&
	grep -qF "pktmon etl2pcap PktMon.etl --out PktMon.pcapng" "$tmp/err" &&
	grep -qF "etl2pcapng PktMon.etl PktMon.pcapng" "$tmp/err"; then ok; else bad "PktMon.etl: exit $rc: $(cat "$tmp/err")"; fi
# Found by the header, not the name; and through a pipe.
cp "$tmp/PktMon.etl" "$tmp/trace.bin"
"$BIN" "$tmp/trace.bin" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -qF "pktmon etl2pcap trace.bin --out trace.bin.pcapng" "$tmp/err"; then ok; else bad "trace.bin: $(cat "$tmp/err")"; fi
"$BIN" - <"$tmp/PktMon.etl" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -qF "pktmon etl2pcap FILE.etl --out FILE.pcapng" "$tmp/err"; then ok; else bad "stdin: $(cat "$tmp/err")"; fi
cat "$tmp/PktMon.etl" | "$BIN" - >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "a Windows event trace" "$tmp/err"; then ok; else bad "pipe: $(cat "$tmp/err")"; fi
# The same bytes without the event-trace flags are no ETL file.
etl "$tmp/other.etl" 000
"$BIN" "$tmp/other.etl" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "not a capture file" "$tmp/err" && ! grep -q "event trace" "$tmp/err"; then ok; else bad "other.etl: $(cat "$tmp/err")"; fi
# Real captures are unaffected.
"$BIN" -q samples/tls12-mutual-ok.pcap >/dev/null 2>&1 && ok || bad "a pcap sample no longer reads"
"$BIN" -q samples/tls12-mutual-ok.netmon.cap >/dev/null 2>&1 && ok || bad "a NetMon sample no longer reads"
tally_report e2e-etl
