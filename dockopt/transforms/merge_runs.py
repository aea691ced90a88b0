"""merge-runs (DO101): merge consecutive RUN instructions into one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import RPM_MANAGERS, RpmEvent, rpm_events
from ..runs import Style, style_of
from ..shell import Command, Script, effective_shell, is_posix_shell, persistent_effects, readable, script_of
from ..syntax import Comment, Dockerfile, Instruction
from ..transform import INFO, transform

_PRAGMA = re.compile(r"#\s*(hadolint|dockopt)\b", re.I)
_NEEDS_GROUP = frozenset({";", "\n", "||", ";;"})
_COMPOUNDS = frozenset({"if", "case", "for", "while"})


@transform(code="DO101", name="merge-runs", hadolint=("DL3059",), applicability=Applicability.SAFE, severity=INFO)
def merge_runs(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Merge consecutive RUN instructions into one.

    ## What it does
    Joins a RUN with the RUN right before it, `RUN a` / `RUN b` becoming `RUN a \\` /
    `    && b`, in the file's own continuation style (leading or trailing `&&`, its
    indentation, its escape character and line endings). Comment lines between the two stay
    where they were, inside the continuation; blank lines between them go, because an empty
    continuation line is deprecated in BuildKit.

    ## Why
    Every RUN adds a layer. Files deleted by a later RUN still take space in the earlier
    layer, and an image may have at most 127 layers. One RUN per logical step keeps the
    image small and the layer count low.

    ## Example
    ```Dockerfile
    RUN apt-get update
    RUN apt-get install -y curl
    ```
    becomes
    ```Dockerfile
    RUN apt-get update \\
        && apt-get install -y curl
    ```
    When the second RUN is a list of its own (`a; b` or `a || b`), it is grouped, `&& { a; b; }`,
    so that it still runs only when the first succeeded.

    ## Fix safety
    Safe: the merged RUN runs the same commands with the same outcome. It does not merge when
    that could change what runs: a RUN in exec form or with a heredoc, different RUN flags
    (`--mount`, `--network`, `--security`), a `SHELL` change or any other instruction in
    between, a shell that is not POSIX-like (PowerShell, cmd), a first RUN that changes the
    state of its shell (`cd`, `export`, `set`, `source`, `umask`, `trap`, `exec`, `exit`,
    function definitions; assignments and loop variables when the second RUN reads them),
    a first RUN that ends in a shell comment (it would swallow the second), a background `&`,
    a shell that tree-sitter-bash cannot parse, or a `# hadolint`/`# dockopt` comment aimed at
    the second RUN. A second RUN that opens by assigning shell variables (`V=1 && wget .../$V`,
    or inside the `if`, `case` or loop it opens with: `if ...; then ARCH=x86_64; fi && ...`)
    stays apart too: merged, hadolint's ShellCheck would see a conditional assignment and flag
    the variable's unquoted uses (SC2086). So does a second RUN that installs with yum, dnf,
    microdnf or zypper after a first RUN that cleans that manager's cache without installing
    (`yum -y update; yum clean all`): merged, the clean would come before the first install,
    which hadolint reports as a missing clean (DL3032, DL3040, DL3036); apart, each RUN
    cleans its own layer.

    It only merges in stages that reach the final image (the last stage and the stages it is
    built `FROM`): in a build stage whose files are only copied out, separate RUNs cost no
    image size and keep the build cache fine-grained.

    hadolint: it reports at most one ShellCheck finding (SCxxxx) per RUN, the last one. The
    merged RUN shows one where the two RUNs showed one each, and it may be one that another
    finding hid before (SC2006 for backticks where a `cd` without `|| exit`, SC2164, came
    later): the script is the same, only the finding shown changed. And DL3032/DL3040 take
    the first `rm -rf` of a RUN, whatever it deletes, for the cache clean, and want it after
    the install: `RUN rm -rf /tmp/build` merged before `RUN dnf -y upgrade && dnf clean all`
    is reported, though the cache is cleaned after the upgrade.
    """
    instructions = df.instructions
    reaching = {id(i) for stage in df.stages if stage.reaches_final for i in stage.instructions}
    position = {id(node): index for index, node in enumerate(df.nodes)}
    style = style_of(df)
    wait_for: Instruction | None = None
    for first, second in pairwise(instructions):
        if id(first) not in reaching or id(second) not in reaching or first is wait_for:
            continue
        between = df.nodes[position[id(first)] + 1 : position[id(second)]]
        fix = _merge(df, first, second, between, style)
        if fix is not None:
            # What the first RUN leaves (a variable the second does not read, say) must be
            # checked against the RUN after the second too: that waits for the next pass,
            # when the two are one script.
            first_script = script_of(df, first)
            if first_script is not None and persistent_effects(first_script):
                wait_for = second
            line = first.start_line
            yield Finding(
                f"RUN can be merged into the RUN at line {line}",
                second.keyword_span.start,
                second.keyword_span.end,
                fix,
            )


