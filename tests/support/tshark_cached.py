#!/usr/bin/env python3
"""tshark, remembered: what tshark printed (standard output, standard error,
exit status) for the same arguments over the same file contents is printed
again without running it. run-all.sh puts this first in PATH as `tshark`
(TSHARK_REAL names the real one, TSHARK_CACHE_DIR the store), so the plain,
sanitizer and valgrind passes of `make test` ask tshark about each capture
once instead of three times; every comparison with tshark still runs in
every pass.

A file named by an argument (the capture after -r, a key log inside an -o
preference) counts by its contents, so a copy in another temporary folder
is the same question. Anything that writes files, captures live or reads
standard input runs tshark itself."""
import hashlib
import os
import re
import subprocess
import sys

PASS_THROUGH = ("-w", "-i", "-G", "-D", "-L", "-v", "-h", "--version", "--help", "--export", "-F")


def real_tshark():
    real = os.environ.get("TSHARK_REAL", "")
    if not real or not os.access(real, os.X_OK):
        sys.stderr.write("tshark_cached.py: TSHARK_REAL does not name tshark\n")
        sys.exit(127)
    return real


def run_real(real, args):
    os.execv(real, [real] + args)


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def key_of(real, args):
    """The question asked, or None when it must not be remembered."""
    reads_file = False
    for i, a in enumerate(args):
        if a.startswith(PASS_THROUGH):
            return None
        if a == "-r":
            if i + 1 >= len(args) or not os.path.isfile(args[i + 1]):
                return None
            reads_file = True
    if not reads_file:
        return None
    h = hashlib.sha256()
    st = os.stat(real)
    h.update(("%s %d %d\n" % (real, st.st_size, st.st_mtime_ns)).encode())
    for name in sorted(os.environ):
        if name == "TZ" or name.startswith(("LC_", "LANG")):
            h.update(("%s=%s\n" % (name, os.environ[name])).encode())
    for a in args:
        for part in re.split(r"([:,=])", a):
            if part and os.path.isfile(part):
                h.update(("<%s %s>" % (os.path.basename(part), file_digest(part))).encode())
            else:
                h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def main():
    real = real_tshark()
    args = sys.argv[1:]
    store = os.environ.get("TSHARK_CACHE_DIR", "")
    key = key_of(real, args) if store else None
    if key is None:
        run_real(real, args)
    path = os.path.join(store, key)
    try:
        with open(path, "rb") as f:
            blob = f.read()
        status, out_len = (int(x) for x in blob[: blob.index(b"\n")].split())
        body = blob[blob.index(b"\n") + 1:]
        out, err = body[:out_len], body[out_len:]
    except (OSError, ValueError):
        done = subprocess.run([real] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        status, out, err = done.returncode, done.stdout, done.stderr
        # A run stopped by a signal is not an answer to keep.
        if status >= 0:
            os.makedirs(store, exist_ok=True)
            part = "%s.%d" % (path, os.getpid())
            with open(part, "wb") as f:
                f.write(b"%d %d\n" % (status, len(out)))
                f.write(out)
                f.write(err)
            os.replace(part, path)
    try:
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # As tshark itself would end when its reader goes (head -1).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.stderr.buffer.write(err)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
