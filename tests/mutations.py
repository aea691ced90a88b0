"""Hypothesis strategies that mutate real Dockerfiles in the ways real files differ.

A file is read as a tuple of ``Block``s with BuildKit's own parser (the ``dockerfile``
package), not dockopt's: an instruction with its continuation lines (``head``) and its
heredoc bodies and terminators (``body``), and each line outside instructions (comments,
blanks, directives) as a block of its own. Each ``Mutation`` is small and changes a tuple of
blocks into another (or, for the last few, the rendered text); ``mutated_files`` draws a
file, drops some instructions, draws several mutations and applies them.

Mutations may make a file BuildKit refuses; the checks then ask that dockopt refuses it too.
Hypothesis shrinks towards the smallest file of the pool (sort it by size), no instruction
dropped... then every instruction dropped that can be, the fewest mutations and their
simplest variants: a failure comes out as a small readable file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

try:
    import dockerfile as _buildkit
except ImportError:
    _buildkit = None


@dataclass(frozen=True)
class Block:
    keyword: str  # the instruction's keyword in upper case; "" for a comment, blank or directive line
    head: tuple[str, ...]  # its physical lines up to the end of the logical line, without newlines
    body: tuple[str, ...] = ()  # heredoc bodies and terminator lines

    @property
    def lines(self) -> tuple[str, ...]:
        return self.head + self.body

    @property
    def rest(self) -> str:
        """What follows the keyword on the first line."""
        return _split_keyword(self.head[0])[2]


Doc = tuple[Block, ...]
Draw = Callable  # hypothesis' draw


def blocks_of(text: str) -> Doc | None:
    """``text`` (LF line endings) as blocks; None when BuildKit's parser refuses it or is missing."""
    if _buildkit is None:
        return None
    try:
        commands = _buildkit.parse_string(text)
    except (_buildkit.GoParseError, UnicodeDecodeError):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    blocks: list[Block] = []
    line = 1
    for command in commands:
        while line < command.start_line:
            blocks.append(Block("", (lines[line - 1],)))
            line += 1
        own = lines[command.start_line - 1 : command.end_line]
        head_length = _head_length(own) if command.heredocs else len(own)
        keyword = _split_keyword(own[0])[1].upper()
        blocks.append(Block(keyword, tuple(own[:head_length]), tuple(own[head_length:])))
        line = command.end_line + 1
    blocks += [Block("", (rest,)) for rest in lines[line - 1 :]]
    return tuple(blocks)


def render(doc: Doc, *, final_newline: bool = True) -> str:
    text = "\n".join(line for block in doc for line in block.lines)
    return text + "\n" if final_newline and text else text


def _head_length(lines: list[str]) -> int:
    """How many lines the logical line takes (escape `\\`): continuations, and the comment and
    empty lines inside them."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index and (not stripped or stripped.startswith("#")):
            continue
        if not _continues(line):
            return index + 1
    return len(lines)


def _continues(line: str, escape: str = "\\") -> bool:
    stripped = line.rstrip(" \t")
    return stripped.endswith(escape) and not stripped.endswith(escape * 2)


_KEYWORD = re.compile(r"([ \t]*)(\S+)(?:([ \t]+)(.*))?$")


def _split_keyword(line: str) -> tuple[str, str, str]:
    """(indentation, keyword, rest) of an instruction's first line."""
    match = _KEYWORD.match(line)
    if match is None:
        return line, "", ""
    return match.group(1), match.group(2), match.group(4) or ""


def _with_rest(block: Block, rest: str, keyword: str | None = None) -> Block:
    indent, word, _ = _split_keyword(block.head[0])
    first = f"{indent}{keyword or word} {rest}"
    return replace(block, head=(first, *block.head[1:]))


def _instruction(*lines: str) -> Block:
    """A block made of lines written out (an instruction, with heredoc lines after a `<<`)."""
    head_length = _head_length(list(lines)) if "<<" in lines[0] else len(lines)
    return Block(_split_keyword(lines[0])[1].upper(), lines[:head_length], lines[head_length:])


def _where(doc: Doc, *keywords: str, single: bool = False) -> list[int]:
    return [i for i, b in enumerate(doc) if b.keyword in keywords and not (single and (len(b.head) > 1 or b.body))]


def _stages(doc: Doc) -> list[tuple[int, int]]:
    """(index of FROM, index after the stage's last block) of each stage."""
    starts = _where(doc, "FROM")
    return [(start, starts[n + 1] if n + 1 < len(starts) else len(doc)) for n, start in enumerate(starts)]


def _in_stage(doc: Doc, draw: Draw, *, at_end: bool = False) -> int:
    """A position inside a drawn stage (right after its FROM, its end, or anywhere between)."""
    stages = _stages(doc)
    if not stages:
        return len(doc)
    start, end = stages[-1] if at_end else draw(st.sampled_from(stages))
    return end if at_end else draw(st.integers(start + 1, end))


def _first_from(doc: Doc) -> int:
    found = _where(doc, "FROM")
    return found[0] if found else 0


