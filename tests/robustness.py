"""The robustness checks of one Dockerfile, for the mutation fuzzer and the sweep alike.

``Checker.examine(text)`` runs dockopt in this process, as the command line would (the
default transforms, a build context that exists but is empty), in three modes: ``fix``
(safe fixes), ``fix --unsafe-fixes`` and ``check``; and returns an ``Outcome`` listing every
``Problem``:

- ``crash``: an exception escaped, or a failed result says "internal error";
- ``refused``: dockopt cannot parse what BuildKit's parser (the ``dockerfile`` package)
  parses; ``accepted``: the other way round (skipped where BuildKit v0.12.5, which the
  package bundles, and current BuildKit differ: ``oracle.VERSION_DIFFERENCES``);
- ``fix-failed``: the engine threw away a pass of fixes (one made the file or a RUN's shell
  unparsable, edits overlapped, or the passes did not settle);
- ``unparsable-output``: an output that BuildKit's parser or dockopt's refuses;
- ``invalid-output``: an output that BuildKit would refuse to build in more places than the
  input (``dockopt.validity``: an unknown keyword, too few arguments, ...);
- ``line-endings``: an output with LF lines where the input has only CRLF, or the other way round;
- ``bash``: a RUN that is new or changed in the output (under a POSIX shell) and that
  ``bash -n`` rejects, unless a RUN of the input fails the same way;
- ``not-idempotent``: a second ``fix`` of the output changes it (or fails);
- ``check-fails``: ``check`` fails on a file that ``fix`` does not fail on.

``tests/test_fuzz.py`` asserts that there is none; ``benchmarks/sweep.py`` counts them over a
directory. ``minimize`` shrinks a file to the fewest instructions and lines that still show a
problem, for a readable reproduction.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from dockopt import validity
from dockopt.engine import FileResult, Settings, process_text
from dockopt.fix import Finding
from dockopt.images import resolved_reference
from dockopt.model import root_stage
from dockopt.registry import select
from dockopt.shell import effective_shell, is_posix_shell, script_of
from dockopt.syntax import Dockerfile, DockerfileSyntaxError, parse
from dockopt.transform import Transform

from oracle import VERSION_DIFFERENCES

try:
    import dockerfile as _buildkit
except ImportError:  # no wheel for this platform: the BuildKit checks are skipped
    _buildkit = None

MODES = ("safe", "unsafe", "check")
KINDS = {
    "crash": "tracebacks / internal errors",
    "refused": "refused, yet BuildKit parses",
    "accepted": "parsed, yet BuildKit refuses",
    "fix-failed": "fix thrown away by the engine",
    "unparsable-output": "unparsable outputs",
    "invalid-output": "outputs with a new invalid instruction",
    "line-endings": "outputs with other line endings",
    "bash": "changed RUNs bash rejects",
    "not-idempotent": "non-idempotent files",
    "check-fails": "check fails, fix does not",
}


@dataclass(frozen=True)
class Problem:
    kind: str  # a key of KINDS
    mode: str  # a member of MODES
    detail: str  # one line

    def __str__(self) -> str:
        return f"{self.kind} [{self.mode}]: {self.detail}"


@dataclass(frozen=True)
class AddedRun:
    """A RUN instruction that a fix added to the output's final stage."""

    base: str  # the final stage's image, global ARG defaults substituted
    codes: tuple[str, ...]  # the transforms whose fixes wrote it
    programs: tuple[str, ...]  # what the RUN calls
    final_stage_had_run: bool  # the input's final stage already ran a RUN (so its image has a shell)


@dataclass(frozen=True)
class Outcome:
    buildkit: bool | None  # BuildKit's parser accepts the input; None when it cannot tell
    refused: bool  # dockopt refuses the input as unparsable
    status: dict[str, str]  # mode -> "unchanged", "changed", "failed" or "crash"
    errors: dict[str, str]  # mode -> the error of a failed result
    outputs: dict[str, str]  # fix mode -> the rewritten text (changed files only)
    applied: dict[str, tuple[str, ...]]  # fix mode -> codes of the fixes applied, in order
    problems: tuple[Problem, ...]
    added_runs: tuple[AddedRun, ...] = ()  # with --unsafe-fixes


