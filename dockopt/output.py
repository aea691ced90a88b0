"""Rendering results: unified diffs, per-file notes, the summary lines, and the findings of
``dockopt check`` in each output format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from . import formats
from .engine import FileResult
from .fix import Applicability
from .refusals import REFUSALS, is_refusal
from .registry import all_transforms
from .transform import ERROR, WARNING, at_least

# --------------------------------------------------------------------------- colour

COLOURS = ("auto", "always", "never")
_BOLD, _RED, _GREEN, _CYAN, _DIM = "1", "31", "32", "36", "2"


def colour_wanted(choice: str, *, tty: bool, environ: Mapping[str, str]) -> bool:
    """Whether to colour what goes to a stream: ``--color always`` or ``never`` decide; with
    ``auto``, `NO_COLOR` (set and not empty) says no, then `FORCE_COLOR` says yes, and
    otherwise only a terminal (not a dumb one) is coloured, never a pipe or a file."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return tty and environ.get("TERM") != "dumb"


def _paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{style}m{text}\x1b[0m" if colour and text else text


def unified_diff(path: str, before: str | None, after: str, *, colour: bool = False) -> str:
    """A git-style unified diff (``a/``, ``b/`` headers; ``/dev/null`` for a new file; marks a
    missing final newline); with ``colour``, as git colours it on a terminal (headers bold,
    hunk lines cyan, removed lines red, added lines green)."""
    display = path.lstrip("/") if path != "-" else "-"
    old_lines = _lines(before or "")
    new_lines = _lines(after)
    old_name = f"a/{display}" if before is not None else "/dev/null"
    out = []
    import difflib  # only when a diff is printed: not at start-up

    for number, line in enumerate(difflib.unified_diff(old_lines, new_lines, old_name, f"b/{display}", n=3)):
        if number < 2:  # the `---` and `+++` headers: difflib's first two lines, and only those
            out.append(_paint(line.rstrip("\n"), _BOLD, colour) + "\n")
            continue
        body = line.removesuffix("\n")
        style = {"@": _CYAN, "-": _RED, "+": _GREEN}.get(line[:1], "")  # a content line starts with " ", "-" or "+"
        out.append((_paint(body, style, colour) if style else body) + "\n")
        if not line.endswith("\n"):
            out.append(_paint("\\ No newline at end of file", _DIM, colour) + "\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines ending at "\n" only (str.splitlines also breaks at U+2028, \x0c, ...)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


@dataclass
class Summary:
    """Counts folded over file results, so that bulk runs keep no per-file text."""

    unsafe: bool = False
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    fixes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, name) -> count
    fixed_files: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, name) -> files it fixed
    more_with_unsafe: int = 0

    def add(self, result: FileResult) -> None:
        if result.status == "changed":
            self.changed += 1
        elif result.status == "unchanged":
            self.unchanged += 1
        else:
            self.failed += 1
        for finding in result.applied:
            self.fixes[(finding.code, finding.name)] += 1
        self.fixed_files.update({(finding.code, finding.name) for finding in result.applied})
        if not (self.unsafe or result.unsafe):
            self.more_with_unsafe += sum(
                1 for f in result.remaining if f.fix is not None and f.fix.applicability == Applicability.UNSAFE
            )

    @property
    def files(self) -> int:
        return self.changed + self.unchanged + self.failed

    def line(self, *, would: bool) -> str:
        verb = "would be changed" if would else "changed"
        parts = [f"{_plural(self.changed, 'file')} {verb}", f"{self.unchanged} unchanged"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        text = ", ".join(parts)
        if self.fixes:
            applied = ", ".join(f"{code} {name} ×{n}" for (code, name), n in sorted(self.fixes.items()))
            text += f"; {'fixes' if not would else 'fixes to apply'}: {applied}"
        if self.more_with_unsafe:
            text += f"; {_plural(self.more_with_unsafe, 'more fix', 'more fixes')} available with --unsafe-fixes"
        return text


@dataclass
class FixList:
    """What `fix --show-fixes` lists (as ruff does): the fixes applied, per file and code.

    Example::

        Fixed 3 findings:
        - api/Dockerfile:
            2 × DO101 (merge-runs)
            1 × DO303 (exec-form-cmd)
    """

    files: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)  # path -> (code, name) -> count

    def add(self, result: FileResult) -> None:
        if result.applied and not result.failed:
            self.files[result.path] = Counter((finding.code, finding.name) for finding in result.applied)

    def render(self, *, would: bool, colour: bool = False) -> str:
        """The list ("Would fix" with ``would``: --diff, --check); empty when nothing was fixed."""
        total = sum(sum(counts.values()) for counts in self.files.values())
        if not total:
            return ""
        lines = [f"{'Would fix' if would else 'Fixed'} {_plural(total, 'finding')}:"]
        for path in sorted(self.files):
            lines.append(f"- {_paint(path, _BOLD, colour)}:")
            for (code, name), count in sorted(self.files[path].items()):
                lines.append(f"    {count} × {_paint(code, _BOLD + ';' + _RED, colour)} ({name})")
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- dockopt check


