"""`dockopt server`: a language server over stdin/stdout, for editors.

What it offers an editor (the Language Server Protocol, through pygls):

- diagnostics when a Dockerfile is opened, and again 0.3 s after the last change: every
  finding of ``dockopt check`` (code, message, ``dockopt explain CODE`` to read more), with
  its severity (error, warning or information: its transform's, or the configuration's;
  error for what BuildKit would refuse to build, DO002-DO012) and an error for a file that
  does not parse;
- a quick fix per finding whose fix can be applied ("Fix: <message>"; "(unsafe)" at the end
  and never preferred when the fix may change behaviour), made of the finding's own edits;
- "Fix all safe (dockopt)", a ``source.fixAll.dockopt`` action: the whole-document edit that
  ``dockopt fix`` would make (what editors ask for on save with ``source.fixAll``);
- "Ignore <CODE> here": ``# dockopt: ignore=<CODE>`` inserted on the line above the
  instruction, with its indentation.

Settings come from the configuration files ``dockopt fix`` and ``check`` read for the
document's path (``dockopt.toml``, ``pyproject.toml``, ``.hadolint.yaml``), read again at each
analysis, so that an edited configuration applies at the next change. A document that is not
a file (an unsaved buffer) takes the settings of the server's working directory.

The analysis is ``engine.process_text``, the CLI's own: what the editor shows is what the
command line says. pygls is imported only here, and only ``dockopt server`` imports this module.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .config import ConfigError, Overrides, Resolver
from .engine import Diagnostic, FileResult, Settings, SideFile, process_text
from .fix import Applicability, Edit
from .refusals import is_refusal
from .syntax import Dockerfile, DockerfileSyntaxError, parse
from .transform import ERROR, INFO, WARNING

DEBOUNCE = 0.3  # seconds after the last change before a document is analysed again
SOURCE = "dockopt"
LSP_SEVERITIES = {
    ERROR: types.DiagnosticSeverity.Error,
    WARNING: types.DiagnosticSeverity.Warning,
    INFO: types.DiagnosticSeverity.Information,
}
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.dockopt"  # source.fixAll.dockopt


# --------------------------------------------------------------------------- positions


@dataclass(frozen=True)
class Lines:
    """A text's lines (split after each "\\n", as the parser counts them), to turn file offsets
    and the engine's 1-based lines and columns into LSP positions in the client's units."""

    text: str
    starts: tuple[int, ...]

    @staticmethod
    def of(text: str) -> Lines:
        return Lines(text, (0, *(i + 1 for i, c in enumerate(text) if c == "\n")))

    def offset(self, line: int, column: int) -> int:
        """The file offset of a 1-based line and column."""
        return min(self.starts[min(line, len(self.starts)) - 1] + column - 1, len(self.text))

    def position(self, offset: int, units: types.PositionEncodingKind | str | None) -> types.Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        before = self.text[self.starts[line] : offset]
        return types.Position(line, _count(before, units))

    def range(self, start: int, end: int, units: types.PositionEncodingKind | str | None) -> types.Range:
        return types.Range(self.position(start, units), self.position(end, units))


def _count(text: str, units: types.PositionEncodingKind | str | None) -> int:
    """The length of ``text`` in the position encoding agreed with the client (UTF-16 unless said)."""
    if units == types.PositionEncodingKind.Utf32:
        return len(text)
    if units == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class Analysis:
    """One version of a document, checked: its findings, or why it could not be checked."""

    text: str
    path: Path | None
    settings: Settings | None  # None when the configuration could not be read
    diagnostics: tuple[Diagnostic, ...]
    error: str | None = None  # the document could not be checked (configuration, parse, internal error)
    error_line: int = 1  # where to show it


def path_of(uri: str) -> Path | None:
    """The file a document URI names, None for anything but a file (an unsaved buffer)."""
    if not uri.startswith("file:"):
        return None
    found = to_fs_path(uri)
    return Path(found) if found else None


def settings_for(path: Path | None, warn: Callable[[str], None] | None = None) -> Settings:
    """The settings ``dockopt check`` would use for ``path`` (or the working directory).
    Raises ConfigError."""
    resolver = Resolver(Overrides(), warn=warn)  # a new one each time: configuration files may have changed
    return resolver.settings(path if path is not None else Path.cwd() / "Dockerfile", Settings(()))


def analyse(text: str, path: Path | None, warn: Callable[[str], None] | None = None) -> Analysis:
    """The findings of ``text`` with the settings of ``path``, as ``dockopt check`` lists them."""
    try:
        settings = settings_for(path, warn)
    except ConfigError as exc:
        return Analysis(text, path, None, (), f"configuration: {exc}")
    result = process_text(str(path or "-"), text, replace(settings, check=True, write=False), path)
    if result.failed:
        return Analysis(text, path, settings, (), result.error, _error_line(text))
    return Analysis(text, path, settings, result.diagnostics)


def fix_all(analysis: Analysis) -> FileResult | None:
    """What ``dockopt fix`` makes of the document (None when its settings could not be read)."""
    if analysis.settings is None:
        return None
    settings = replace(analysis.settings, check=False, write=False, keep_text=True)
    return process_text(str(analysis.path or "-"), analysis.text, settings, analysis.path)


def _error_line(text: str) -> int:
    try:
        parse(text)
    except DockerfileSyntaxError as exc:
        return max(exc.line, 1)
    except Exception:
        pass
    return 1


def ignore_edit(df: Dockerfile, diagnostic: Diagnostic) -> Edit | None:
    """``# dockopt: ignore=CODE`` on its own line above the instruction the finding starts in,
    indented as the instruction is; None when the finding is in no instruction or cannot be
    suppressed (what BuildKit refuses)."""
    if is_refusal(diagnostic.code):
        return None
    text = df.text
    at = Lines.of(text).offset(diagnostic.line, diagnostic.column)
    for instruction in df.instructions:
        if instruction.span.start <= at < max(instruction.span.end, instruction.span.start + 1):
            line_start = df.line_start(instruction.span.start)
            line = text[line_start:]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            return Edit.insert(line_start, f"{indent}# dockopt: ignore={diagnostic.code}{df.newline_at(line_start)}")
    return None


# --------------------------------------------------------------------------- the protocol


def to_lsp(analysis: Analysis, units: types.PositionEncodingKind | str | None) -> list[types.Diagnostic]:
    """The findings as LSP diagnostics."""
    lines = Lines.of(analysis.text)
    if analysis.error is not None:
        start = lines.offset(analysis.error_line, 1)
        end = analysis.text.find("\n", start)
        where = lines.range(start, end if end >= 0 else len(analysis.text), units)
        return [types.Diagnostic(where, analysis.error, types.DiagnosticSeverity.Error, source=SOURCE)]
    found = []
    for d in analysis.diagnostics:
        where = lines.range(lines.offset(d.line, d.column), lines.offset(d.end_line, d.end_column), units)
        severity = LSP_SEVERITIES[d.severity]
        message = f"{d.message} (dockopt explain {d.code})"
        found.append(types.Diagnostic(where, message, severity, code=d.code, source=SOURCE, data=d.name))
    return found


def _overlaps(found: types.Range, wanted: types.Range) -> bool:
    """Whether a finding is in the range the client asks about: a cursor (an empty range)
    anywhere in the finding, its ends included, or a selection sharing text with it."""

    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    if key(wanted.start) == key(wanted.end) or key(found.start) == key(found.end):
        return key(found.start) <= key(wanted.end) and key(wanted.start) <= key(found.end)
    return key(found.start) < key(wanted.end) and key(wanted.start) < key(found.end)


def _wanted(kind: str, only: list[str] | None) -> bool:
    """Whether the client asks for actions of ``kind`` (a kind asks for its sub-kinds too)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


