"""`dockopt fix --verify`: a rewrite is written only when building it proves it.

For one Dockerfile: the rewrite is made in memory; the original and the rewrite are built
from the same context with the engine `dockopt verify` uses (its label, its cleanup), each
image gets the smoke test of ``smoke.py``, and the programs its ENTRYPOINT / CMD starts are
looked up in its filesystem (``imagediff.resolve_programs``). The rewrite passes when it
builds, its smoke test says what the original's says, and no program the container starts
is missing where the original has it.

A rewrite that fails is not written. The transform to blame is found by leaving the
applied transforms out one at a time, in reverse code order (the bold ones, multi-stage
DO402 and slim-base DO401, come first), and building the rewrite again: the first one
whose absence makes that failure go (the rewrite passes, or fails another way) takes the
blame, one line per cause::

    app/Dockerfile: DO402 multi-stage: the rewrite does not build: Error: building at STEP ...
    app/Dockerfile: DO401 slim-base: the smoke test differs: original exited 0, rewrite exited 3
    app/Dockerfile: DO301 non-root-user: /usr/local/bin/gunicorn is missing

and the search goes on from that rewrite, until one passes or no transform is left (the
file is then left as it is). When only one transform applied, it is blamed without a
search. When leaving out no single transform mends the failure, the first in reverse code
order takes the blame (said so) and the search goes on without it. A rewrite already built
is never built again (the same text gives the same verdict), so the common case, one bold
transform to blame, costs three builds: the original, the rewrite, the rewrite without it.

The original that does not build fails the file (nothing can be proven); so does an engine
error. Nothing else is written than what passed.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from . import files
from .containers import Engine, EngineError
from .engine import FileResult, Settings, process_text, write_result
from .imagediff import resolve_programs
from .smoke import Smoke, last_lines, runner_for, smoke_test
from .verify import LABEL


@dataclass(frozen=True)
class Trial:
    """What building one Dockerfile says."""

    built: bool
    tail: str = ""  # the last line of the build output, when it failed
    smoke: Smoke | None = None
    programs: dict[str, str | None] = field(default_factory=dict)  # what the container starts -> its path


class Lab(Protocol):
    def build(self, text: str | None, dockerignore: str | None, label: str) -> Trial:
        """Build ``text`` (None: the Dockerfile as it is on disk), with ``dockerignore`` as the
        context's `.dockerignore` when given; ``label`` says what is built (for progress)."""
        ...


@dataclass(frozen=True)
class Outcome:
    result: FileResult  # what `fix` reports: the verified rewrite, unchanged, or failed
    blamed: tuple[str, ...] = ()  # "PATH: CODE name: cause", one line per cause
    builds: int = 0
    smoke: Smoke | None = None  # the original's smoke test, which the written rewrite matched


def cause(original: Trial, rewrite: Trial) -> tuple[str, str] | None:
    """(kind, message) of why the rewrite fails where the original passes; None when it passes."""
    if not rewrite.built:
        return "build", f"the rewrite does not build: {rewrite.tail}"
    missing = [
        original.programs.get(word) or word
        for word, path in rewrite.programs.items()
        if path is None and original.programs.get(word, "") is not None
    ]
    if missing:
        return "missing", f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    if original.smoke is not None and rewrite.smoke is not None and not rewrite.smoke.same_as(original.smoke):
        before, after = original.smoke.summary(), rewrite.smoke.summary()
        if before == after:  # same state: the last lines differ
            before, after = f"{before} ({original.smoke.last_line})", f"{after} ({rewrite.smoke.last_line})"
        return "smoke", f"the smoke test differs: original {before}, rewrite {after}"
    return None


