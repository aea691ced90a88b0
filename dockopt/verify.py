"""`dockopt verify`: build the original and the rewritten Dockerfile, and compare the images.

The rewrite is made in memory (nothing is written); both images are built from the same
context, without cache, by the same engine, then their size, layers, build time, runtime
configuration and filesystems are compared, and the images are removed. When dockopt
changes nothing in the file, the file is built once as it is, and its size and layers are
reported (exit 0 when it builds, 2 when not).

Before anything is built, the sources of COPY and ADD are checked against the build context
(``context_check.unprovided``: missing, or left out by the ignore file): every one the
context cannot provide is reported at once, with its line, and nothing is built.

Exit codes: 0 the rewrite builds and runs with the same configuration (apart from what
the applied transforms are documented to change); 1 the rewrite does not build, or its
configuration drifted; 2 verification could not run (no engine, the original does not
build, the file cannot be read or parsed).
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import files
from .containers import Engine, EngineError
from .context import Context, Options
from .context_check import Unprovided, unprovided
from .engine import FixFailure, fix_source
from .imagediff import ConfigChange, FilesComparison, Image, compare_files, config_changes
from .syntax import DockerfileSyntaxError, parse
from .transform import Transform

EXIT_OK, EXIT_DRIFT, EXIT_CANNOT = 0, 1, 2
LABEL = "org.dockopt.verify"  # set on every image verification builds (every stage), to remove them all


@dataclass(frozen=True)
class Built:
    ok: bool
    seconds: float
    image: Image | None = None
    tail: str = ""  # the end of the build output, when the build failed


@dataclass
class Report:
    dockerfile: str
    context: str
    engine: str = ""
    fixes: dict[str, int] = field(default_factory=dict)  # "DO101 merge-runs" -> count
    original: Built | None = None
    rewritten: Built | None = None
    changes: list[ConfigChange] = field(default_factory=list)
    expected: list[ConfigChange] = field(default_factory=list)  # changes the transforms announce
    files: FilesComparison | None = None
    not_applied: list[str] = field(default_factory=list)  # files beside the Dockerfile the fixes would write
    unprovided: list[Unprovided] = field(default_factory=list)  # what the original copies and the context lacks
    unprovided_in_rewrite: list[Unprovided] = field(default_factory=list)  # the same, of the rewrite
    exit_code: int = EXIT_OK
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["changes"] = [asdict(c) for c in self.changes]
        data["expected"] = [asdict(c) for c in self.expected]
        for side in ("original", "rewritten"):
            built = getattr(self, side)
            if built is not None and built.image is not None:
                data[side]["image"] = asdict(built.image)
        return data


def verify(
    path: Path,
    context: Path | None,
    engine: Engine,
    transforms: tuple[Transform, ...],
    unsafe: bool,
    progress: Callable[[str], None],
    options: Options = Options(),
    log: Callable[[str], None] | None = None,
) -> Report:
    """Rewrite, build both, compare; every outcome is a Report (never an exception).

    ``options`` are the transforms' options from the configuration. ``progress`` receives
    what is being done (a line a step), ``log`` each line of the build output (default:
    ``progress``)."""
    context = context or path.parent
    log = log or progress
    report = Report(
        str(path),
        str(context),
        engine.version if engine.name in engine.version else f"{engine.name} {engine.version}".strip(),
    )
    try:
        source = files.read_dockerfile(path)
        where = Context(path, context, options=options)
        result = fix_source(source, transforms, unsafe=unsafe, context=where)
        report.unprovided = list(unprovided(parse(source), where))
        report.unprovided_in_rewrite = list(unprovided(parse(result.output), where)) if result.changed else []
    except (files.InputError, DockerfileSyntaxError, FixFailure) as exc:
        return _cannot(report, f"{path}: {exc}")
    report.fixes = dict(Counter(f"{f.code} {f.name}" for f in result.applied))
    # nothing is written: a .dockerignore the fixes would add is not in the context of this build
    report.not_applied = [side.path for side in result.side_files]
    if report.unprovided:
        return _cannot(report, _unprovided_message(context, report.unprovided, "the original cannot build"))
    if not result.changed:
        return _build_unchanged(report, engine, path, context, log, progress)
    if report.unprovided_in_rewrite:  # the original's own are all provided: these are the rewrite's doing
        report.exit_code = EXIT_DRIFT
        report.message = _unprovided_message(context, report.unprovided_in_rewrite, "the rewrite cannot build")
        return report
    announced = {name for t in transforms if any(f.code == t.code for f in result.applied) for name in t.config_changes}
    token = secrets.token_hex(4)
    tags = {side: f"localhost/dockopt-verify:{token}-{side}" for side in ("original", "rewritten")}
    with tempfile.TemporaryDirectory(prefix="dockopt-verify-") as tmp:
        rewritten_file = Path(tmp) / "Dockerfile"
        rewritten_file.write_bytes(result.output.encode("utf-8"))
        try:
            progress(f"building the original with {engine.name} (no cache)")
            report.original = _build(engine, path, context, tags["original"], log, token)
            if not report.original.ok:
                return _cannot(
                    report, f"the original does not build, so there is nothing to compare:\n{report.original.tail}"
                )
            progress(f"building the rewrite with {engine.name} (no cache)")
            report.rewritten = _build(engine, rewritten_file, context, tags["rewritten"], log, token)
            if not report.rewritten.ok:
                report.exit_code = EXIT_DRIFT
                report.message = f"the original builds but the rewrite does not:\n{report.rewritten.tail}"
                return report
            progress("comparing the images")
            assert report.original.image is not None and report.rewritten.image is not None
            changes = config_changes(report.original.image.config, report.rewritten.image.config)
            report.expected = [c for c in changes if c.field.split(".")[0] in announced]
            report.changes = [c for c in changes if c not in report.expected]
            report.files = compare_files(engine.files(tags["original"]), engine.files(tags["rewritten"]))
        except EngineError as exc:
            return _cannot(report, str(exc))
        finally:
            for tag in tags.values():
                engine.remove(tag)
            engine.remove_labelled(LABEL, token)
    if report.changes:
        report.exit_code = EXIT_DRIFT
        report.message = "the rewrite changes how the container runs: " + ", ".join(c.field for c in report.changes)
    else:
        report.message = "the rewrite builds and runs with the same configuration"
    return report


def _build(
    engine: Engine, dockerfile: Path, context: Path, tag: str, progress: Callable[[str], None], token: str
) -> Built:
    result = engine.build(dockerfile, context, tag, progress, labels={LABEL: token})
    if not result.ok:
        return Built(False, result.seconds, None, result.tail)
    return Built(True, result.seconds, engine.inspect(tag))


def _unprovided_message(context: Path, found: list[Unprovided], outcome: str) -> str:
    """Every source the build context cannot provide, a line each."""
    sources = "a source" if len(found) == 1 else f"{len(found)} sources"
    lines = [f"the build context {context} cannot provide {sources} that COPY and ADD name, so {outcome}:"]
    return "\n".join([*lines, *(f"  {u}" for u in found)])


def _build_unchanged(
    report: Report,
    engine: Engine,
    path: Path,
    context: Path,
    log: Callable[[str], None],
    progress: Callable[[str], None],
) -> Report:
    """Nothing to compare: the file is built once all the same, so that the report says what
    it makes (its size and layers: a Dockerfile that dockopt leaves alone is proved small)."""
    token = secrets.token_hex(4)
    tag = f"localhost/dockopt-verify:{token}-original"
    try:
        progress(f"dockopt changes nothing: building the file as it is with {engine.name} (no cache)")
        report.original = _build(engine, path, context, tag, log, token)
    except EngineError as exc:
        return _cannot(report, str(exc))
    finally:
        engine.remove(tag)
        engine.remove_labelled(LABEL, token)
    if not report.original.ok:
        return _cannot(report, f"the file does not build:\n{report.original.tail}")
    report.message = "dockopt changes nothing in this file: it builds, and there is no rewrite to compare"
    return report


def _cannot(report: Report, message: str) -> Report:
    report.exit_code = EXIT_CANNOT
    report.message = message
    return report


# --------------------------------------------------------------------------- rendering


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=True)


def render_text(report: Report, top: int = 8) -> str:
    """The comparison as a plain-text report."""
    lines = [f"{report.dockerfile} (context {report.context}, engine {report.engine or '-'})"]
    if report.fixes:
        lines.append("fixes: " + ", ".join(f"{name} ×{n}" for name, n in sorted(report.fixes.items())))
    before, after = report.original, report.rewritten
    if before is not None and before.image is not None and after is not None and after.image is not None:
        a, b = before.image, after.image
        rows = [
            ("", "original", "rewritten", "change"),
            ("image size", _mb(a.size), _mb(b.size), f"{_signed_mb(b.size - a.size)} ({_percent(a.size, b.size)})"),
            ("layers", str(a.layers), str(b.layers), f"{b.layers - a.layers:+d}"),
            (
                "build time",
                f"{before.seconds:.1f} s",
                f"{after.seconds:.1f} s",
                f"{after.seconds - before.seconds:+.1f} s",
            ),
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if report.changes or report.expected:
            lines.append("runtime config differences:")
            for change in report.changes:
                lines.append(f"  {change.field}: {change.before!r} -> {change.after!r}")
            for change in report.expected:
                lines.append(f"  {change.field}: {change.before!r} -> {change.after!r} (expected from the fixes)")
        else:
            lines.append("runtime config: identical")
    elif before is not None and before.image is not None:
        image = before.image
        lines.append(f"image size {_mb(image.size)}, {image.layers} layers, built in {before.seconds:.1f} s")
    if report.files is not None:
        lines += _files_lines(report.files, top)
    if report.not_applied:
        lines.append("not part of the rebuilt context (verify writes nothing): " + ", ".join(report.not_applied))
    lines.append(report.message)
    return "\n".join(lines) + "\n"


def _files_lines(comparison: FilesComparison, top: int) -> list[str]:
    lines = []
    for title, side in (
        ("only in the original", comparison.only_in_original),
        ("only in the rewrite", comparison.only_in_rewritten),
    ):
        lines.append(f"files {title}: {side.count} ({_mb(side.bytes)})")
        for directory, count, size in side.by_directory[:top]:
            lines.append(f"  {_mb(size):>10}  {count:>6} files  {directory}")
    if comparison.changed:
        lines.append(f"files in both that differ in size or type: {comparison.changed}")
    if comparison.missing_executables:
        lines.append(f"executables in the original, missing from the rewrite: {len(comparison.missing_executables)}")
        for path in comparison.missing_executables[: top * 4]:
            lines.append(f"  {path}")
    else:
        lines.append("executables missing from the rewrite: none")
    return lines


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _signed_mb(delta: int) -> str:
    return f"{delta / 1e6:+.1f} MB"


def _percent(before: int, after: int) -> str:
    return f"{(after - before) / before:+.1%}" if before else "n/a"