class Crash(Exception):
    """An exception escaped dockopt (or a result says "internal error"), in one line."""

    def __init__(self, summary: str) -> None:
        super().__init__(summary)
        self.summary = summary


def buildkit_parses(text: str) -> bool | None:
    """Whether BuildKit's parser accepts ``text``; None without the package, or where it cannot
    return flags BuildKit garbled byte by byte (non-ASCII inside a flag)."""
    if _buildkit is None:
        return None
    try:
        _buildkit.parse_string(text)
    except _buildkit.GoParseError:
        return False
    except UnicodeDecodeError:
        return None
    return True


@dataclass
class Checker:
    """Runs the checks; ``transforms`` default to those ``dockopt fix`` runs without options."""

    transforms: tuple[Transform, ...] | None = None
    context_dir: Path | None = None  # default: an empty directory of its own
    _settings: dict[str, Settings] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        transforms = self.transforms if self.transforms is not None else select()
        if self.context_dir is None:
            self.context_dir = Path(tempfile.mkdtemp(prefix="dockopt-fuzz-context-"))
            atexit.register(shutil.rmtree, self.context_dir, True)
        common = {"write": False, "context_dir": self.context_dir}
        self._settings = {
            "safe": Settings(transforms, **common),
            "unsafe": Settings(transforms, unsafe=True, **common),
            "check": Settings(transforms, check=True, **common),
        }

    def run(self, mode: str, text: str, context: Path | None = None) -> FileResult:
        """dockopt on ``text`` in one mode (``context``: its build context, instead of the empty
        one); raises Crash for an exception or an internal error."""
        settings = self._settings[mode]
        if context is not None:
            settings = replace(settings, context_dir=context)
        try:
            result = process_text("Dockerfile", text, settings)
        except Exception as exc:  # any exception is what we look for
            raise Crash(_one_line(exc)) from None
        if result.failed and "internal error" in (result.error or ""):
            raise Crash(_first_line(result.error or ""))
        return result

    def examine(self, text: str, context: Path | None = None) -> Outcome:
        """Every problem of ``text``, with ``context`` as its build context (default: an empty one)."""
        problems: list[Problem] = []
        status: dict[str, str] = {}
        errors: dict[str, str] = {}
        outputs: dict[str, str] = {}
        applied: dict[str, tuple[str, ...]] = {}
        results: dict[str, FileResult] = {}
        for mode in MODES:
            try:
                result = self.run(mode, text, context)
            except Crash as crash:
                status[mode] = "crash"
                errors[mode] = crash.summary
                problems.append(Problem("crash", mode, crash.summary))
                continue
            results[mode] = result
            status[mode] = result.status
            if result.failed:
                errors[mode] = _first_line(result.error or "")
            if mode != "check":
                applied[mode] = tuple(f.code for f in result.applied)
                if result.rewritten and result.output is not None:
                    outputs[mode] = result.output

        refused = any(e.startswith("cannot parse") for e in errors.values())
        buildkit = buildkit_parses(text)
        if buildkit is True and refused and not VERSION_DIFFERENCES.search(text):
            reason = next(e for e in errors.values() if e.startswith("cannot parse"))
            problems.append(Problem("refused", "safe", reason))
        elif buildkit is False and not refused and not VERSION_DIFFERENCES.search(text):
            problems.append(Problem("accepted", "safe", "BuildKit's parser refuses the input, dockopt does not"))
        for mode in ("safe", "unsafe"):
            error = errors.get(mode, "")
            if "(fixes by " in error:
                problems.append(Problem("fix-failed", mode, error))
        if status.get("check") in ("failed", "crash") and status.get("safe") not in ("failed", "crash"):
            problems.append(Problem("check-fails", "check", errors.get("check", "")))

        source_df = _parse_or_none(text)
        added: tuple[AddedRun, ...] = ()
        for mode, output in outputs.items():
            problems += self._check_output(mode, source_df, output, buildkit, context)
            if mode == "unsafe" and source_df is not None:
                added = _added_runs(source_df, output, results[mode].applied)
        return Outcome(buildkit, refused, status, errors, outputs, applied, tuple(problems), added)

    def _check_output(
        self, mode: str, source_df: Dockerfile | None, output: str, buildkit: bool | None, context: Path | None
    ) -> list[Problem]:
        problems: list[Problem] = []
        try:
            df = parse(output)
        except DockerfileSyntaxError as exc:
            return [Problem("unparsable-output", mode, f"dockopt's parser: {exc}")]
        except Exception as exc:
            return [Problem("crash", mode, f"parsing the output: {_one_line(exc)}")]
        if buildkit is True and buildkit_parses(output) is False:
            problems.append(Problem("unparsable-output", mode, "BuildKit's parser refuses the output"))
        if ending_mismatch(source_df.text if source_df is not None else None, output):
            problems.append(Problem("line-endings", mode, ending_mismatch(source_df.text, output)))
        if source_df is not None:
            new = _invalid_instructions(df) - _invalid_instructions(source_df)
            if new:
                problems.append(Problem("invalid-output", mode, f"new invalid instructions: {', '.join(sorted(new))}"))
        if source_df is not None:
            for line, message in changed_runs_bash_rejects(source_df, df):
                problems.append(Problem("bash", mode, f"line {line}: {message}"))
        try:
            again = self.run(mode, output, context)
        except Crash as crash:
            return problems + [Problem("crash", mode, f"second fix: {crash.summary}")]
        if again.failed and any(p.kind == "invalid-output" for p in problems):
            pass  # the output is refused: fixing it again fails for that reason, already reported
        elif again.failed:
            problems.append(Problem("not-idempotent", mode, f"second fix fails: {_first_line(again.error or '')}"))
        elif again.rewritten:
            codes = ", ".join(sorted({f.code for f in again.applied}))
            problems.append(Problem("not-idempotent", mode, f"second fix applies {codes}"))
        return problems


