#!/usr/bin/env python3
"""Extracts the C++ snippets of the documentation, one source file per snippet.

Every ```cpp block of README.md and docs/*.md is a whole translation unit that must compile
and link against the library, unless the nearest non-blank line before its fence is
`<!-- snippet: fragment -->` (a piece of a program, shown for its call forms only). A snippet
without a `main` gets an empty one, so that it links too. Each source starts with a `#line`
directive, so that a compiler error names the Markdown file and line.

Writes <out>/<name>.cpp (only when its text changed, so that re-configuring rebuilds nothing)
and <out>/manifest.txt, one line per snippet: name|file|line|needs, where needs is `sqlite`,
`redis`, `sqlite,redis` or `-`.

Usage: extract_snippets.py SOURCE_DIR OUT_DIR
"""
import pathlib
import re
import sys

FENCE_OPEN = re.compile(r"^```(cpp|c\+\+|cxx)\s*$")
FENCE_CLOSE = re.compile(r"^```\s*$")
MARKER = re.compile(r"^<!--\s*snippet:\s*(.*?)\s*-->\s*$")
MAIN = re.compile(r"\bint\s+main\s*\(")
# The back ends a snippet uses, by the types it names: it is skipped when that one is off.
NEEDS = (("sqlite", re.compile(r"\bSQLiteRevocationStore\b")),
         ("redis", re.compile(r"\bRedis(RevocationStore|RateLimiter|Options|Url)\b")))


def snippets(path: pathlib.Path):
    """(line of the first code line, code, marker) for each ```cpp block of `path`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if not FENCE_OPEN.match(lines[i]):
            i += 1
            continue
        marker = None
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and (m := MARKER.match(lines[j].strip())):
            marker = m.group(1)
        start = i + 1
        end = start
        while end < len(lines) and not FENCE_CLOSE.match(lines[end]):
            end += 1
        if end == len(lines):
            sys.exit(f"{path}:{i + 1}: a ```cpp block that is never closed")
        yield start + 1, "\n".join(lines[start:end]) + "\n", marker
        i = end + 1


def write_if_changed(path: pathlib.Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def main() -> None:
    source_dir = pathlib.Path(sys.argv[1]).resolve()
    out_dir = pathlib.Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    documents = [source_dir / "README.md"] + sorted((source_dir / "docs").glob("*.md"))
    manifest = []
    for document in documents:
        relative = document.relative_to(source_dir).as_posix()
        for line, code, marker in snippets(document):
            if marker == "fragment":
                continue
            if marker is not None:
                sys.exit(f"{relative}:{line - 1}: unknown snippet marker '{marker}' (only 'fragment')")
            needs = [name for name, pattern in NEEDS if pattern.search(code)]
            name = "docs_snippet_" + re.sub(r"[^A-Za-z0-9]+", "_", relative.removesuffix(".md")) + f"_{line}"
            text = f'#line {line} "{document.as_posix()}"\n{code}'
            if not MAIN.search(code):
                text += "\nint main() {}\n"
            write_if_changed(out_dir / f"{name}.cpp", text)
            manifest.append(f"{name}|{relative}|{line}|{','.join(needs) or '-'}")
    write_if_changed(out_dir / "manifest.txt", "\n".join(manifest) + "\n")
    current = {entry.split("|")[0] + ".cpp" for entry in manifest}
    for stale in out_dir.glob("docs_snippet_*.cpp"):
        if stale.name not in current:
            stale.unlink()


if __name__ == "__main__":
    main()
