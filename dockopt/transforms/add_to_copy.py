"""add-to-copy (DO302): COPY local files and folders; ADD only to download or unpack."""

from __future__ import annotations

import bz2
import lzma
import os
import posixpath
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..syntax import Dockerfile, Instruction
from ..transform import INFO, transform

# the flags BuildKit's COPY accepts as ADD does; ADD's own are --checksum, --keep-git-dir, --unpack
COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
# names that may be archives ADD unpacks (it decides by content: these are only a guess,
# used when the build context cannot be read). hadolint's list, plus zstd, and package
# formats that are tar archives (Alpine's .apk, .gem, .crate, .ova).
ARCHIVE_SUFFIXES = (
    ".tar",
    ".z",
    ".bz2",
    ".gz",
    ".lz",
    ".lzma",
    ".tz",
    ".tb2",
    ".tbz",
    ".tbz2",
    ".tgz",
    ".tlz",
    ".tpz",
    ".txz",
    ".xz",
    ".zst",
    ".zstd",
    ".tzst",
    ".apk",
    ".gem",
    ".crate",
    ".ova",
)
# a source BuildKit fetches instead of reading the context: a URL (http, https, git, ssh, ...),
# an scp-like git address (git@github.com:org/repo.git), the deprecated github.com/org/repo
_URL = re.compile(r"^[A-Za-z0-9]+://")
_SCP = re.compile(r"^[^/@:]+@[^/:]+:")
GLOB = frozenset("*?[")
# how much of a file is read to tell an archive from anything else
HEAD_BYTES = 1024 * 1024
MAX_GLOB_ENTRIES = 10_000

_BZIP2 = b"BZh"
_GZIP = b"\x1f\x8b\x08"
_XZ = b"\xfd7zXZ\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"