def _insert(doc: Doc, index: int, *blocks: Block) -> Doc:
    return doc[:index] + tuple(blocks) + doc[index:]


def _put(doc: Doc, index: int, block: Block) -> Doc:
    return doc[:index] + (block,) + doc[index + 1 :]


def _stage_names(doc: Doc) -> set[str]:
    names = set()
    for i in _where(doc, "FROM"):
        words = doc[i].rest.split()
        if len(words) >= 3 and words[-2].lower() == "as":
            names.add(words[-1].lower())
    return names


def _fresh(doc: Doc, stem: str) -> str:
    names, n = _stage_names(doc), 0
    while f"{stem}{n}" in names:
        n += 1
    return f"{stem}{n}"


def _logical(block: Block) -> str:
    """The instruction's arguments on one line: continuations joined, comment and blank lines dropped."""
    parts = []
    for index, line in enumerate(block.head):
        stripped = line.strip()
        if index and (not stripped or stripped.startswith("#")):
            continue
        if index == 0:
            stripped = _split_keyword(line)[2].strip()
        if _continues(stripped):
            stripped = stripped.rstrip(" \t")[:-1]
        parts.append(stripped.strip())
    return " ".join(p for p in parts if p)


_FLAGS = re.compile(r"((?:--\S+[ \t]+)*)(.*)$", re.S)


def _shell_runs(doc: Doc) -> list[int]:
    return [
        i for i in _where(doc, "RUN") if not doc[i].body and not _FLAGS.match(_logical(doc[i])).group(2).startswith("[")
    ]


# --------------------------------------------------------------------------- the mutations


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Callable[[Doc, Draw], Doc] | Callable[[str, Draw], str]
    phase: int = 0  # 0: on blocks, in the order drawn; 1: on blocks, after them; 2: on the text, last


def quoted_workdir(doc: Doc, draw: Draw) -> Doc:
    """`WORKDIR "/app"`, `WORKDIR '/app'`: an existing WORKDIR quoted, or a new one."""
    quote = draw(st.sampled_from(['"', "'"]))
    found = [i for i in _where(doc, "WORKDIR", single=True) if doc[i].rest.strip()[:1] not in "\"'"]
    if found and draw(st.booleans()):
        index = draw(st.sampled_from(found))
        return _put(doc, index, _with_rest(doc[index], f"{quote}{doc[index].rest.strip()}{quote}"))
    return _insert(doc, _in_stage(doc, draw), _instruction(f"WORKDIR {quote}/app{quote}"))


def variable_workdir(doc: Doc, draw: Draw) -> Doc:
    """`WORKDIR "${BUILD_DIR}"` after an ARG or ENV (or nothing) naming it; maybe another WORKDIR later."""
    declare = draw(
        st.sampled_from(["ARG BUILD_DIR=/build", "ARG BUILD_DIR", "ENV BUILD_DIR=/build", "ENV BUILD_DIR /build", None])
    )
    use = draw(
        st.sampled_from(
            [
                'WORKDIR "${BUILD_DIR}"',
                "WORKDIR $BUILD_DIR",
                "WORKDIR ${BUILD_DIR}/src",
                "WORKDIR ${BUILD_DIR:-/build}",
                'WORKDIR "$BUILD_DIR/sub dir"',
            ]
        )
    )
    later = draw(st.sampled_from([None, 'WORKDIR "/workspace"', "WORKDIR sub", "WORKDIR '/srv/app'", "WORKDIR /opt"]))
    index = _in_stage(doc, draw)
    if later is not None:
        stage_end = next((end for start, end in _stages(doc) if start < index <= end), len(doc))
        doc = _insert(doc, draw(st.integers(index, stage_end)), _instruction(later))
    blocks = [_instruction(line) for line in (declare, use) if line]
    return _insert(doc, index, *blocks)


def copy_destination(doc: Doc, draw: Draw) -> Doc:
    """`COPY . "$APP_HOME"`: a COPY/ADD destination quoted or made a variable (declared or not), maybe `--chown` with variables."""
    dest = draw(st.sampled_from(['"{}"', "'{}'", '"$APP_HOME"', "${APP_HOME}/", '"${APP_HOME}/sub dir/"', "$APP_HOME"]))
    declare = draw(st.sampled_from(["ENV APP_HOME=/app", "ENV APP_HOME /home/app", "ARG APP_HOME=/srv", None]))
    chown = draw(st.sampled_from([None, "--chown=${UID}:${GID}", '--chown="app:app"', "--chown=1000"]))
    found = [i for i in _where(doc, "COPY", "ADD", single=True) if "[" not in doc[i].rest and "<<" not in doc[i].rest]
    if found and draw(st.booleans()):
        index = draw(st.sampled_from(found))
        words = doc[index].rest.split()
        if len(words) < 2:
            return doc
        words[-1] = dest.replace("{}", words[-1].strip("\"'"))
        if chown:
            words.insert(0, chown)
        block = _with_rest(doc[index], " ".join(words))
        doc = _put(doc, index, block)
    else:
        index = _in_stage(doc, draw)
        block = _instruction(" ".join(filter(None, ["COPY", chown, ".", dest.replace("{}", "/app")])))
        doc = _insert(doc, index, block)
    if declare and "APP_HOME" in block.rest:
        start = max((s for s, _ in _stages(doc) if s < index), default=None)
        if start is not None:
            doc = _insert(doc, start + 1, _instruction(declare))
    return doc


