#!/usr/bin/env python3
"""tools/layers.py [ROOT] - checks that the source tree keeps the pipeline's
layering. Each folder is a stage, and a stage may use only the stages below
it:

    dissectors < capture < model < flow < diagnosis < output < cli

(dissectors/ and analyzer/<stage>/; README.md, "Layout"). Fails, naming
each one, on:
  - an include of a later stage (pointing up the pipeline);
  - a header that declares a function defined in a later stage;
  - a call into a later stage;
  - an analyzer header included without its folder ("conn.h" instead of
    "model/conn.h"), an include naming no file of the tree, a source file
    outside the stage folders;
  - a circle: .c files that call each other, directly or round a loop
    (a calls b when a names a function b defines and a header a includes
    declares it), or headers that include each other.
Prints what it checked. Exit 0 when the layering holds, 1 when not."""
import os
import re
import sys

STAGES = ["dissectors", "capture", "model", "flow", "diagnosis", "output", "cli"]
RANK = {s: i for i, s in enumerate(STAGES)}

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)
# Comments, strings and character constants, removed before parsing.
NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
# A declaration or definition starts at column 0: a type, then name( .
FUNC = re.compile(r'^(?!static\b|typedef\b|extern\b|#)[A-Za-z_][\w \t\*]*?[ \t\*]([A-Za-z_]\w*)\(', re.M)
WORD = re.compile(r'[A-Za-z_]\w*')


def stage_of(path):
    parts = path.split("/")
    if parts[0] == "dissectors":
        return "dissectors"
    if parts[0] == "analyzer" and len(parts) == 3:
        return parts[1]
    return None


def uncomment(text):
    return NOISE.sub(lambda m: " " if m.group(0).startswith("/") else m.group(0), text)


def strip(text):
    return NOISE.sub(lambda m: '""' if m.group(0).startswith('"') else " ", text)


def functions(code, defining):
    """Names declared (headers) or defined (.c: the statement is not ended
    by ';' before its body)."""
    names = set()
    for m in FUNC.finditer(code):
        rest = code[m.end():]
        depth, i = 1, 0
        while i < len(rest) and depth:
            depth += {"(": 1, ")": -1}.get(rest[i], 0)
            i += 1
        tail = rest[i:].lstrip()
        if defining and tail.startswith("{"):
            names.add(m.group(1))
        elif not defining and tail[:1] in (";", "_") or (not defining and tail.startswith("__attribute__")):
            names.add(m.group(1))
    return names


def sccs(nodes, edges):
    """Tarjan: the strongly connected components with more than one node."""
    index, low, on, stack, out = {}, {}, set(), [], []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    os.chdir(root)
    problems = []
    files = []
    for top in ("dissectors", "analyzer"):
        for d, _, names in os.walk(top):
            for n in names:
                if n.endswith((".c", ".h", ".def")):
                    p = os.path.join(d, n)
                    if stage_of(p) not in RANK:
                        problems.append(f"{p}: outside the stage folders ({', '.join(STAGES)})")
                    else:
                        files.append(p)
    files.sort()
    if not files:
        print(f"layers: no sources under {root}", file=sys.stderr)
        return 2
    raw = {f: open(f, encoding="utf-8", errors="replace").read() for f in files}
    code = {f: strip(t) for f, t in raw.items()}

    includes = {}
    n_incl = 0
    for f in files:
        includes[f] = []
        here = os.path.dirname(f)
        for inc in INCLUDE.findall(uncomment(raw[f])):
            n_incl += 1
            if "/" in inc:
                target = "analyzer/" + inc if os.path.isfile("analyzer/" + inc) else None
            elif os.path.isfile("dissectors/" + inc):
                target = "dissectors/" + inc
            elif os.path.isfile(os.path.join(here, inc)):
                target = os.path.join(here, inc)
                if f.startswith("analyzer/"):
                    problems.append(f'{f}: includes "{inc}" without its folder ("{stage_of(f)}/{inc}")')
            else:
                target = None
            if target is None:
                problems.append(f'{f}: includes "{inc}", which is no file of dissectors/ or analyzer/<stage>/')
                continue
            includes[f].append(target)
            if RANK[stage_of(target)] > RANK[stage_of(f)]:
                problems.append(f"{f} ({stage_of(f)}) includes {target} ({stage_of(target)}): a later stage")

    defined_in = {}
    for f in files:
        if f.endswith(".c"):
            for name in functions(code[f], True):
                defined_in.setdefault(name, f)
    declares = {f: functions(code[f], False) for f in files if f.endswith(".h")}
    for h, names in sorted(declares.items()):
        for name in sorted(names):
            d = defined_in.get(name)
            if d and RANK[stage_of(d)] > RANK[stage_of(h)]:
                problems.append(f"{h} ({stage_of(h)}) declares {name}(), defined in {d} ({stage_of(d)}): a later stage")

    def closure(f):
        seen, todo = set(), list(includes[f])
        while todo:
            h = todo.pop()
            if h not in seen:
                seen.add(h)
                todo.extend(includes.get(h, ()))
        return seen

    # Who calls whom, and through which header.
    calls, why = {}, {}
    for f in files:
        if not f.endswith(".c"):
            continue
        words = set(WORD.findall(code[f]))
        for h in closure(f):
            for name in declares.get(h, ()):
                d = defined_in.get(name)
                if d and d != f and name in words:
                    calls.setdefault(f, set()).add(d)
                    why.setdefault((f, d), f"{name}() ({h})")
                    if RANK[stage_of(d)] > RANK[stage_of(f)]:
                        problems.append(f"{f} ({stage_of(f)}) calls {name}() of {d} ({stage_of(d)}): a later stage")
    sources = [f for f in files if f.endswith(".c")]
    for comp in sccs(sources, calls):
        problems.append("a circle of calls between " + ", ".join(comp) + ":")
        for a in comp:
            for b in sorted(calls.get(a, ())):
                if b in comp:
                    problems.append(f"  {a} -> {b}: {why[(a, b)]}")
    headers = [f for f in files if f.endswith(".h")]
    for comp in sccs(headers, {h: set(includes[h]) for h in headers}):
        problems.append("headers that include each other: " + ", ".join(comp))

    n_calls = sum(len(v) for v in calls.values())
    print(f"layers: {len(files)} files, {n_incl} includes, {n_calls} calls between files; stages: {' < '.join(STAGES)}")
    for p in dict.fromkeys(problems):
        print("layers: " + p)
    if problems:
        print(f"layers: {len(dict.fromkeys(problems))} problem(s)")
        return 1
    print("layers: nothing points up the pipeline, no circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