def ending_mismatch(source: str | None, output: str) -> str | None:
    """Why the output's line endings differ from a file that uses one style throughout, or None."""
    if source is None or "\n" not in source:
        return None
    bare = output.count("\n") - output.count("\r\n")
    if "\r" not in source and "\r" in output:
        return "a carriage return in an LF file"
    if source.count("\n") == source.count("\r\n") and bare:
        return f"{bare} LF line endings in a CRLF file"
    return None


# --------------------------------------------------------------------------- instructions no build accepts


def _invalid_instructions(df: Dockerfile) -> Counter:
    """What BuildKit refuses to build (``dockopt.validity``), by code and message, to compare
    an output with its input."""
    return Counter(f"{problem.code} {problem.message}" for problem in validity.problems(df))


# --------------------------------------------------------------------------- RUNs and bash


def _posix_scripts(df: Dockerfile) -> list[tuple[int, str]]:
    """(line, script) of every shell-form RUN (ONBUILD RUN included) that a POSIX shell runs."""
    found = []
    for instruction in df.instructions:
        script = script_of(df, instruction)
        if script is None or not is_posix_shell(effective_shell(df, instruction)):
            continue
        found.append((instruction.start_line, script.text))
    return found


def changed_runs_bash_rejects(before: Dockerfile, after: Dockerfile) -> list[tuple[int, str]]:
    """(line, bash's message) of each RUN of ``after`` not in ``before`` that ``bash -n`` rejects,
    unless a RUN of ``before`` is rejected with the same message (the fix did not cause it)."""
    old = {text for _, text in _posix_scripts(before)}
    changed = [(line, text) for line, text in _posix_scripts(after) if text not in old]
    rejected = [
        (line, message)
        for (line, _), message in zip(changed, bash_errors([t for _, t in changed]), strict=True)
        if message
    ]
    if not rejected:
        return []
    inherited = {_unnumbered(m) for m in bash_errors([t for _, t in _posix_scripts(before)]) if m}
    return [(line, message) for line, message in rejected if _unnumbered(message) not in inherited]