def user_variants(doc: Doc, draw: Draw) -> Doc:
    """`USER ${UID}:${GID}` (declared with or without defaults), `USER "app"`, `USER 1001:1001`: replacing a USER or added."""
    user = draw(
        st.sampled_from(
            ["USER ${UID}:${GID}", 'USER "${APP_USER}"', "USER $UID", 'USER "app"', "USER 1001:1001", "USER app:app"]
        )
    )
    declare = draw(
        st.sampled_from(
            [("ARG UID=1000", "ARG GID=1000"), ("ARG UID", "ARG GID"), ("ENV UID=1001 GID=1001 APP_USER=app",), ()]
        )
    )
    found = _where(doc, "USER", single=True)
    if found and draw(st.booleans()):
        index = draw(st.sampled_from(found))
        doc = _put(doc, index, _with_rest(doc[index], user.split(" ", 1)[1]))
    else:
        index = _in_stage(doc, draw, at_end=draw(st.booleans()))
        doc = _insert(doc, index, _instruction(user))
    return _insert(doc, index, *map(_instruction, declare))


_IMAGE = re.compile(
    r"(?:(?P<registry>[^/]*[.:][^/]*|localhost)/)?(?P<name>[^:@]+)(?::(?P<tag>[^@]+))?(?P<digest>@.+)?$"
)


def variable_from(doc: Doc, draw: Draw) -> Doc:
    """`FROM ${REGISTRY}/${IMAGE}:${TAG} AS build` with global ARGs (with or without defaults), `FROM $BASE_IMAGE`."""
    stage_names = _stage_names(doc)
    found = []
    for i in _where(doc, "FROM", single=True):
        words = doc[i].rest.split()
        image = next((w for w in words if not w.startswith("--")), "")
        if image and image.lower() not in stage_names and "$" not in image and _IMAGE.match(image):
            found.append(i)
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    words = doc[index].rest.split()
    flags = [w for w in words if w.startswith("--")]
    others = [w for w in words if not w.startswith("--")]
    image, alias = others[0], others[1:]
    parts = _IMAGE.match(image)
    assert parts is not None
    defaults = draw(st.booleans())
    style = draw(st.integers(0, 2))
    if style == 0:
        values = {"REGISTRY": parts["registry"] or "docker.io", "IMAGE": parts["name"], "TAG": parts["tag"] or "latest"}
        reference = "${REGISTRY}/${IMAGE}:${TAG}"
    elif style == 1:
        values = {"BASE_IMAGE": image}
        reference = "$BASE_IMAGE"
    else:
        values = {"IMAGE": (parts["registry"] + "/" if parts["registry"] else "") + parts["name"]}
        reference = "$IMAGE:${TAG:-%s}" % (parts["tag"] or "latest")
    if not alias and draw(st.booleans()):
        alias = ["AS", "build" if "build" not in stage_names else _fresh(doc, "build")]
    platform = ["--platform=$BUILDPLATFORM"] if draw(st.booleans()) and not flags else []
    doc = _put(doc, index, _with_rest(doc[index], " ".join([*flags, *platform, reference, *alias])))
    args = [_instruction(f"ARG {name}={value}" if defaults else f"ARG {name}") for name, value in values.items()]
    return _insert(doc, _first_from(doc), *args)


def global_args(doc: Doc, draw: Draw) -> Doc:
    """ARGs before the first FROM, with and without defaults, maybe declared again in a stage."""
    arg = draw(st.sampled_from(["ARG VERSION=1.2.3", "ARG VERSION", "ARG A=1 B=2", 'ARG "QUOTED=x y"', "ARG EMPTY="]))
    if draw(st.booleans()):
        doc = _insert(doc, _in_stage(doc, draw), _instruction(arg.split("=")[0].replace('"', "")))
    return _insert(doc, _first_from(doc), _instruction(arg))


def heredoc_run(doc: Doc, draw: Draw) -> Doc:
    """A shell-form RUN rewritten as `RUN <<EOF` (its commands one a line, or as it was), `<<-EOF` with tabs, `<<'EOF'`, `<<EOF bash`."""
    found = _shell_runs(doc)
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    flags, command = _FLAGS.match(_logical(doc[index])).groups()
    lines = command.split(" && ") if draw(st.booleans()) else [command]
    if len(lines) > 1 and draw(st.booleans()):
        lines = ["set -e", *lines]
    opener, tab = draw(
        st.sampled_from([("<<EOF", ""), ("<<-EOF", "\t"), ("<<'EOF'", ""), ("<<EOF bash", ""), ('<<"EOF" sh -e', "")])
    )
    keyword = _split_keyword(doc[index].head[0])[1]
    head = f"{keyword} {flags}{opener}"
    return _put(doc, index, Block(doc[index].keyword, (head,), tuple(tab + line for line in lines) + (tab + "EOF",)))


