#!/usr/bin/env python3
"""Checks of the repository itself, run by CI.

  scripts/check-repo.py paths     fails when a tracked file refers to a path outside the
                                  repository: a relative path that climbs above it (such as
                                  ../shared/...), or an absolute path into a person's machine
                                  (/home/..., /root/..., /work/..., /Users/..., C:\\...)
  scripts/check-repo.py imports   fails when a crate's modules import each other in a circle
                                  (a `use crate::...`/`super::` edge graph per crate, with
                                  parent-child edges left out)
  scripts/check-repo.py selftest  shows that both checks fail on a small repository made to
                                  break them (a check that cannot fail proves nothing)
  scripts/check-repo.py           both

A line that holds a hostile path on purpose (a test that the code refuses it) says so with the
words "hostile path" on that line.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))

# Published data is carried as printed; it is not code and names no local path. This script
# names the patterns it looks for.
SKIP_PREFIXES = ("data/", "scripts/check-repo.py")
TEXT_SUFFIXES = (
    ".rs", ".toml", ".sh", ".py", ".md", ".js", ".mjs", ".html", ".css", ".json", ".yaml",
    ".yml", ".txt", ".cfg", ".conf", "run",
)
RELATIVE = re.compile(r"(?<![A-Za-z0-9_.])((?:\.\./)+)([A-Za-z0-9_.{}-]*)")
ABSOLUTE = re.compile(r"(?<![A-Za-z0-9_.~$-])(/home/|/root/|/work/|/Users/|/mnt/|[A-Z]:\\\\)")


def tracked():
    out = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "-z"], check=True, capture_output=True
    ).stdout.decode()
    for path in out.split("\0"):
        if path and not path.startswith(SKIP_PREFIXES) and path.endswith(TEXT_SUFFIXES):
            yield path


def relative_ok(file, ups, first):
    """A `../` path is fine when, from the file's folder or one of its ancestors inside the
    repository, it lands inside the repository on something that exists."""
    base = os.path.dirname(file)
    bases = []
    while True:
        bases.append(base)
        if not base:
            break
        base = os.path.dirname(base)
    for b in bases:
        depth = len([p for p in b.split("/") if p])
        if ups > depth:
            continue
        parts = [p for p in b.split("/") if p][: depth - ups]
        target = os.path.join(ROOT, *parts)
        # A placeholder ({}) or an empty tail names the folder itself.
        name = first.split("{")[0]
        if not name or os.path.exists(os.path.join(target, name)) or (
            "{" in first and any(e.startswith(name) for e in os.listdir(target))
        ):
            return True
    return False


def check_paths():
    bad = []
    for file in tracked():
        try:
            text = open(os.path.join(ROOT, file), encoding="utf-8").read()
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if "hostile path" in line:
                continue
            for m in RELATIVE.finditer(line):
                ups = m.group(1).count("../")
                if not relative_ok(file, ups, m.group(2)):
                    bad.append(f"{file}:{n}: {m.group(0)!r} leaves the repository or names nothing in it")
            for m in ABSOLUTE.finditer(line):
                bad.append(f"{file}:{n}: {m.group(1)!r} is an absolute path into one machine")
    for b in bad:
        print(b, file=sys.stderr)
    print(f"paths: {len(bad)} reference(s) outside the repository")
    return not bad


USE = re.compile(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+")


def module_of(crate_src, file):
    rel = os.path.relpath(file, crate_src)[: -len(".rs")].split(os.sep)
    if rel[-1] in ("lib", "main"):
        rel = rel[:-1]
    elif rel[-1] == "mod":
        rel = rel[:-1]
    return tuple(rel)


def resolve(module, path, known):
    """The deepest known module a `crate::`/`super::`/`self::` path names."""
    parts = path.split("::")
    if parts[0] == "crate":
        cur, parts = (), parts[1:]
    elif parts[0] == "self":
        cur, parts = module, parts[1:]
    else:
        cur = module
        while parts and parts[0] == "super":
            cur, parts = cur[:-1], parts[1:]
    for p in parts:
        if cur + (p,) not in known:
            break
        cur = cur + (p,)
    return cur


USE_STMT = re.compile(r"\buse\s+((?:crate|super|self)::[^;]*);", re.S)


def expand(tree):
    """`a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    tree = re.sub(r"\s+", "", tree)
    i = tree.find("{")
    if i < 0:
        return [re.sub(r"\bas\b.*", "", tree)] if tree else []
    prefix, body = tree[:i], tree[i + 1 : tree.rfind("}")]
    items, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    items.append(cur)
    out = []
    for it in items:
        if it in ("self", ""):
            out.append(prefix.rstrip(":"))
        else:
            out += expand(prefix + it)
    return out


def strip_tests(text):
    """Drops `#[cfg(test)] mod ... { ... }` blocks: a test module may reach anywhere."""
    out, i = [], 0
    while True:
        j = text.find("#[cfg(test)]", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = text.find("{", j)
        semi = text.find(";", j)
        if k < 0 or (0 <= semi < k):
            i = (semi + 1) if semi >= 0 else len(text)
            continue
        depth, p = 0, k
        while p < len(text):
            if text[p] == "{":
                depth += 1
            elif text[p] == "}":
                depth -= 1
                if depth == 0:
                    break
            p += 1
        i = p + 1


def crate_cycles(crate_src):
    files = []
    for d, _, fs in os.walk(crate_src):
        files += [os.path.join(d, f) for f in fs if f.endswith(".rs")]
    known = {module_of(crate_src, f) for f in files}
    edges = {}
    for f in files:
        m = module_of(crate_src, f)
        text = strip_tests(open(f, encoding="utf-8").read())
        text = re.sub(r"//[^\n]*", "", text)
        paths = [p for stmt in USE_STMT.findall(text) for p in expand(stmt)]
        paths += USE.findall(USE_STMT.sub("", text))
        for u in paths:
            t = resolve(m, u, known)
            # Parent and child see each other by Rust's design (a parent declares and
            # re-exports its children); an edge is between siblings or cousins.
            if t == m or t[: len(m)] == m or m[: len(t)] == t:
                continue
            edges.setdefault(m, set()).add(t)
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
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
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(known):
        if v not in index:
            visit(v)
    return sccs, edges


def check_imports():
    bad = 0
    for crate in sorted(os.listdir(ROOT)):
        src = os.path.join(ROOT, crate, "src")
        if not os.path.isfile(os.path.join(ROOT, crate, "Cargo.toml")) or not os.path.isdir(src):
            continue
        sccs, edges = crate_cycles(src)
        for comp in sccs:
            bad += 1
            names = ["::".join(c) or "(root)" for c in comp]
            print(f"{crate}: modules import each other in a circle: {', '.join(names)}", file=sys.stderr)
            for a in comp:
                for b in sorted(edges.get(a, ())):
                    if b in comp:
                        print(f"    {'::'.join(a)} -> {'::'.join(b)}", file=sys.stderr)
    print(f"imports: {bad} circle(s)")
    return bad == 0


def selftest():
    """Each check fails on a repository made to break it, and passes once it is fixed."""
    import tempfile

    global ROOT
    saved = ROOT
    ok = True
    with tempfile.TemporaryDirectory() as d:
        def put(rel, text):
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                f.write(text)

        put("c/Cargo.toml", "[package]\nname = \"c\"\n")
        put("c/src/lib.rs", "mod a;\nmod b;\n")
        put("c/src/a.rs", "use crate::b::B;\npub struct A;\n")
        put("c/src/b.rs", "use crate::a::A;\npub struct B;\n")
        put("c/tests/t.rs", 'const P: &str = "../../shared/data/x.csv";\nconst Q: &str = "/home/me/x";\n')
        subprocess.run(["git", "init", "-q", d], check=True)
        subprocess.run(["git", "-C", d, "add", "-A"], check=True)
        ROOT = d
        try:
            ok &= not check_paths()
            ok &= not check_imports()
            put("c/src/b.rs", "pub struct B;\n")
            put("c/tests/t.rs", 'const P: &str = "../src/a.rs";\n')
            ok &= check_paths() and check_imports()
        finally:
            ROOT = saved
    print("selftest: " + ("each check fails on its broken repository and passes when fixed" if ok else "FAILED"))
    return ok


def main():
    which = sys.argv[1:] or ["paths", "imports"]
    ok = True
    for w in which:
        if w == "paths":
            ok &= check_paths()
        elif w == "imports":
            ok &= check_imports()
        elif w == "selftest":
            ok &= selftest()
        else:
            print(__doc__, file=sys.stderr)
            return 64
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