def bash_errors(scripts: list[str]) -> list[str | None]:
    """``bash -n``'s first error line for each script, None where it passes.

    One bash for all of them, each script the body of a function; only when that fails is
    each script checked on its own (so one bad script cannot hide or blame another).
    """
    if not scripts:
        return []
    batch = "".join(f"__dockopt_run_{i}() {{\n{text}\n}}\n" for i, text in enumerate(scripts))
    if _bash_n(batch) is None:
        return [None] * len(scripts)
    return [_bash_n(text) for text in scripts]


def _bash_n(script: str) -> str | None:
    run = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, errors="replace")
    if run.returncode == 0:
        return None
    lines = [line for line in run.stderr.splitlines() if "syntax error" in line or "unexpected" in line]
    return (lines or run.stderr.splitlines() or ["bash -n failed"])[0].removeprefix("bash: ")


def _unnumbered(message: str) -> str:
    return re.sub(r"line \d+: ", "", message)


# --------------------------------------------------------------------------- RUNs added to the final stage

_RUN_LINE = re.compile(r"[ \t]*run\b", re.I)


def _inserted_runs(applied: tuple[Finding, ...]) -> dict[str, set[str]]:
    """The first lines of the RUN instructions the applied fixes wrote, and which transforms wrote each."""
    written: dict[str, set[str]] = {}
    for finding in applied:
        for edit in finding.fix.edits if finding.fix is not None else ():
            for line in edit.content.split("\n"):
                if _RUN_LINE.match(line):
                    written.setdefault(line.strip(), set()).add(finding.code)
    return written


def _added_runs(source: Dockerfile, output: str, applied: tuple[Finding, ...]) -> tuple[AddedRun, ...]:
    """The RUN instructions of the output's final stage that a fix wrote (a new instruction, not
    an edit of an existing one)."""
    written = _inserted_runs(applied)
    if not written:
        return ()
    try:
        df = parse(output)
    except DockerfileSyntaxError:
        return ()
    if not df.stages or not source.stages:
        return ()
    existing = {source.slice(i.lines[0].span).strip() for i in source.instructions if i.command == "RUN"}
    final = df.stages[-1]
    had_run = any(i.command == "RUN" for i in source.stages[-1].instructions)
    base = resolved_reference(df, root_stage(df, final))
    added = []
    for instruction in final.instructions:
        first = df.slice(instruction.lines[0].span).strip()
        if instruction.command != "RUN" or first not in written or first in existing:
            continue
        script = script_of(df, instruction)
        programs = tuple(c.program or "?" for c in script.commands) if script is not None else ("exec form",)
        added.append(AddedRun(base, tuple(sorted(written[first])), programs, had_run))
    return tuple(added)


# --------------------------------------------------------------------------- minimizing


def minimize(text: str, still_fails: Callable[[str], bool]) -> str:
    """The smallest text found, by removing whole instructions (and the lines between them),
    then single lines, that ``still_fails``."""
    from mutations import blocks_of, render  # the fuzzer's view of a file as blocks of lines

    doc = blocks_of(text)
    if doc is not None:
        units = [render(doc[i : i + 1], final_newline=False) for i in range(len(doc))]
        units = _shrink(units, lambda kept: still_fails("\n".join(kept) + "\n"))
        text = "\n".join(units) + "\n"
    lines = text.split("\n")
    end = "\n" if lines[-1] == "" else ""
    lines = _shrink(lines[:-1] if end else lines, lambda kept: still_fails("\n".join(kept) + end))
    return "\n".join(lines) + end