HEREDOCS = (
    ("COPY <<EOF /etc/app.conf", "key=value", "EOF"),
    ("RUN <<EOF", "apt-get update", "apt-get install -y curl", "EOF"),
    ("RUN cat <<EOF > /etc/motd", "hello $HOSTNAME", "EOF"),
    ("RUN <<EOT bash", "set -ex", "pip install requests", "EOT"),
    ("COPY --chmod=755 <<'EOF' /usr/local/bin/entry", "#!/bin/sh", 'exec "$@"', "EOF"),
    ("RUN <<EOF", "#!/usr/bin/env python3", "print('hi')", "EOF"),
    ("RUN python3 - <<'PY'", "import sys", "print(sys.version)", "PY"),
    ("RUN <<-EOF", "\tapk add git", "\tEOF"),
    ("COPY <<one <<two /dest/", "first", "one", "second", "two"),
)


def heredoc_insert(doc: Doc, draw: Draw) -> Doc:
    """A heredoc instruction (`RUN <<EOF`, `COPY <<EOF /path`, several heredocs) inserted in a stage, maybe an instruction right after its terminator."""
    lines = draw(st.sampled_from(HEREDOCS))
    index = _in_stage(doc, draw)
    after = draw(st.sampled_from([None, "RUN echo after", "COPY . /app", "ENV AFTER=1"]))
    blocks = [_instruction(*lines)] + ([_instruction(after)] if after else [])
    return _insert(doc, index, *blocks)


def _json_text(values: Sequence[str], style: int) -> str:
    quoted = [json.dumps(v, ensure_ascii=False) for v in values]
    return [
        "[ " + " ,".join(quoted) + " ]",
        "[" + ",".join(quoted) + "]",
        "[  " + ",  ".join(quoted) + "  ]",
        "[\t" + ",\t".join(quoted) + "\t]",
        "[" + ", ".join(quoted) + "]",
    ][style]


def json_forms(doc: Doc, draw: Draw) -> Doc:
    """Exec forms with odd spacing (`CMD [ "a" ,"b" ]`, `ENTRYPOINT["x"]`), shell forms turned into `["sh","-c","..."]`."""
    style = draw(st.integers(0, 4))
    found = _where(doc, "CMD", "ENTRYPOINT", "RUN", "SHELL", "VOLUME")
    if not found:
        return _insert(doc, _in_stage(doc, draw, at_end=True), _instruction("CMD " + _json_text(["echo", "hi"], style)))
    index = draw(st.sampled_from(found))
    block = doc[index]
    if block.body:
        return doc
    flags, rest = _FLAGS.match(_logical(block)).groups()
    try:
        values = json.loads(rest) if rest.startswith("[") else None
    except ValueError:
        return doc
    if values is None:
        if block.keyword in ("SHELL", "VOLUME"):
            return doc
        values = [draw(st.sampled_from(["sh", "/bin/sh"])), "-c", rest]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return doc
    keyword = _split_keyword(block.head[0])[1]
    gap = draw(st.sampled_from([" ", "", "  "])) if block.keyword in ("CMD", "ENTRYPOINT") else " "
    return _put(doc, index, Block(block.keyword, (f"{keyword}{gap}{flags}{_json_text(values, style)}",)))


def onbuild(doc: Doc, draw: Draw) -> Doc:
    """An instruction prefixed with ONBUILD."""
    found = _where(doc, "RUN", "COPY", "ADD", "ENV", "WORKDIR", "USER", "CMD", "LABEL", "EXPOSE", "ENTRYPOINT")
    if not found:
        return _insert(doc, _in_stage(doc, draw), _instruction("ONBUILD RUN apt-get update && apt-get install -y make"))
    index = draw(st.sampled_from(found))
    block = doc[index]
    indent = _split_keyword(block.head[0])[0]
    return _put(
        doc,
        index,
        replace(block, keyword="ONBUILD", head=(f"{indent}ONBUILD {block.head[0].lstrip()}", *block.head[1:])),
    )


CONTINUATION_NOISE = (
    "    # a comment line inside",
    "#",
    "# a comment ending with an escape \\",
    "",
    "   ",
    "\t# tabbed comment",
)


def _continued(doc: Doc, draw: Draw) -> tuple[Doc, list[int]]:
    """Instructions spanning several lines; when there is none, a RUN split at ` && ` into continuation lines."""
    found = [i for i, b in enumerate(doc) if b.keyword and len(b.head) > 1]
    if found:
        return doc, found
    runs = [i for i in _shell_runs(doc) if len(doc[i].head) == 1 and " && " in doc[i].head[0]]
    if not runs:
        return doc, []
    index = draw(st.sampled_from(runs))
    pieces = doc[index].head[0].split(" && ")
    head = (
        tuple(f"{p} \\" for p in pieces[:1]) + tuple(f"    && {p} \\" for p in pieces[1:-1]) + (f"    && {pieces[-1]}",)
    )
    return _put(doc, index, replace(doc[index], head=head)), [index]


