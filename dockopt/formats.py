"""The machine-readable output formats of ``dockopt check``: json, sarif, github, junit and
gitlab.

Each is a function from the results of every file (sorted by path, failed files included)
to the text printed on stdout. Failed files still get their ``error: PATH: reason`` line on
stderr; the formats also carry them, each in its own way (docs/cli.md lists them). Every
finding carries its severity (``transform.SEVERITIES``: "error" for what BuildKit would
refuse, ``dockopt.refusals``, else its transform's or the configuration's), in each format's
own words: SARIF's levels, GitHub's commands, GitLab's severities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from . import __version__
from .engine import Diagnostic, EditAt, FileResult
from .refusals import REFUSALS, Refusal
from .registry import all_transforms, lookup
from .transform import ERROR, INFO, WARNING, Transform

STDIN = "-"
JsonObject = dict[str, Any]  # a JSON object of the output


def text_line(path: str, d: Diagnostic) -> str:
    """A finding as `check`'s text prints it (and JUnit's failure text), without its newline:
    `path:line:col: CODE [*] severity: message`; `[*]` marks a fix that `dockopt fix` would
    apply with the same options."""
    mark = " [*]" if d.fixable else ""
    return f"{path}:{d.line}:{d.column}: {d.code}{mark} {d.severity}: {d.message}"


def _applicability(d: Diagnostic) -> str | None:
    return d.applicability.label if d.applicability is not None else None


def _fix_message(d: Diagnostic) -> str:
    """What a fix does, in a few words: its transform's summary (fixes carry no title of their own)."""
    found = lookup(d.code)
    return found.summary if found is not None else d.name


def _location(line: int, column: int) -> JsonObject:
    return {"row": line, "column": column}


def _json_fix(d: Diagnostic) -> JsonObject | None:
    """ruff's ``fix`` object: applicability, message, edits (1-based ``location`` and
    ``end_location``, the end excluded), and ``writes``: the files written beside the
    Dockerfile, each whole (its path as displayed, its new content)."""
    if d.applicability is None:
        return None
    return {
        "applicability": d.applicability.label,
        "message": _fix_message(d),
        "edits": [
            {
                "content": e.content,
                "location": _location(e.line, e.column),
                "end_location": _location(e.end_line, e.end_column),
            }
            for e in d.edits
        ],
        "writes": [{"path": w.path, "content": w.after} for w in d.writes],
    }


# --------------------------------------------------------------------------- json


def format_json(results: Sequence[FileResult]) -> str:
    """``{"findings": [...], "errors": [...]}``: one object a finding, one a file that failed."""
    findings = [
        {
            "path": r.path,
            "code": d.code,
            "name": d.name,
            "message": d.message,
            "start": {"line": d.line, "column": d.column},
            "end": {"line": d.end_line, "column": d.end_column},
            "fix_applicability": _applicability(d),
            "fixable": d.fixable,
            "severity": d.severity,
            "fix": _json_fix(d),
        }
        for r in results
        if not r.failed
        for d in r.diagnostics
    ]
    errors = [{"path": r.path, "message": r.error} for r in results if r.failed]
    return json.dumps({"findings": findings, "errors": errors}, indent=2) + "\n"


# --------------------------------------------------------------------------- sarif

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
# Where dockopt's documentation is published, for SARIF's informationUri (the tool) and
# helpUri (each rule, "{code}" filled in). None while dockopt has no public home: SARIF then
# carries each rule's documentation inline (``help``), and no URI that leads nowhere.
HOMEPAGE: str | None = None
RULE_HELP_URL: str | None = None


def _artifact(path: str) -> JsonObject:
    """A SARIF artifactLocation: relative paths against %SRCROOT% (the working directory)."""
    if path == STDIN:
        return {"description": {"text": "standard input"}}
    native = Path(path)
    if native.is_absolute():
        return {"uri": native.as_uri()}
    return {"uri": quote(PurePosixPath(*native.parts).as_posix()), "uriBaseId": SRCROOT}


def _what_it_does(transform: Transform | Refusal) -> str:
    """The "What it does" section of a transform's documentation, on one line (else its summary)."""
    _, found, rest = transform.doc.partition("## What it does\n")
    return " ".join(rest.split("\n## ", 1)[0].split()) if found else transform.summary + "."


# dockopt's severities as SARIF levels, GitHub workflow commands and GitLab severities
SARIF_LEVELS = {ERROR: "error", WARNING: "warning", INFO: "note"}
GITHUB_COMMANDS = {ERROR: "error", WARNING: "warning", INFO: "notice"}
# GitLab's scale is info, minor, major, critical, blocker: dockopt's three take the middle
# (its info findings are style to improve, as other linters' minor ones; blocker is left to
# tools that know a merge must stop, which for dockopt is `check --fail-on`'s to say)
GITLAB_SEVERITIES = {ERROR: "critical", WARNING: "major", INFO: "minor"}