def _shrink(units: list[str], still_fails: Callable[[list[str]], bool]) -> list[str]:
    """Remove units one at a time (chunks first) while the failure persists."""
    chunk = max(1, len(units) // 2)
    while chunk >= 1:
        index = 0
        while index < len(units):
            candidate = units[:index] + units[index + chunk :]
            if candidate and still_fails(candidate):
                units = candidate
            else:
                index += chunk
        chunk //= 2
    return units


def same_problem(checker: Checker, problem: Problem, context: Path | None = None) -> Callable[[str], bool]:
    """A predicate for ``minimize``: the text still shows a problem of this kind in this mode."""

    def still_fails(text: str) -> bool:
        outcome = checker.examine(text, context)
        return any(p.kind == problem.kind and p.mode == problem.mode for p in outcome.problems)

    return still_fails


# --------------------------------------------------------------------------- reports of many problems


def signature(problem: Problem) -> str:
    """What problems of one cause share: the kind and the detail without numbers or quoted text."""
    detail = re.sub(r"\d+", "N", problem.detail)
    detail = re.sub(r"(['\"`]).*?\1", "…", detail)
    return f"{problem.kind}: {detail[:160]}"


def append_report(
    path: Path,
    source: str,
    mutations: tuple[str, ...],
    text: str,
    problems: tuple[Problem, ...],
    context: Path | None = None,
) -> None:
    """One JSON line per problem (the fuzzer's report mode)."""
    with path.open("a", encoding="utf-8") as out:
        for problem in problems:
            record = {
                "source": source,
                "mutations": list(mutations),
                "kind": problem.kind,
                "mode": problem.mode,
                "detail": problem.detail,
                "signature": signature(problem),
                "text": text,
                "context": str(context) if context else None,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def summarize(records: list[dict], checker: Checker | None, *, shrink: bool = True) -> str:
    """Problems grouped by signature, most frequent first, each with its smallest example
    (minimized when ``shrink``)."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(record["signature"], []).append(record)
    out = []
    for sig, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        smallest = min(members, key=lambda r: len(r["text"]))
        text = smallest["text"]
        if shrink and checker is not None:
            context = Path(smallest["context"]) if smallest.get("context") else None
            problem = Problem(smallest["kind"], smallest["mode"], smallest["detail"])
            text = minimize(text, same_problem(checker, problem, context))
        where = smallest.get("source", "?")
        extra = f" ({', '.join(smallest['mutations'])})" if smallest.get("mutations") else ""
        out.append(
            f"== {len(members)} x {sig}\n   e.g. [{smallest['mode']}] {smallest['detail']}\n   from {where}{extra}:"
        )
        out.append("\n".join("   | " + line for line in text.split("\n")))
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """``python tests/robustness.py REPORT.jsonl``: the fuzzer's report, grouped and minimized;
    ``python tests/robustness.py FILE...``: the problems of each Dockerfile."""
    if not argv:
        print(main.__doc__)
        return 2
    checker = Checker()
    if argv[0].endswith(".jsonl"):
        records = [json.loads(line) for line in Path(argv[0]).read_text(encoding="utf-8").splitlines() if line]
        print(f"{len(records)} problems")
        print(summarize(records, checker))
        return 0
    for name in argv:
        outcome = checker.examine(Path(name).read_bytes().decode("utf-8"))
        for problem in outcome.problems:
            print(f"{name}: {problem}")
    return 0


# --------------------------------------------------------------------------- helpers


def _parse_or_none(text: str) -> Dockerfile | None:
    try:
        return parse(text)
    except Exception:  # the modes above have reported it
        return None


def _one_line(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "/dockopt/" in frame.filename:
            where = f" at {Path(frame.filename).name}:{frame.lineno} ({frame.name})"
            break
    return f"{type(exc).__name__}: {_first_line(str(exc))}{where}"


def _first_line(message: str) -> str:
    return (message.strip().splitlines() or [""])[0]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))