def continuation_comments(doc: Doc, draw: Draw) -> Doc:
    """Comment lines, blank lines and whitespace-only lines inside a line continuation."""
    doc, found = _continued(doc, draw)
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    head = doc[index].head
    at = draw(st.integers(1, len(head) - 1))
    noise = draw(st.sampled_from(CONTINUATION_NOISE))
    return _put(doc, index, replace(doc[index], head=head[:at] + (noise,) + head[at:]))


def empty_continuation(doc: Doc, draw: Draw) -> Doc:
    """`RUN \\` with the command on the next line, or a line holding only the escape inside a RUN."""
    runs = list(_shell_runs(doc))
    if not runs:
        return doc
    index = draw(st.sampled_from(runs))
    block = doc[index]
    if len(block.head) > 1 and draw(st.booleans()):
        at = draw(st.integers(1, len(block.head) - 1))
        return _put(doc, index, replace(block, head=block.head[:at] + ("    \\",) + block.head[at:]))
    indent, keyword, rest = _split_keyword(block.head[0])
    return _put(doc, index, replace(block, head=(f"{indent}{keyword} \\", f"    {rest}", *block.head[1:])))


NON_ASCII = (
    "# Ünïcödé — 日本語 ☃ 🐳",
    'LABEL description="Ça marche — 🐳" maintainer="José Ñúñez <jose@example.com>"',
    'ENV GREETING="héllo wörld"',
    "WORKDIR /opt/ñandú",
    'RUN echo "¡hola — 世界!" > /tmp/greeting',
    "COPY . /srv/données/",
    "ENV CHEMIN=/opt/café PATH=/opt/café/bin:$PATH",
    "RUN mkdir -p /données && cd /données && touch ✓",
)


def non_ascii(doc: Doc, draw: Draw) -> Doc:
    """Non-ASCII text in comments, LABEL and ENV values, paths, echo strings."""
    return _insert(doc, _in_stage(doc, draw), _instruction(draw(st.sampled_from(NON_ASCII))))


def lowercase(doc: Doc, draw: Draw) -> Doc:
    """Keywords in lower (or mixed) case: one instruction's, or all of them."""
    found = [i for i, b in enumerate(doc) if b.keyword]
    if not found:
        return doc
    style = draw(st.sampled_from([str.lower, str.capitalize]))
    chosen = found if draw(st.booleans()) else [draw(st.sampled_from(found))]
    for index in chosen:
        indent, keyword, _rest = _split_keyword(doc[index].head[0])
        first = f"{indent}{style(keyword)}" + doc[index].head[0][len(indent) + len(keyword) :]
        doc = _put(doc, index, replace(doc[index], head=(first, *doc[index].head[1:])))
    return doc


def extra_stage(doc: Doc, draw: Draw) -> Doc:
    """Another stage: one first that the final stage copies from (`COPY --from=extra0`), one after
    the final stage built on it, or `COPY --from=0`."""
    variant = draw(st.integers(0, 2))
    if variant == 0:
        name = _fresh(doc, "extra")
        doc = _insert(
            doc,
            _in_stage(doc, draw, at_end=True),
            _instruction(f"COPY --from={name} /artifact /usr/local/share/artifact"),
        )
        return _insert(
            doc,
            _first_from(doc),
            _instruction(f"FROM alpine:3.19 AS {name}"),
            _instruction("RUN echo built > /artifact"),
        )
    if variant == 1:
        starts = _where(doc, "FROM", single=True)
        if not starts:
            return doc
        final = starts[-1]
        words = doc[final].rest.split()
        if len(words) >= 3 and words[-2].lower() == "as":
            name = words[-1]
        else:
            name = _fresh(doc, "final")
            doc = _put(doc, final, _with_rest(doc[final], f"{doc[final].rest.rstrip()} AS {name}"))
        return doc + (_instruction(f"FROM {name} AS {_fresh(doc, 'test')}"), _instruction("RUN echo testing"))
    return _insert(
        doc, _in_stage(doc, draw, at_end=True), _instruction("COPY --from=0 /etc/os-release /tmp/os-release")
    )


def shell_bash(doc: Doc, draw: Draw) -> Doc:
    """`SHELL ["/bin/bash", "-c"]` and friends after a FROM."""
    shell = draw(
        st.sampled_from(
            [
                'SHELL ["/bin/bash", "-c"]',
                'SHELL ["/bin/bash","-o","pipefail","-c"]',
                'SHELL [ "/bin/sh", "-eux", "-c" ]',
            ]
        )
    )
    return _insert(doc, _in_stage(doc, draw), _instruction(shell))