@transform(code="DO302", name="add-to-copy", hadolint=("DL3020",), applicability=Applicability.SAFE, severity=INFO)
def add_to_copy(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """COPY local files and folders; ADD only to download or unpack.

    ## What it does
    Replaces the keyword `ADD` with `COPY` (in the same letter case: `add` becomes `copy`)
    when every source is a file or folder of the build context that ADD would copy as it
    is. The flags COPY accepts as well (`--chown`, `--chmod`, `--link`, `--exclude`) stay
    as they are; nothing else on the line changes.

    ## Why
    ADD does more than copy: it downloads URLs, clones git repositories, and unpacks a
    local tar archive (plain, gzip, bzip2, xz or zstd) into the destination. Written for a
    plain file, it makes the reader wonder which of these was meant, and it silently
    unpacks a file that happens to be an archive. COPY says what it does.

    ## Example
    ```Dockerfile
    ADD requirements.txt /app/
    add --chown=app:app src/ /app/src/
    ```
    becomes
    ```Dockerfile
    COPY requirements.txt /app/
    copy --chown=app:app src/ /app/src/
    ```

    ## Fix safety
    Safe: for a source that is not an archive, BuildKit runs ADD and COPY as the same copy
    (same wildcards, same ownership, permissions and links). ADD recognises an archive by
    its content, not by its name. When the build context is known (the Dockerfile's
    directory, or `--context`), each source file is read: a tar archive, plain or
    compressed as ADD detects it, keeps its ADD; a folder is never unpacked; a wildcard
    is matched against the context as BuildKit matches it, and every file it matches is
    read. A source that is not in the context, and every source when the
    context is unknown (stdin), is judged by its name: names of archives and compressed
    files (`.tar`, `.tgz`, `.gz`, `.bz2`, `.xz`, `.zst`, ... and the package formats that are
    tar archives: `.apk`, `.gem`, `.crate`, `.ova`) and wildcards that could match such a
    name (`*`, `*.t?z`) keep their ADD.

    It does nothing to an ADD with a URL or git source (`https://...`,
    `git@host:repo.git`, `github.com/...`), with ADD's own flags (`--checksum`,
    `--keep-git-dir`, `--unpack`) or a flag COPY does not know, with a heredoc
    (`ADD <<EOF`), with a source that expands a variable (`app-$VERSION.bin`), nor to
    `ONBUILD ADD`, which runs with the build context of another image.

    hadolint: some of its COPY rules do not look at ADD, so the new COPY can show what the
    ADD already did. DL3045 (a relative destination with no `WORKDIR` in the stage): the
    files land in the base image's working directory, with ADD as with COPY. DL3021 (COPY
    of several sources to a destination that does not end in `/`): BuildKit reads the
    destination of ADD and COPY alike. The finding was true of the ADD before.
    """
    for instruction in df.instructions:
        if instruction.command != "ADD":
            continue
        if _copies_as_is(instruction, df.escape, context):
            yield Finding(
                "ADD of local files: COPY does the same without ADD's downloads and archive unpacking",
                instruction.keyword_span.start,
                instruction.span.end,
                Fix(
                    (Edit(instruction.keyword_span.start, instruction.keyword_span.end, instruction.cased("COPY")),),
                    Applicability.SAFE,
                ),
            )


def _copies_as_is(instruction: Instruction, escape: str, context: Context) -> bool:
    if instruction.heredocs or any(flag.name not in COPY_FLAGS for flag in instruction.flags):
        return False
    if instruction.destination is None:
        return False
    for source in (argument.text for argument in instruction.sources):
        name = _unquoted(source, escape) if "$" not in source else None
        if name is None or name.startswith("<<") or _remote(name):
            return False
        if not _local_non_archive(name, context):
            return False
    return True


def _unquoted(word: str, escape: str) -> str | None:
    """A source as BuildKit reads it: quotes and escapes removed; None when unsure."""
    out: list[str] = []
    quote = ""
    index = 0
    while index < len(word):
        ch = word[index]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote == '"' and index + 1 < len(word):
                index += 1
                out.append(word[index])
            else:
                out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
        elif ch == escape:
            if index + 1 < len(word):
                index += 1
                if word[index] in GLOB:
                    return None  # an escaped wildcard: a literal name BuildKit may still treat as a pattern
                out.append(word[index])
        else:
            out.append(ch)
        index += 1
    return None if quote else "".join(out)


def _remote(name: str) -> bool:
    return bool(_URL.match(name) or _SCP.match(name) or name.startswith("github.com/"))


def _archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _local_non_archive(name: str, context: Context) -> bool:
    """Whether ADD copies this context path as it is (does not unpack it)."""
    relative = posixpath.normpath("/" + name).lstrip("/") or "."
    if any(ch in GLOB for ch in relative):
        verdict = _glob_verdict(relative, context)
        return verdict if verdict is not None else not _glob_may_name_archive(relative)
    path = context.locate(relative)
    if path is not None and path.exists():
        return path.is_dir() or (path.is_file() and not _is_archive(path))
    return not _archive_name(relative)


def _glob_may_name_archive(pattern: str) -> bool:
    """Whether a wildcard could match a name that looks like an archive."""
    last = pattern.rsplit("/", 1)[-1]
    cut = max(last.rfind(ch) for ch in "*?]")
    tail = last[cut + 1 :].lower()
    if not tail:
        return any(ch in GLOB for ch in last)
    return any(suffix.endswith(tail) or tail.endswith(suffix) for suffix in ARCHIVE_SUFFIXES)


def _glob_verdict(pattern: str, context: Context) -> bool | None:
    """Match a wildcard source in the context as BuildKit does; True when no match is an
    archive, False when one may be, None when the context cannot tell."""
    parts = pattern.split("/")
    first = next(i for i, part in enumerate(parts) if any(ch in GLOB for ch in part))
    base = context.locate("/".join(parts[:first]) or ".")
    regex = _go_match("/".join(parts[first:]))
    if base is None or not base.is_dir() or regex is None:
        return None
    depth = len(parts) - first
    seen = 0
    for root, dirs, files in os.walk(base):
        relative_root = os.path.relpath(root, base)
        level = 0 if relative_root == "." else relative_root.count(os.sep) + 1
        kept = []
        for entry in sorted(dirs) + sorted(files):
            seen += 1
            if seen > MAX_GLOB_ENTRIES:
                return None
            relative = entry if level == 0 else f"{relative_root.replace(os.sep, '/')}/{entry}"
            path = Path(root) / entry
            if regex.fullmatch(relative):
                if not path.is_dir() and not (path.is_file() and not _is_archive(path)):
                    return False
            elif entry in dirs and level + 1 < depth and not path.is_symlink():
                kept.append(entry)
        dirs[:] = kept
    return True


def _go_match(pattern: str) -> re.Pattern[str] | None:
    """Go's filepath.Match pattern as a regular expression; None for a bad pattern."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            index += 1
            if index >= len(pattern):
                return None
            out.append(re.escape(pattern[index]))
        elif ch == "[":
            index += 1
            negate = index < len(pattern) and pattern[index] == "^"
            index += negate
            items: list[str] = []
            while True:
                if index >= len(pattern):
                    return None
                if pattern[index] == "]" and items:
                    break
                low, index = _class_char(pattern, index)
                if low is None:
                    return None
                if index < len(pattern) and pattern[index] == "-":
                    high, index = _class_char(pattern, index + 1)
                    if high is None or high < low:
                        return None
                    items.append(f"{re.escape(low)}-{re.escape(high)}")
                else:
                    items.append(re.escape(low))
            out.append(f"[{'^' if negate else ''}{''.join(items)}]")
        else:
            out.append(re.escape(ch))
        index += 1
    return re.compile("".join(out), re.DOTALL)


def _class_char(pattern: str, index: int) -> tuple[str | None, int]:
    if index >= len(pattern) or pattern[index] in "-]":
        return None, index
    if pattern[index] == "\\":
        index += 1
        if index >= len(pattern):
            return None, index
    return pattern[index], index + 1


# --------------------------------------------------------------------------- archives


def _is_archive(path: Path) -> bool:
    """Whether ADD would unpack this file: BuildKit's isArchivePath, reading the head of it.

    A file it cannot read, or compressed data it cannot decompress far enough, counts as
    an archive: the ADD stays.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
            whole = len(handle.read(1)) == 0
    except OSError:
        return True
    compressed = True
    try:
        if head.startswith(_BZIP2):
            block = bz2.BZ2Decompressor().decompress(head, max_length=512)
        elif head.startswith(_GZIP):
            block = zlib.decompressobj(wbits=31).decompress(head, 512)
        elif head.startswith(_XZ):
            block = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(head, max_length=512)
        elif head.startswith(_ZSTD) or (
            len(head) >= 8 and int.from_bytes(head[:4], "little") & 0xFFFFFFF0 == 0x184D2A50
        ):
            return True  # no zstd decompressor in the standard library
        else:
            block, compressed = head[:512], False
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return True
    if len(block) < 512:
        # too short for a tar header; compressed data cut short cannot tell
        return compressed and not whole
    return _tar_header(block)


def _tar_header(block: bytes) -> bool:
    """Go's archive/tar: a 512-byte header whose checksum is right (any format, V7 included)."""
    if block == bytes(512):
        return False  # an empty archive: tar.Reader.Next says io.EOF, and ADD copies the file
    field = block[148:156].strip(b" \x00")
    if field and not re.fullmatch(rb"[0-7]+", field):
        return False
    value = int(field, 8) if field else 0
    rest = block[:148] + b" " * 8 + block[156:]
    unsigned = sum(rest)
    signed = sum(b - 256 if b > 127 else b for b in rest)
    return value in (unsigned, signed)