def format_text(results: Sequence[FileResult], *, colour: bool = False, show_fixes: bool = False) -> str:
    """One line a finding, `path:line:col: CODE [*] severity: message`
    (``formats.text_line``, here with colour); `[*]` marks a fix that `dockopt
    fix` would apply with the same options. Failed files are left to their stderr line.

    ``show_fixes`` (`check --show-fixes`) ends the line of a finding that has a fix with
    `[safe fix]` or `[unsafe fix]`, whether or not the options apply it; ``colour`` paints
    the path bold, the code red and the marks cyan, as ruff does on a terminal."""
    lines = []
    for result in results:
        path = _paint(result.path, _BOLD, colour)
        for d in result.diagnostics:
            mark = " " + _paint("[*]", _CYAN, colour) if d.fixable else ""
            available = ""
            if show_fixes and d.applicability in (Applicability.SAFE, Applicability.UNSAFE):
                available = " " + _paint(f"[{d.applicability.label} fix]", _CYAN, colour)
            code = _paint(d.code, _BOLD + ";" + _RED, colour)
            lines.append(f"{path}:{d.line}:{d.column}: {code}{mark} {d.severity}: {d.message}{available}\n")
    return "".join(lines)


# output formats of `dockopt check`: the results of every file (in path order, failed ones
# included) to the text printed
FORMATS: dict[str, Callable[[Sequence[FileResult]], str]] = {
    "text": format_text,
    "json": formats.format_json,
    "sarif": formats.format_sarif,
    "github": formats.format_github,
    "junit": formats.format_junit,
    "gitlab": formats.format_gitlab,
}