def shell_powershell(doc: Doc, draw: Draw) -> Doc:
    """`SHELL ["powershell", ...]` or `SHELL ["cmd", "/S", "/C"]`, maybe with a RUN in that shell."""
    shell = draw(
        st.sampled_from(
            [
                """SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]""",
                'SHELL ["cmd", "/S", "/C"]',
            ]
        )
    )
    blocks = [_instruction(shell)]
    if draw(st.booleans()):
        blocks.append(_instruction("RUN Write-Host 'hello'; New-Item -ItemType Directory -Path C:\\app"))
    return _insert(doc, _in_stage(doc, draw), *blocks)


BAIT = (
    "RUN apt-get update && apt-get install -y curl",
    "RUN apt install -y git",
    "RUN apk add curl",
    "RUN pip install requests",
    "RUN npm install",
    "RUN yum install -y wget",
    "RUN sudo apt-get install -y vim",
    "RUN curl -fsSL https://example.com/install.sh | sh",
    "RUN useradd -m app",
    "RUN gem install bundler",
    "RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y gcc",
    "RUN apt-get update \\\n    # the tools\n    && apt-get install -y \\\n       curl \\\n\n       git",
    "RUN set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates; rm -rf /var/lib/apt/lists/*",
    "COPY . /app\nRUN pip install -r /app/requirements.txt",
    "COPY package.json ./\nRUN npm ci && npm cache clean --force",
    "RUN dnf install -y python3 && dnf clean all",
    "RUN cd /tmp && export X=1\nRUN echo $X",
    "ENTRYPOINT /app/start.sh",
    "CMD python app.py --port $PORT",
    "MAINTAINER Jane Doe <jane@example.com>",
    "ADD app.py /app/",
    "RUN apt-get update && apt-get install -y python3-pip && pip3 install flask",
    "USER root",
)


def transform_bait(doc: Doc, draw: Draw) -> Doc:
    """What the transforms act on (apt, apk, pip, npm, yum, sudo, pipes, shell-form CMD, MAINTAINER, ADD, USER root) inserted in a stage."""
    lines = draw(st.sampled_from(BAIT)).split("\n")
    blocks, current = [], []
    for line in lines:
        current.append(line)
        if not _continues(line) and not (len(current) > 1 and (not line.strip() or line.lstrip().startswith("#"))):
            blocks.append(_instruction(*current))
            current = []
    return _insert(doc, _in_stage(doc, draw), *blocks)


INVALID = (
    "RUNN apt-get update",  # unknown instruction
    "COPY",  # too few arguments
    "COPY app.py",
    "FROM",
    "WORKDIR",
    "USER",
    "ARG",
    "ENV =x",
    "MAINTAINER",
    "HEALTHCHECK --interval=5s",
    "HEALTHCHECK CMD",
    "ONBUILD ONBUILD RUN true",
    "ONBUILD FROM alpine",
    "COPY --bogus=1 a /b",
    "COPY --from=nowhere /x /x",
    "EXPOSE",
    "STOPSIGNAL",
    'CMD ["a", ',
    'ENV A="unclosed',
)
REFUSED = (
    "ENV NAME",  # ENV and LABEL need a value
    "LABEL name",
    'CMD ["a", 1]',  # JSON arrays of strings only
    "RUN " + "x" * 70000,  # a line over 64 KiB
)


def invalid_lines(doc: Doc, draw: Draw) -> Doc:
    """Lines BuildKit's parser reads but a build refuses (unknown instruction, too few arguments,
    bad flags, a stage named twice, `COPY --from` a later stage), or that its parser refuses."""
    variant = draw(st.integers(0, 3))
    if variant == 0:
        return _insert(doc, _in_stage(doc, draw), _instruction(draw(st.sampled_from(INVALID))))
    if variant == 1:
        return _insert(doc, _in_stage(doc, draw), _instruction(draw(st.sampled_from(REFUSED))))
    if variant == 2:  # the first stage's name used again, and copied from before it is defined
        name = _fresh(doc, "twice")
        return _insert(
            doc,
            _first_from(doc),
            _instruction(f"FROM alpine AS {name}"),
            _instruction("COPY --from=later / /"),
            _instruction(f"FROM busybox AS {name}"),
            _instruction("FROM scratch AS later"),
        )
    # a heredoc left unterminated, or its terminator followed by blanks
    found = [i for i, b in enumerate(doc) if b.body]
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    body = doc[index].body
    changed = body[:-1] if draw(st.booleans()) else body[:-1] + (body[-1] + " ",)
    return _put(doc, index, replace(doc[index], body=changed))


VARIABLE_LINES = (
    "EXPOSE $PORT",
    'VOLUME ["$DATA_DIR"]',
    "VOLUME /var/lib/data /var/log",
    "ADD ${RELEASE_URL} /tmp/release.tar.gz",
    "COPY --from=${BUILDER} /out /usr/local/bin/",
    "RUN apt-get update && apt-get install -y ${PACKAGES}",
    "ENV PATH=$PATH:/opt/tool/bin LANG=C.UTF-8",
    "HEALTHCHECK --interval=30s CMD curl -f http://localhost:$PORT/ || exit 1",
    "STOPSIGNAL SIGTERM",
    "ARG PORT=8080\nEXPOSE ${PORT}/tcp",
    "ENV HOME=/home/app\nWORKDIR $HOME\nCOPY --chown=app . .",
    "USER nobody\nRUN apt-get install -y curl",
    "WORKDIR relative/dir\nCOPY requirements.txt .\nRUN pip install -r requirements.txt",
)