def _rule(transform: Transform) -> JsonObject:
    properties = {"fixSafety": transform.applicability.label, "hadolint": list(transform.hadolint)}
    return _rule_of(transform, SARIF_LEVELS[transform.severity], properties)


def _refusal_rule(refusal: Refusal) -> JsonObject:
    return _rule_of(refusal, "error", {"fixSafety": None, "hadolint": [], "alwaysOn": True})


def _rule_of(rule_source: Transform | Refusal, level: str, properties: JsonObject) -> JsonObject:
    rule: JsonObject = {
        "id": rule_source.code,
        "name": rule_source.name,
        "shortDescription": {"text": rule_source.summary + "."},
        "fullDescription": {"text": _what_it_does(rule_source)},
        "help": {"text": rule_source.doc, "markdown": rule_source.doc},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if RULE_HELP_URL:
        rule["helpUri"] = RULE_HELP_URL.format(code=rule_source.code)
    return rule


def _region(d: Diagnostic) -> JsonObject:
    return {"startLine": d.line, "startColumn": d.column, "endLine": d.end_line, "endColumn": d.end_column}


def _replacement(e: EditAt) -> JsonObject:
    region = {"startLine": e.line, "startColumn": e.column, "endLine": e.end_line, "endColumn": e.end_column}
    return {"deletedRegion": region, "insertedContent": {"text": e.content}}


def _sarif_fixes(path: str, d: Diagnostic) -> list[JsonObject]:
    """SARIF ``fixes``: one fix, its edits one artifactChange of the Dockerfile, each file
    written beside it an artifactChange of its own replacing the whole file (a region of
    ``charOffset`` 0 and the length of what it holds: 0 for a new file). None without edits."""
    if d.applicability is None or not (d.edits or d.writes):
        return []
    changes = [{"artifactLocation": _artifact(path), "replacements": [_replacement(e) for e in d.edits]}] * bool(
        d.edits
    )
    changes += [
        {
            "artifactLocation": _artifact(w.path),
            "replacements": [
                {
                    "deletedRegion": {"charOffset": 0, "charLength": len(w.before or "")},
                    "insertedContent": {"text": w.after},
                }
            ],
        }
        for w in d.writes
    ]
    fix = {"description": {"text": _fix_message(d)}, "artifactChanges": changes}
    return [{**fix, "properties": {"applicability": d.applicability.label}}]


def format_sarif(results: Sequence[FileResult]) -> str:
    """A SARIF 2.1.0 log with one run: a result a finding (its severity as a level: "error",
    "warning" or "note"), the rules of the transforms and refusals that fired (the default
    level of a transform is its own severity, whatever the configuration says), and a tool
    execution notification (level "error") a failed file."""
    fired = {d.code for r in results for d in r.diagnostics}
    rules = [_refusal_rule(f) for f in REFUSALS if f.code in fired] + [
        _rule(t) for t in all_transforms() if t.code in fired
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    sarif_results = []
    for r in results:
        for d in r.diagnostics:
            result: JsonObject = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": SARIF_LEVELS[d.severity],
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {"artifactLocation": _artifact(r.path), "region": _region(d)}}],
                "properties": {"fixApplicability": _applicability(d), "fixable": d.fixable},
            }
            fixes = _sarif_fixes(r.path, d)
            if fixes:
                result["fixes"] = fixes
            sarif_results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{r.path}: {r.error}"},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(r.path)}}],
        }
        for r in results
        if r.failed
    ]
    invocation: JsonObject = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver: JsonObject = {"name": "dockopt", "version": __version__, "semanticVersion": __version__, "rules": rules}
    if HOMEPAGE:
        driver["informationUri"] = HOMEPAGE
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


# --------------------------------------------------------------------------- github


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(results: Sequence[FileResult]) -> str:
    """GitHub Actions workflow commands: ``::warning file=...,line=...::message`` a finding
    (``::error``, ``::warning`` or ``::notice`` by its severity), ``::error file=...::reason``
    a failed file.
    Columns only when the finding is on one line (GitHub annotates a column range on one
    line only)."""
    lines = []
    for r in results:
        where = [] if r.path == STDIN else [f"file={_escape_property(r.path)}"]
        if r.failed:
            title = "dockopt could not check this file"
            lines.append(
                f"::error {','.join(where + [f'title={_escape_property(title)}'])}::{_escape_data(r.error or '')}\n"
            )
            continue
        for d in r.diagnostics:
            one_line = d.line == d.end_line
            # a range that ends with a line's newline ends on that line, not at the next one's start
            end_line = d.end_line - 1 if d.end_column == 1 and d.end_line > d.line else d.end_line
            props = where + [f"line={d.line}"] + [f"col={d.column}"] * one_line + [f"endLine={end_line}"]
            props += [f"endColumn={d.end_column}"] * one_line
            title = f"{d.code} {d.name}" + (" (fixable with dockopt fix)" if d.fixable else "")
            props.append(f"title={_escape_property(title)}")
            lines.append(f"::{GITHUB_COMMANDS[d.severity]} {','.join(props)}::{_escape_data(d.message)}\n")
    return "".join(lines)