@dataclass
class CheckSummary:
    """Counts of ``dockopt check``, folded over file results."""

    unsafe: bool = False
    files: int = 0
    failed: int = 0
    findings: int = 0
    fixable: int = 0
    more_with_unsafe: int = 0
    by_transform: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, name) -> findings
    fixable_by_transform: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, name) -> fixable findings
    files_by_transform: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, name) -> files with findings
    files_with_findings: int = 0
    refused: int = 0  # files BuildKit would refuse to build (findings of DO002-DO012)
    by_severity: Counter[str] = field(default_factory=Counter)  # severity -> findings

    def add(self, result: FileResult) -> None:
        if result.failed:
            self.failed += 1
            return
        self.files += 1
        self.findings += len(result.diagnostics)
        self.refused += any(is_refusal(d.code) for d in result.diagnostics)
        for d in result.diagnostics:
            self.by_severity[d.severity] += 1
            self.by_transform[(d.code, d.name)] += 1
            self.fixable_by_transform[(d.code, d.name)] += d.fixable
        self.files_by_transform.update({(d.code, d.name) for d in result.diagnostics})
        self.files_with_findings += bool(result.diagnostics)
        self.fixable += sum(1 for d in result.diagnostics if d.fixable)
        if not (self.unsafe or result.unsafe):
            self.more_with_unsafe += sum(1 for d in result.diagnostics if d.applicability == Applicability.UNSAFE)

    def failing(self, fail_on: str | None) -> int:
        """The findings that fail `check --fail-on` (all of them when ``fail_on`` is None)."""
        if fail_on is None:
            return self.findings
        return sum(count for severity, count in self.by_severity.items() if at_least(severity, fail_on))

    def line(self) -> str:
        text = f"Found {_plural(self.findings, 'finding')} in {_plural(self.files, 'file')}"
        if self.findings:
            command = "dockopt fix --unsafe-fixes" if self.unsafe else "dockopt fix"
            details = f"{self.fixable} fixable with `{command}`"
            if self.more_with_unsafe:
                details += f", {self.more_with_unsafe} more with `--unsafe-fixes`"
            text += f" ({details})"
        if self.refused:
            text += f"; BuildKit would refuse to build {_plural(self.refused, 'file')}"
        if self.failed:
            text += f"; {self.failed} failed"
        return text


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


# --------------------------------------------------------------------------- dockopt check --statistics

STATISTICS_FORMATS = ("text", "json")


def statistics(summary: CheckSummary, output_format: str) -> str:
    """What `check --statistics` prints instead of the findings: per code, how many findings
    (most first, then by code), whether any is fixable (`[*]`, as ruff marks them) and the name;
    in json, a list of `{"code", "name", "count", "fixable"}` (fixable: how many)."""
    rows = sorted(summary.by_transform.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        import json

        listed = [
            {"code": code, "name": name, "count": count, "fixable": summary.fixable_by_transform[(code, name)]}
            for (code, name), count in rows
        ]
        return json.dumps(listed, indent=2, ensure_ascii=False) + "\n"
    width = max((len(str(count)) for _, count in rows), default=1)
    code_width = max((len(code) for (code, _), _ in rows), default=1)
    return "".join(
        f"{count:>{width}}\t{code:<{code_width}}\t{'[*]' if summary.fixable_by_transform[(code, name)] else '[ ]'} {name}\n"
        for (code, name), count in rows
    )


# --------------------------------------------------------------------------- dockopt list

LIST_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Listed:
    """One row of `dockopt list`: a transform, or a code of what BuildKit refuses to build
    (``kind`` "refusal": always on, no fix, ``applicability`` None)."""

    code: str
    name: str
    hadolint: tuple[str, ...]
    applicability: str | None
    opt_in: bool
    summary: str
    kind: str = "transform"
    severity: str = WARNING  # its default severity (the configuration may set another)

    @property
    def selected(self) -> str:
        """When it runs: "default", "opt-in" (only when `--select` names it) or "always"."""
        return "always" if self.kind == "refusal" else "opt-in" if self.opt_in else "default"


def listing() -> list[Listed]:
    """Every transform and refusal, in code order."""
    rows = [
        Listed(t.code, t.name, t.hadolint, t.applicability.label, t.opt_in, t.summary, severity=t.severity)
        for t in all_transforms()
    ]
    rows += [Listed(r.code, r.name, (), None, False, r.summary, "refusal", ERROR) for r in REFUSALS]
    return sorted(rows, key=lambda row: row.code)


def listing_json(rows: Sequence[Listed]) -> str:
    """`dockopt list --output-format json`: a list of objects, one a row."""
    import json

    listed = [
        {
            "code": row.code,
            "name": row.name,
            "kind": row.kind,
            "hadolint": list(row.hadolint),
            "applicability": row.applicability,
            "opt_in": row.opt_in,
            "severity": row.severity,
            "summary": row.summary,
        }
        for row in rows
    ]
    return json.dumps(listed, indent=2, ensure_ascii=False) + "\n"