def variables_everywhere(doc: Doc, draw: Draw) -> Doc:
    """Instructions with variables and relative paths: EXPOSE $PORT, VOLUME, ADD ${URL}, COPY --from=${STAGE}, a relative WORKDIR, USER before a RUN."""
    lines = draw(st.sampled_from(VARIABLE_LINES)).split("\n")
    return _insert(doc, _in_stage(doc, draw), *map(_instruction, lines))


def shell_styles(doc: Doc, draw: Draw) -> Doc:
    """A shell-form RUN's `&&` written as `;`, as continuation lines (with a comment line), under `set -eux;`, or inside `bash -c '...'`."""
    found = [i for i in _shell_runs(doc) if " && " in _logical(doc[i])]
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    keyword = _split_keyword(doc[index].head[0])[1]
    flags, command = _FLAGS.match(_logical(doc[index])).groups()
    parts = command.split(" && ")
    style = draw(st.integers(0, 3))
    if style == 0:
        head = (f"{keyword} {flags}" + "; ".join(parts),)
    elif style == 1:
        head = (
            (f"{keyword} {flags}{parts[0]} \\",)
            + tuple(f"    && {p} \\" for p in parts[1:-1])
            + ("    # the last one", f"    && {parts[-1]}")
        )
    elif style == 2:
        head = (f"{keyword} {flags}set -eux; " + " && ".join(parts),)
    else:
        if "'" in command:
            return doc
        head = (f"{keyword} {flags}bash -c '" + " && ".join(parts) + "'",)
    return _put(doc, index, replace(doc[index], head=head))


def split_run(doc: Doc, draw: Draw) -> Doc:
    """A one-line RUN `a && b` split into two consecutive RUNs."""
    found = [i for i in _shell_runs(doc) if len(doc[i].head) == 1 and " && " in doc[i].rest]
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    indent, keyword, rest = _split_keyword(doc[index].head[0])
    first, second = rest.split(" && ", 1)
    return (
        doc[:index]
        + (_instruction(f"{indent}{keyword} {first}"), _instruction(f"{indent}{keyword} {second}"))
        + doc[index + 1 :]
    )


def escape_backtick(doc: Doc, draw: Draw) -> Doc:
    """`# escape=`` ` with every continuation rewritten to the backtick (heredoc bodies and other
    backslashes kept); maybe Windows paths, whose `\\` then stays literal."""
    if any(b.keyword == "" and re.match(r"#\s*escape\s*=", b.head[0], re.I) for b in doc):
        return doc
    if any(line.rstrip(" \t").endswith("`") for b in doc for line in b.head):
        return doc  # a backtick at the end of a line would become a continuation
    out = []
    for block in doc:
        if block.keyword:
            head = tuple(
                line if line.lstrip().startswith("#") or not _continues(line) else re.sub(r"\\([ \t]*)$", r"`\1", line)
                for line in block.head
            )
            block = replace(block, head=head)
        out.append(block)
    doc = (Block("", ("# escape=`",)), *out)
    if draw(st.booleans()):
        doc = _insert(
            doc, _in_stage(doc, draw), _instruction("WORKDIR C:\\app"), _instruction("ENV TOOLS=C:\\tools\\bin")
        )
    return doc


def trailing_whitespace(doc: Doc, draw: Draw) -> Doc:
    """Spaces or tabs at the end of some instruction lines (never heredoc lines)."""
    found = [i for i, b in enumerate(doc) if b.keyword]
    if not found:
        return doc
    for index in draw(st.lists(st.sampled_from(found), min_size=1, max_size=4)):
        block = doc[index]
        at = draw(st.integers(0, len(block.head) - 1))
        blank = draw(st.sampled_from([" ", "\t", "  "]))
        doc = _put(doc, index, replace(block, head=block.head[:at] + (block.head[at] + blank,) + block.head[at + 1 :]))
    return doc


def tabs(doc: Doc, draw: Draw) -> Doc:
    """A tab between keyword and arguments, tab-indented continuation lines."""
    found = [i for i, b in enumerate(doc) if b.keyword]
    if not found:
        return doc
    index = draw(st.sampled_from(found))
    block = doc[index]
    indent, keyword, rest = _split_keyword(block.head[0])
    head = (f"{indent}{keyword}\t{rest}",) + tuple("\t" + line.lstrip(" ") for line in block.head[1:])
    return _put(doc, index, replace(block, head=head))


def crlf(text: str, draw: Draw) -> str:
    """CRLF line endings, everywhere."""
    return text.replace("\n", "\r\n")


def mixed_crlf(text: str, draw: Draw) -> str:
    """CRLF on every n-th line only."""
    if "\r\n" in text:
        return text
    step, offset = draw(st.integers(2, 4)), draw(st.integers(0, 3))
    lines = text.split("\n")
    return "\n".join(
        line + ("\r" if n % step == offset % step and n < len(lines) - 1 else "") for n, line in enumerate(lines)
    )