@dataclass(frozen=True)
class Document:
    """The document code actions are asked for, and what the client can apply."""

    uri: str
    version: int | None  # of the text analysed
    units: types.PositionEncodingKind | str | None  # the position encoding agreed with the client
    files: bool = False  # the client applies document changes that create files (a .dockerignore)


def _edit(
    document: Document, edits: list[types.TextEdit], writes: list[tuple[Path, str | None, str]]
) -> types.WorkspaceEdit | None:
    """The document's edits and the files written beside it (path, before or None, after) as one
    workspace edit; the files are left out when the client cannot create them. None when
    nothing is left."""
    if not (writes and document.files):
        return types.WorkspaceEdit(changes={document.uri: edits}) if edits else None
    changes: list[types.TextDocumentEdit | types.CreateFile] = []
    if edits:
        identifier = types.OptionalVersionedTextDocumentIdentifier(document.uri, document.version)
        changes.append(types.TextDocumentEdit(identifier, list(edits)))
    for path, before, after in writes:
        uri = path.as_uri()
        if before is None:
            changes.append(types.CreateFile(uri, options=types.CreateFileOptions(ignore_if_exists=True)))
        whole = Lines.of(before or "").range(0, len(before or ""), document.units)
        changes.append(
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri, None), [types.TextEdit(whole, after)]
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