def prove(path: Path, settings: Settings, lab: Lab, progress: Callable[[str], None] = lambda line: None) -> Outcome:
    """Rewrite, build, and write (when ``settings.write``) only a rewrite that passes. Never raises."""
    display = str(path)
    try:
        text = files.read_dockerfile(path)
    except files.InputError as exc:
        return Outcome(FileResult(display, "failed", error=str(exc)))

    def rewrite(dropped: tuple[str, ...]) -> FileResult:
        kept = tuple(t for t in settings.transforms if t.code not in dropped)
        return process_text(display, text, replace(settings, transforms=kept, keep_text=True), path)

    current = rewrite(())
    if current.failed or current.status == "unchanged":
        return Outcome(current)
    trials: dict[tuple[str, str | None], Trial] = {}
    try:
        progress(f"{display}: building the original")
        original = lab.build(None, None, "the original")
        if not original.built:
            error = f"the original does not build, so no rewrite can be verified: {original.tail}"
            return Outcome(FileResult(display, "failed", source=text, error=error), builds=1)

        def judge(result: FileResult) -> tuple[str, str] | None:
            if result.failed:
                return "fix", f"dockopt cannot rewrite the file without it: {result.error}"
            if result.status == "unchanged":
                return None
            ignore = next((s.after for s in result.side_files if Path(s.path).name == ".dockerignore"), None)
            key = (result.output or "", ignore)
            if key not in trials:
                codes = ", ".join(sorted({f.code for f in result.applied}))
                progress(f"{display}: building the rewrite ({codes})")
                trials[key] = lab.build(result.output, ignore, f"the rewrite ({codes})")
            return cause(original, trials[key])

        dropped: tuple[str, ...] = ()
        blamed: list[str] = []
        failure = judge(current)
        while failure is not None:
            names = {f.code: f.name for f in current.applied}
            codes = sorted(names, reverse=True)
            tried: list[tuple[str, FileResult]] = []
            verdicts: list[tuple[str, str] | None] = []
            note = ""
            for code in codes:
                result = rewrite((*dropped, code))
                tried.append((code, result))
                verdicts.append(judge(result))
                if len(codes) == 1 or verdicts[-1] is None or verdicts[-1][0] != failure[0]:
                    break  # leaving it out makes this failure go: it is to blame
            else:  # no single transform left out mends it: the first in reverse code order
                tried, verdicts = tried[:1], verdicts[:1]
                note = " (leaving it out alone does not mend this)"
            code, current = tried[-1]
            blamed.append(f"{display}: {code} {names[code]}: {failure[1]}{note}")
            dropped, failure = (*dropped, code), verdicts[-1]
    except EngineError as exc:
        return Outcome(FileResult(display, "failed", source=text, error=str(exc)), builds=1 + len(trials))
    if current.status == "changed" and settings.write:
        current = write_result(path, current)
    return Outcome(current, tuple(blamed), 1 + len(trials), original.smoke)


class EngineLab:
    """The real Lab: builds with a container engine from the build context, smoke-tests the
    image, reads what its command starts, and removes every image it made."""

    def __init__(self, engine: Engine, dockerfile: Path, context: Path, progress: Callable[[str], None]) -> None:
        self.engine, self.dockerfile, self.context, self.progress = engine, dockerfile, context, progress

    def build(self, text: str | None, dockerignore: str | None, label: str) -> Trial:
        token = secrets.token_hex(4)
        tag = f"localhost/dockopt-verify:{token}"
        with tempfile.TemporaryDirectory(prefix="dockopt-verify-") as tmp:
            dockerfile = self.dockerfile
            if text is not None:
                dockerfile = Path(tmp) / "Dockerfile"
                dockerfile.write_text(text, encoding="utf-8")
            ignorefile = None
            if dockerignore is not None:
                ignorefile = Path(tmp) / "Dockerfile.dockerignore"  # beside the Dockerfile: docker reads it there
                ignorefile.write_text(dockerignore, encoding="utf-8")
            try:
                built = self.engine.build(
                    dockerfile, self.context, tag, self.progress, labels={LABEL: token}, ignorefile=ignorefile
                )
                if not built.ok:
                    return Trial(False, last_lines(built.tail, 1))
                image = self.engine.inspect(tag)
                smoke = smoke_test(tag, image.config, runner_for(self.engine.name))
                return Trial(True, smoke=smoke, programs=resolve_programs(image.config, self.engine.files(tag)))
            finally:
                self.engine.remove(tag)
                self.engine.remove_labelled(LABEL, token)