def no_final_newline(text: str, draw: Draw) -> str:
    """No newline at the end of the file."""
    return text.rstrip("\n")


def bom(text: str, draw: Draw) -> str:
    """A UTF-8 byte order mark first."""
    return "\ufeff" + text


MUTATIONS = (
    Mutation("quoted_workdir", quoted_workdir),
    Mutation("variable_workdir", variable_workdir),
    Mutation("copy_destination", copy_destination),
    Mutation("user_variants", user_variants),
    Mutation("variable_from", variable_from),
    Mutation("global_args", global_args),
    Mutation("heredoc_run", heredoc_run),
    Mutation("heredoc_insert", heredoc_insert),
    Mutation("json_forms", json_forms),
    Mutation("onbuild", onbuild),
    Mutation("continuation_comments", continuation_comments),
    Mutation("empty_continuation", empty_continuation),
    Mutation("non_ascii", non_ascii),
    Mutation("lowercase", lowercase),
    Mutation("extra_stage", extra_stage),
    Mutation("shell_bash", shell_bash),
    Mutation("shell_powershell", shell_powershell),
    Mutation("transform_bait", transform_bait),
    Mutation("invalid_lines", invalid_lines),
    Mutation("split_run", split_run),
    Mutation("variables_everywhere", variables_everywhere),
    Mutation("shell_styles", shell_styles),
    Mutation("escape_backtick", escape_backtick, phase=1),  # after every mutation that writes continuations
    Mutation("trailing_whitespace", trailing_whitespace, phase=1),
    Mutation("tabs", tabs, phase=1),
    Mutation("no_final_newline", no_final_newline, phase=2),
    Mutation("crlf", crlf, phase=2),
    Mutation("mixed_crlf", mixed_crlf, phase=2),
    Mutation("bom", bom, phase=2),
)


# --------------------------------------------------------------------------- the strategy


@dataclass(frozen=True)
class Mutated:
    source: str  # the name of the file mutated
    mutations: tuple[str, ...]  # in the order applied
    text: str
    context: Path | None = None  # its build context, for a fixture case that has one

    def describe(self) -> str:
        return f"{self.source} mutated by {', '.join(self.mutations) or 'nothing'}:\n{self.text}"

    def __repr__(self) -> str:
        return f"Mutated({self.source!r}, {self.mutations!r}, {len(self.text)} characters)"


class Pool(tuple):
    """The seed files, with a short repr (hypothesis prints the strategy's arguments)."""

    def __repr__(self) -> str:
        return f"Pool({len(self)} files)"


@cache
def seed_blocks(path: Path) -> Doc | None:
    """A seed file as blocks (LF, no BOM: the mutations add them back); None for a file with an
    escape directive or one BuildKit refuses."""
    text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    if re.match(r"(#[^\n]*\n)*#\s*escape\s*=", text, re.I):
        return None  # the blocks assume `\` as the escape
    return blocks_of(text)


def pool_of(paths: Sequence[Path]) -> Pool:
    """The files that can seed the fuzzer (BuildKit parses them, escape `\\`), smallest first:
    hypothesis shrinks towards the start of the list."""
    usable = [p for p in paths if seed_blocks(p)]
    return Pool(sorted(usable, key=lambda p: (p.stat().st_size, p.name)))


@st.composite
def mutated_files(draw: Draw, pool: Sequence[Path], max_mutations: int = 6) -> Mutated:
    path = draw(st.sampled_from(pool))
    doc = seed_blocks(path)
    assert doc is not None
    # instructions dropped (never the first FROM, and only among the first 80, to keep the
    # choices of a long file within hypothesis' budget): about one in ten while generating,
    # and as many as shrinking can
    droppable = [i for i, b in enumerate(doc) if b.keyword and i != _first_from(doc)][:80]
    keep = draw(st.lists(st.integers(0, 9), min_size=len(droppable), max_size=len(droppable)))
    dropped = {i for i, k in zip(droppable, keep, strict=True) if k == 0}
    doc = tuple(b for i, b in enumerate(doc) if i not in dropped)
    count = draw(st.sampled_from(range(max_mutations + 1)))  # shrinks to none, yet is rarely none (unlike st.lists)
    chosen = [draw(st.sampled_from(MUTATIONS)) for _ in range(count)]
    order = [m for m in chosen if m.phase == 0] + sorted({m for m in chosen if m.phase}, key=MUTATIONS.index)
    text = None
    for mutation in order:
        if mutation.phase < 2:
            doc = mutation.apply(doc, draw)
        else:
            text = mutation.apply(text if text is not None else render(doc), draw)
    context = path.parent if path.name == "Dockerfile" else None  # fixtures/<module>/<case>/Dockerfile
    source = f"{path.parent.name}/{path.name}" if context else path.name
    return Mutated(source, tuple(m.name for m in order), text if text is not None else render(doc), context)