def code_actions(
    analysis: Analysis, document: Document, wanted: types.Range, only: list[str] | None
) -> list[types.CodeAction]:
    """The quick fixes and ignore comments of the findings in ``wanted``, and the fix-all."""
    lines = Lines.of(analysis.text)
    units = document.units
    actions: list[types.CodeAction] = []
    shown = zip(analysis.diagnostics, to_lsp(analysis, units), strict=True) if analysis.error is None else ()
    quick = _wanted(types.CodeActionKind.QuickFix, only)
    df = parse(analysis.text) if quick and analysis.diagnostics else None  # it parsed: there are findings
    for d, lsp in shown:
        if not quick or not _overlaps(lsp.range, wanted):
            continue
        fix = d.fix
        if fix is not None and fix.applicability > Applicability.DISPLAY_ONLY:
            unsafe = fix.applicability < Applicability.SAFE
            edits = [types.TextEdit(lines.range(e.start, e.end, units), e.content) for e in fix.edits]
            edit = _edit(document, edits, _writes(analysis, d.writes))
            if edit is not None:
                actions.append(
                    types.CodeAction(
                        f"Fix: {d.message}" + (" (unsafe)" if unsafe else ""),
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        is_preferred=not unsafe,
                        edit=edit,
                    )
                )
        ignore = ignore_edit(df, d) if df is not None else None
        if ignore is not None:
            comment = types.TextEdit(lines.range(ignore.start, ignore.end, units), ignore.content)
            actions.append(
                types.CodeAction(
                    f"Ignore {d.code} here",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp],
                    edit=types.WorkspaceEdit(changes={document.uri: [comment]}),
                )
            )
    result = fix_all(analysis) if _wanted(FIX_ALL, only) else None
    if result is not None and not result.failed and result.output is not None:
        edits = []
        if result.output != analysis.text:
            edits = [types.TextEdit(lines.range(0, len(analysis.text), units), result.output)]
        edit = _edit(document, edits, [(Path(f.path), f.before, f.after) for f in result.side_files])
        unsafe = analysis.settings is not None and analysis.settings.unsafe  # unsafe-fixes = true in configuration
        if edit is not None:
            title = "Fix all (dockopt, unsafe fixes included)" if unsafe else "Fix all safe (dockopt)"
            actions.append(types.CodeAction(title, kind=FIX_ALL, edit=edit))
    return actions


def _writes(analysis: Analysis, writes: tuple[SideFile, ...]) -> list[tuple[Path, str | None, str]]:
    """The files a fix writes (relative to the build context: the document's directory), with
    what they hold now, as the check read them."""
    if analysis.path is None:
        return []
    return [(analysis.path.parent / w.path, w.before, w.after) for w in writes]


class DockoptServer(LanguageServer):
    """The server, with the latest analysis of each open document and its pending re-analysis."""

    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.analyses: dict[str, tuple[int | None, Analysis]] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}

    @property
    def units(self) -> types.PositionEncodingKind | str | None:
        return self.workspace.position_encoding

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document as the server has it now (cached per version)."""
        document = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached[0] == document.version and cached[1].text == document.source:
            return cached[1]
        found = analyse(document.source, path_of(uri), self.warn)
        self.analyses[uri] = (document.version, found)
        return found

    @property
    def creates_files(self) -> bool:
        """Whether the client applies workspace edits that create files (document changes)."""
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace is not None else None
        if edit is None or not edit.document_changes:
            return False
        return types.ResourceOperationKind.Create in (edit.resource_operations or [])

    def warn(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(types.MessageType.Warning, f"dockopt: {message}"))

    def publish(self, uri: str) -> None:
        found = self.analysis(uri)
        version = self.analyses[uri][0]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri, to_lsp(found, self.units), version=version)
        )

    def later(self, uri: str) -> None:
        """Analyse and publish ``uri`` once no change has come for ``DEBOUNCE`` seconds."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()

        async def run() -> None:
            await asyncio.sleep(DEBOUNCE)
            self.pending.pop(uri, None)
            self.publish(uri)

        self.pending[uri] = asyncio.get_running_loop().create_task(run())


def make_server() -> DockoptServer:
    server = DockoptServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DockoptServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: DockoptServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.later(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DockoptServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.later(params.text_document.uri)  # the configuration beside it may have been saved meanwhile

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DockoptServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        waiting = ls.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.analyses.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
    )
    def code_action(ls: DockoptServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        only = [str(k.value if isinstance(k, types.CodeActionKind) else k) for k in params.context.only or []] or None
        analysis = ls.analysis(uri)
        document = Document(uri, ls.analyses[uri][0], ls.units, ls.creates_files)
        return code_actions(analysis, document, params.range, only)

    return server


def serve() -> None:
    """Run the server on stdin and stdout until the client says exit."""
    make_server().start_io()