# --------------------------------------------------------------------------- junit

# characters XML 1.0 cannot carry, even escaped (a Dockerfile may hold control characters); compiled
# on first use (re's cache), not at import: its ranges take 5 ms to compile, which every start paid
_NOT_XML = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def _xml_text(text: str) -> str:
    return re.sub(_NOT_XML, "\ufffd", text)


def format_junit(results: Sequence[FileResult]) -> str:
    """JUnit XML: a testsuite a file; in it a failing testcase a finding, or one passing
    testcase ("no findings") for a clean file, or one testcase with an error for a file that
    could not be checked."""
    import xml.etree.ElementTree as ET  # junit only: not every start

    root = ET.Element("testsuites", name="dockopt check")
    total = {"tests": 0, "failures": 0, "errors": 0}
    for r in results:
        path = _xml_text(r.path)
        suite = ET.SubElement(root, "testsuite", name=path)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if r.failed:
            case = ET.SubElement(suite, "testcase", name="check", classname=path)
            ET.SubElement(case, "error", message=_xml_text(r.error or ""), type="error").text = _xml_text(r.error or "")
            counts.update(tests=1, errors=1)
        elif not r.diagnostics:
            ET.SubElement(suite, "testcase", name="no findings", classname=path)
            counts["tests"] = 1
        for d in r.diagnostics:
            case = ET.SubElement(suite, "testcase", name=f"{d.code} {d.name} at {d.line}:{d.column}", classname=path)
            failure = ET.SubElement(case, "failure", message=_xml_text(d.message), type=d.code)
            failure.text = _xml_text(text_line(r.path, d))
            counts["tests"] += 1
            counts["failures"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            total[key] += value
    for key, value in total.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --------------------------------------------------------------------------- gitlab


def _gitlab_path(path: str) -> str:
    """A path as GitLab wants it: relative to the repository (the working directory), with
    forward slashes; an absolute path outside it stays absolute."""
    native = Path(path)
    if native.is_absolute():
        try:
            native = native.relative_to(Path.cwd())
        except ValueError:
            return native.as_posix()
    return PurePosixPath(*native.parts).as_posix() if native.parts else path


def _fingerprint(*parts: str) -> str:
    import hashlib  # here, not at the top: only the gitlab format needs it (start-up time)

    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def format_gitlab(results: Sequence[FileResult]) -> str:
    """GitLab Code Quality (a subset of Code Climate's issues): a JSON array, one object a
    finding, with ``description`` ("CODE message"), ``check_name`` (the code), ``fingerprint``,
    ``severity`` (``GITLAB_SEVERITIES``) and ``location`` (``path``, ``lines.begin``); a file
    that could not be checked is one "critical" issue at its line 1, ``check_name`` "dockopt".

    The fingerprint is how GitLab tells a new finding from one already on the target branch:
    it hashes the path, the code, the lines the finding covers (their words, whitespace
    collapsed: not their numbers, not the message, which may name other lines) and how many
    findings of the same code on the same lines come before it in the file. The same finding
    keeps its fingerprint when lines above it are added or removed; editing its lines makes
    it a new one.
    """
    issues: list[JsonObject] = []
    for r in results:
        path = STDIN if r.path == STDIN else _gitlab_path(r.path)
        if r.failed:
            issues.append(
                {
                    "description": f"dockopt could not check this file: {r.error}",
                    "check_name": "dockopt",
                    "fingerprint": _fingerprint(path, "failed"),
                    "severity": GITLAB_SEVERITIES[ERROR],
                    "location": {"path": path, "lines": {"begin": 1}},
                }
            )
            continue
        seen: dict[tuple[str, str], int] = {}
        for d in r.diagnostics:
            words = " ".join(d.lines.split())
            nth = seen[(d.code, words)] = seen.get((d.code, words), -1) + 1
            issues.append(
                {
                    "description": f"{d.code} {d.message}",
                    "check_name": d.code,
                    "fingerprint": _fingerprint(path, d.code, words, str(nth)),
                    "severity": GITLAB_SEVERITIES[d.severity],
                    "location": {"path": path, "lines": {"begin": d.line}},
                }
            )
    return json.dumps(issues, indent=2) + "\n"