def _merge(df: Dockerfile, first: Instruction, second: Instruction, between: tuple, style: Style) -> Fix | None:
    """The fix that merges ``second`` into ``first``, or None when that could change what runs."""
    if first.command != "RUN" or second.command != "RUN":
        return None
    if first.json or second.json or first.heredocs or second.heredocs:
        return None
    if [(f.name, f.value) for f in first.flags] != [(f.name, f.value) for f in second.flags]:
        return None
    if not is_posix_shell(effective_shell(df, first)):
        return None
    if any(isinstance(n, Comment) and _PRAGMA.match(n.text.lstrip()) for n in between):
        return None
    a, b = script_of(df, first), script_of(df, second)
    if a is None or b is None or a.has_error or b.has_error or not a.commands or not b.commands:
        return None
    if a.comments or "&" in a.separators or "&" in b.separators:
        return None
    if _leaks_into(a, b):
        return None
    if b.comments and b.comments[0][0] < b.commands[0].start:
        return None
    if _starts_by_assigning(b):
        return None
    if _cleans_before_install(df, first, second):
        return None
    separators = list(b.separators)
    if separators and separators[-1] == ";" and b.ends_with_semicolon:
        separators.pop()  # a trailing `;` ends the list; it does not start another command
    group = any(sep in _NEEDS_GROUP for sep in separators)
    if group and b.comments:
        return None
    second_text = "{ " + b.text[: b.code_end] + "; }" if group else b.text
    if not readable(f"{a.text[: a.code_end]} && {second_text}"):
        return None  # the shell parser cannot read the two as one (tree-sitter-bash's error recovery)
    return _fix(df, first, second, between, a, b, group, style)


def _leaks_into(first: Script, second: Script) -> bool:
    """Whether the first script leaves shell state that the second could see."""
    for effect in persistent_effects(first):
        if not effect.binds_name:
            return True
        if re.search(r"(?<![\w])" + re.escape(effect.name or "") + r"(?![\w])", second.text):
            return True
    return False


def _starts_by_assigning(script: Script) -> bool:
    """A RUN that opens by setting shell variables (`V=1 && ...`, `readonly V=1 ...`), also
    inside the `if`, `case` or loop it opens with (`if ...; then ARCH=x86_64; fi && ...`).

    Merged, the assignment would follow `&&`; ShellCheck (inside hadolint) then treats it as
    conditional and flags every unquoted use of the variable (SC2086). Such a RUN reads as a
    script of its own, so it stays one.
    """
    first = script.commands[0]
    opening = [first]
    if first.context and first.context[0] in _COMPOUNDS:
        # the commands of the compound it opens with (and of any that follows it directly)
        for command in script.commands[1:]:
            if command.context[:1] != first.context[:1]:
                break
            opening.append(command)
    return any(_assigns(command) and not command.isolated for command in opening)


def _assigns(command: Command) -> bool:
    return command.kind == "assignment" or (
        command.kind == "declaration" and any("=" in word.text for word in command.args)
    )


def _cleans_before_install(df: Dockerfile, first: Instruction, second: Instruction) -> bool:
    """Whether the first RUN cleans the cache of yum, dnf, microdnf or zypper without an
    `install` of that manager, and the second installs with it (`yum -y update; yum clean all`,
    then `yum -y install httpd; yum clean all`).

    Merged, the clean would come before the first install, which hadolint takes for a
    clean in the wrong place (DL3032, DL3040, DL3036: it looks at the first clean). Apart,
    each RUN cleans its own layer.
    """
    before, after = rpm_events(df, first), rpm_events(df, second)
    for manager in RPM_MANAGERS:
        cleans = any(e.manager == manager and e.kind in ("clean", "rm") for e in before)
        if cleans and not any(_installs(e, manager) for e in before) and any(_installs(e, manager) for e in after):
            return True
    return False


def _installs(event: RpmEvent, manager: str) -> bool:
    return event.manager == manager and event.kind == "install" and event.action in ("install", "in")


def _fix(
    df: Dockerfile,
    first: Instruction,
    second: Instruction,
    between: tuple,
    a: Script,
    b: Script,
    group: bool,
    style: Style,
) -> Fix:
    start = a.offsets.to_file_end(a.code_end)
    stop = b.offsets.to_file(0)
    newline = df.newline_at(start)
    # comment lines in the text that is replaced: the end of the first RUN, the lines
    # between the two, and the start of the second; they stay, inside the continuation
    spans = [line.span for line in (*first.lines, *second.lines) if line.kind == "comment"]
    spans += [node.span for node in between if isinstance(node, Comment)]
    kept = "".join(
        df.slice(span).rstrip("\r\n") + newline
        for span in sorted(spans, key=lambda span: span.start)
        if start <= span.start < stop
    )
    joint = style.joint(df.escape, newline, kept)
    edits = [Edit(start, stop, joint + ("{ " if group else ""))]
    if group:
        b_end = b.offsets.to_file_end(b.code_end)
        edits.append(Edit(b_end, b.offsets.to_file_end(len(b.text.rstrip())), "; }"))
    return Fix(tuple(edits), Applicability.SAFE)
