"""non-root-user (DO301): the final stage runs as a dedicated non-root user."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..context import Context
from ..copies import entry_script
from ..fix import Applicability, Edit, Finding, Fix
from ..images import Base, is_root
from ..model import base_of, chain, join, new_run_blocker, runs_as_root, user_at, volumes, workdir_at
from ..model import destination as copy_destination
from ..packages import unwrapped
from ..runs import style_of
from ..stacks.common import path_operands, stage_commands
from ..syntax import Dockerfile, Instruction, Stage
from ..transform import WARNING, Option, transform
from ..users import created_users, owners

# the user it creates: `[tool.dockopt.non-root-user]` may set `uid`, `gid` (default: the uid) and `name`
UID = 10001
NAME = "app"
MAX_ID = 2**31 - 1  # uid and gid: signed 32 bits, which every tool (and Kubernetes) takes
_USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")  # shadow's NAME_REGEX, and at most 32 characters


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return f"must be an integer from 1 to {MAX_ID} (0 is root)"
    return None


def _name(value: Any) -> str | None:
    if not isinstance(value, str) or not _USER_NAME.fullmatch(value) or value == "root":
        return (
            "must be a user name of lowercase letters, digits, '_' and '-', not starting with a digit or '-', "
            "at most 32 characters, and not root"
        )
    return None


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


LOW_PORTS = "unprivileged-low-ports"
OPTIONS = (
    Option("uid", UID, _id),
    Option("gid", None, _id, "the uid"),
    Option("name", NAME, _name),
    Option(LOW_PORTS, False, _flag),
)
NUMERIC_ONLY = 65532  # distroless's "nonroot", used where no user can be created

# Programs that need root at run time, or switch users themselves.
_ROOT_PROGRAMS = re.compile(
    r"(?<![\w.-])(supervisord|systemd|/sbin/init|my_init|runsvdir|s6-svscan|cron|crond|sshd|dockerd|gosu|su-exec|"
    r"setpriv|runuser|chroot|nginx|apache2|apache2ctl|apachectl|httpd|haproxy|varnishd|postfix|dovecot|"
    r"iptables|sysctl|modprobe|service)(?![\w.-])"
)
_INIT_PATH = re.compile(r"(^|[\s\"'\[,])/init(?=$|[\s\"',\]])")
# What an entrypoint script does when it starts as root on purpose.
_SCRIPT_NEEDS_ROOT = re.compile(
    r"(?<![\w.-])(gosu|su-exec|setpriv|runuser|chown|chroot|su|setcap|sysctl|mount|iptables)(?![\w.-])"
)
_SYSTEM_DIRS = frozenset(
    "/ /bin /boot /dev /etc /home /lib /lib64 /media /mnt /proc /root /run /sbin /sys /tmp /usr /usr/bin "
    "/usr/lib /usr/local /usr/local/bin /usr/local/lib /usr/sbin /usr/share /var /var/cache "
    "/var/lib /var/log /var/run /var/tmp".split()
)


@dataclass(frozen=True)
class _Ids:
    """The user to create, and its group (of the same name)."""

    uid: int = UID
    gid: int = UID
    name: str = NAME

    @staticmethod
    def of(context: Context) -> _Ids:
        options = context.options.of_transform("non-root-user")
        uid = int(options.get("uid", UID))
        return _Ids(uid, int(options.get("gid", uid)), str(options.get("name", NAME)))


@dataclass(frozen=True)
class _User:
    value: str  # what USER names: "10001:10001", "app", ...
    owner: str | None  # what chown/--chown give the writable directories ("10001:10001"), None: nothing
    create: tuple[str, ...]  # the commands that create the user (none when it exists or cannot be made)
    note: str = ""  # what the finding adds about where the user comes from
    pin: Edit | None = None  # the uid given to the Dockerfile's own useradd / adduser


@transform(
    code="DO301",
    name="non-root-user",
    hadolint=("DL3002",),
    applicability=Applicability.UNSAFE,
    severity=WARNING,
    config_changes=("User",),
    options=OPTIONS,
)
def non_root_user(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """The final stage runs as a dedicated non-root user.

    ## What it does
    When the final stage runs as root (no `USER`, or a last `USER root`), it adds a `USER`
    after the stage's last RUN, so that the build keeps root and the container does not:

    - on Debian, Ubuntu, RHEL, Fedora, SUSE and Arch bases it first creates a user and a
      group `app` with the fixed id 10001 (`groupadd`, `useradd --no-log-init`; the
      configuration may choose another uid, gid and name: `[tool.dockopt.non-root-user]`);
    - on Alpine it uses BusyBox's `addgroup -S` / `adduser -S -D`, and on BusyBox the
      same when the image has those applets, else it writes the user's lines into
      /etc/passwd and /etc/group itself;
    - on a base it does not know, but that runs RUN with a shell, the RUN picks whichever
      of the two exists;
    - on `scratch`, the images without a shell (distroless, chiseled, Chainguard, ...:
      see `dockopt.images`) and the minimal UBI images, where no user can be created, it
      names the numeric user 65532 (distroless's `nonroot`) and creates nothing;
    - where the Dockerfile creates a user itself (`useradd kube`, `adduser -D app`,
      `adduser --system svc`, in the stage or a stage it is built on) and never switches
      to it, it uses that user instead of adding one, and says so, by its uid (`USER
      1001`, no group: Docker then gives the process the user's own groups): the one the
      command gives (`useradd -u 1001 kube`), else the configured uid (10001), which it
      adds to the command (`useradd --uid 10001 kube`, BusyBox's `adduser -u 10001 -D
      app`). A uid from a variable (`useradd -u $UID`) is one a build argument may change:
      then it changes nothing and says why. When the
      Dockerfile creates several users, it takes the one that owns the final WORKDIR (a
      `chown` of a RUN, of the WORKDIR, a directory inside it or one it is in) or the
      copied files (`COPY --chown=`); when that singles out none, or more than one, it
      changes nothing and names the users. A user named by a build argument without a
      default is not seen, and the user `app` is added as elsewhere;
    - on a base that ships a non-root user (node's `node`, .NET 8's `app` 1654) it uses
      that user's id, and
      where the Dockerfile switched to root after an earlier non-root `USER`, it switches
      back to that one.

    `USER` names the numeric `UID:GID` (Kubernetes' `runAsNonRoot` can only verify a
    number, and hadolint's DL3066 flags names). What the application must be able to
    write is given to the user: its final `WORKDIR`, its `VOLUME`s and the directories its
    RUNs make with `mkdir` (`mkdir -p /documents`; not those under `/etc`, `/usr`, `/run`
    and the other system trees, nor `/tmp`) are created and
    `chown`ed (not recursively) in the RUN that creates the user, and the stage's COPY and
    ADD into them get `--chown` (with no RUN where none may be added: see below).

    ## Why
    A process running as root in a container is root on the files it can reach, and one
    container escape away from root on the host. Most images need root only to install
    things, not to run.

    ## Example
    ```Dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    RUN pip install --no-cache-dir flask
    COPY . .
    CMD ["python", "app.py"]
    ```
    becomes
    ```Dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    RUN pip install --no-cache-dir flask
    RUN groupadd --gid 10001 app \\
        && useradd --no-log-init --uid 10001 --gid 10001 --create-home app \\
        && mkdir -p /app && chown 10001:10001 /app
    USER 10001:10001
    COPY --chown=10001:10001 . .
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    Unsafe: the application may write where only root can (`/var/run`, files created by a
    RUN), read root's home, or need a capability. It does nothing, and says why, when the
    image needs root:

    - it EXPOSEs a port below 1024 and no port from 1024 up (the kernel lets only root
      bind those by default). The option `unprivileged-low-ports = true`
      (`[tool.dockopt.non-root-user]`) says the runtime lets any user bind them:
      Docker 20.10 and later set the sysctl `net.ipv4.ip_unprivileged_port_start=0` in
      each container's network namespace, and containerd 2.0 and later in each
      Kubernetes pod; then such a stage gets its user too, and the finding says so. The
      risk: where that sysctl is not set (CRI-O and so OpenShift by default, containerd
      before 2.0, Docker before 20.10, podman 4.3 without `--sysctl`, a container on the
      host network) the server gets "permission denied" on its port and the container
      exits at start. Off by default;
    - its CMD or ENTRYPOINT runs an init system or supervisor (`supervisord`, `systemd`,
      `/sbin/init`, s6's `/init`, `my_init`, `runsvdir`), a service that starts as root
      (`sshd`, `cron`, `nginx`, `apache2`, `httpd`, `dockerd`, `service ...`), or switches
      user itself (`gosu`, `su-exec`);
    - it is Docker-in-Docker (a `dind` base image);
    - its entrypoint script, read from the build context, switches user or changes owners
      (`gosu`, `su-exec`, `chown`, `su`, ...);
    - the base image's own entrypoint starts as root and drops privileges itself
      (postgres, redis, mysql, ...), or its service listens on port 80 (nginx, httpd, ...;
      whatever `unprivileged-low-ports` says: their servers also write where only root can);
    - a user must be created and no RUN may be added (below);
    - the USER in force is an expansion (`USER $APP_USER`).

    Never a RUN where the image may have no shell. A RUN runs `/bin/sh -c`, and many
    runtime images have none: every .NET `*-chiseled*` and `*-distroless*` image
    (`mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled`, `FROM $REPO:8.0-jammy-chiseled`
    with `ARG REPO=mcr.microsoft.com/dotnet/runtime-deps`), Azure Linux's and Google's
    distroless (their `debug` tags too: BusyBox is in `/busybox`), Chainguard's images
    without `-dev`, Docker's hardened runtime images, `scratch`; dockopt cannot tell for a
    `-static` tag, ubi-micro, an image it does not know, or a `FROM $REPO:...` whose ARG has
    no default. It adds a RUN only where the image is known to have `/bin/sh`, or a RUN in
    shell form that the stage (or a stage it is built on) already has shows that its shell
    is there. Elsewhere it only sets a numeric `USER` (scratch, distroless: nothing to
    create), or, when a user would have to be created, changes nothing and says why:
    "the base image myorg/app:1.0 may have no shell (cannot tell: ...), so no RUN can
    create a user".

    Nothing is done, and nothing is reported, for Windows images, or when the final stage
    already runs as non-root (through its own `USER`, one inherited from an earlier stage,
    or the base image's: .NET's chiseled and distroless images run as `app`, 1654;
    distroless `nonroot` tags and Chainguard's images as 65532): there is nothing to
    change, and a finding that says so would only be noise in `dockopt check` (hadolint's
    DL3002 is silent there too).

    hadolint: DL3066 reports a `USER` that names a user instead of a number. Where the
    Dockerfile switched to a user of its own and back to root (`USER laradock` ... `USER
    root`), the stage goes back to that user under the name the file gives it, and the
    finding is the one the file's own `USER` lines have. The number is seldom known (a
    build argument, `useradd -u ${PUID}`, can change it; the user may come from the base
    image, or from `adduser --system`), and `USER uid:gid` would lose the user's
    supplementary groups, which Docker only adds when `USER` names no group.
    """
    if not df.stages:
        return
    stage = df.stages[-1]
    base = base_of(df, stage)
    if base.family == "windows":
        return
    user = user_at(df, stage)
    if user is not None and is_root(user) is not True:
        return
    if user is None and base.configured_user is not None:
        return
    anchor = _anchor(stage)
    at = anchor.span
    low_ports = bool(context.options.of_transform("non-root-user").get(LOW_PORTS, False))
    why = _needs_root(df, stage, base, context, low_ports)
    if why is not None:
        yield Finding(f"the final stage runs as root; not changed: {why}", at.start, at.end)
        return
    blocker = new_run_blocker(df, stage)
    chosen = _choose_user(df, stage, base, _Ids.of(context), blocker)
    if isinstance(chosen, str):
        yield Finding(f"the final stage runs as root; not changed: {chosen}", at.start, at.end)
        return
    if chosen is None:
        yield Finding(
            f"the final stage runs as root; not changed: {blocker}, so no RUN can create a user", at.start, at.end
        )
        return
    edits = _edits(df, stage, anchor, chosen, blocker is None)
    if chosen.pin is not None:
        edits.append(chosen.pin)
    low = _low_port(df, stage) if low_ports else None
    if low is not None:
        chosen = replace(
            chosen,
            note=f"{chosen.note}; it listens on port {low}: {LOW_PORTS} says the runtime lets any user bind it",
        )
    yield Finding(
        f"the final stage runs as root: run it as {chosen.value}{chosen.note}",
        at.start,
        at.end,
        Fix(tuple(edits), Applicability.UNSAFE),
    )


def _anchor(stage: Stage) -> Instruction:
    """The last instruction that needs root: the last RUN (or USER) of the stage, else its FROM."""
    anchor = stage.from_instruction
    for instruction in stage.instructions:
        if instruction.command in ("RUN", "USER"):
            anchor = instruction
    return anchor


def _members(df: Dockerfile, stage: Stage) -> list[Instruction]:
    return [i for member in chain(df, stage) for i in member.instructions if i.sub is None]


def _needs_root(df: Dockerfile, stage: Stage, base: Base, context: Context, low_ports: bool) -> str | None:
    members = _members(df, stage)
    low = _low_port(df, stage)
    if low is not None and not low_ports:
        return f"it exposes port {low}, which only root can bind (unless the runtime lets any user bind it: set non-root-user.{LOW_PORTS})"
    entry = [i for i in members if i.command in ("CMD", "ENTRYPOINT")]
    for instruction in entry:
        text = " ".join(instruction.json_args) if instruction.json_args is not None else instruction.args
        found = _ROOT_PROGRAMS.search(text) or _INIT_PATH.search(text)
        if found:
            return f"its {instruction.command} runs {found.group(0).strip(' ' + chr(34) + chr(39) + '[,')}, which needs root"
    script = entry_script(df, stage, context)
    if script is not None:
        name, content = script
        found = _SCRIPT_NEEDS_ROOT.search(_code_only(content))
        if found:
            return f"its entrypoint script {name} runs {found.group(0)}, which needs root"
    if base.image is not None and "dind" in f"{base.image.path}:{base.image.tag or ''}":
        return "Docker-in-Docker needs root"
    if base.drops_root and not any(i.command == "ENTRYPOINT" for i in members):
        return f"the entrypoint of {base.image.name if base.image else 'the base image'} switches to its own user"
    if base.privileged_service and not entry:
        return (
            f"the service of {base.image.name if base.image else 'the base image'} listens on a port only root can bind"
        )
    return None


def _low_port(df: Dockerfile, stage: Stage) -> int | None:
    """The lowest port the stage exposes when all its ports are below 1024 (only root may bind them)."""
    ports = [port for i in _members(df, stage) if i.command == "EXPOSE" for port in _ports(i)]
    if any(p < 1024 for p in ports) and not any(p >= 1024 for p in ports):
        return min(ports)
    return None


def _ports(instruction: Instruction) -> list[int]:
    found = []
    for word in instruction.words():
        match = re.fullmatch(r"(\d+)(?:-(\d+))?(?:/\w+)?", word)
        if match:
            found.append(int(match.group(1)))
    return found


def _code_only(script: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in script.splitlines() if not line.lstrip().startswith("#"))


def _choose_user(df: Dockerfile, stage: Stage, base: Base, user: _Ids, blocker: str | None) -> _User | str | None:
    """The user to run as; None when it would have to be created and no RUN can be added;
    why not, when the Dockerfile creates several users and none is the application's."""
    earlier = _earlier_user(df, stage)
    if earlier is not None:
        owner = earlier if re.fullmatch(r"\d+(:\d+)?", earlier) else None
        return _User(earlier, owner, ())
    if base.configured_user is not None:
        return _User(base.configured_user, base.configured_user, ())
    created = _created_user(df, stage, base, user)
    if created is not None:
        return created
    if base.shipped_user is not None:
        _, uid, gid = base.shipped_user
        return _User(f"{uid}:{gid}", f"{uid}:{gid}", ())
    ids = f"{user.uid}:{user.gid}"
    family = base.family
    if family in ("scratch", "distroless", "minimal"):
        numeric = f"{NUMERIC_ONLY}:{NUMERIC_ONLY}"
        return _User(numeric, numeric, ())
    if blocker is not None:
        return None
    if family in ("debian", "rhel", "suse", "arch"):
        return _User(ids, ids, _shadow_commands(user))
    if family == "alpine":
        return _User(ids, ids, _busybox_commands(user))
    if family == "busybox":
        # BusyBox builds without the adduser applet (Debian's busybox-static) get the lines themselves
        busybox = " && ".join(_busybox_commands(user))
        name = user.name
        files = (
            f"echo '{name}:x:{user.gid}:' >> /etc/group"
            f" && echo '{name}:x:{user.uid}:{user.gid}::/home/{name}:/bin/sh' >> /etc/passwd"
            f" && mkdir -p /home/{name} && chown {ids} /home/{name}"
        )
        return _User(ids, ids, (f"if command -v adduser >/dev/null 2>&1; then {busybox}; else {files}; fi",))
    # a base it does not know, whose RUNs show a shell: whichever tool it has
    shadow = " && ".join(_shadow_commands(user))
    busybox = " && ".join(_busybox_commands(user))
    return _User(ids, ids, (f"if command -v useradd >/dev/null 2>&1; then {shadow}; else {busybox}; fi",))


def _created_user(df: Dockerfile, stage: Stage, base: Base, ids: _Ids) -> _User | str | None:
    """A user the Dockerfile creates (in the stage or a stage it is built on) and never
    switches to: the only one, else the one that owns the WORKDIR or the copied files; why
    not, when that does not single one out or its uid comes from a variable. A user created
    without a uid gets the configured one (`useradd --uid 10001 kube`), so that USER can
    name a number."""
    users = [u for u in created_users(df, stage).users if is_root(u.name) is False]
    if not users:
        return None
    if len(users) > 1:
        workdir = workdir_at(df, stage, None)
        owning = owners(df, stage, workdir) if workdir is not None else set()
        for instruction in _members(df, stage):
            if instruction.command in ("COPY", "ADD") and instruction.flag_values("chown"):
                owning.add(instruction.flag_values("chown")[-1].split(":", 1)[0])
        chosen = [u for u in users if u.name in owning or (u.uid is not None and u.uid in owning)]
        if len(chosen) != 1:
            names = ", ".join(u.name for u in users)
            which = "none of them" if not chosen else "more than one"
            return (
                f"the Dockerfile creates the users {names}, and {which} owns the WORKDIR or the copied files: "
                "dockopt does not guess which one the application runs as (say it with USER)"
            )
        users = chosen
    (found,) = users
    where = f"the RUN on line {found.run.start_line}"
    if found.uid is not None:
        value, pin, how = found.uid, None, ""
    elif found.uid_given:
        return f"{where} creates the user {found.name} with a uid from a variable, which USER cannot name by number"
    else:
        taken = {u.uid for u in created_users(df, stage).users}
        if str(ids.uid) in taken:
            return f"uid {ids.uid} is taken by another user the Dockerfile creates, and {found.name} has none"
        value = str(ids.uid)
        busybox = base.family in ("alpine", "busybox") and os.path.basename(found.program.value or "") == "adduser"
        option = f" -u {ids.uid}" if busybox else f" --uid {ids.uid}"
        pin, how = Edit.insert(found.program.span.end, option), f", given the uid {ids.uid}"
    note = f" ({found.name}, the user that {where} creates{how}; no new user is added)"
    return _User(value, value, (), note, pin)


def _shadow_commands(user: _Ids) -> tuple[str, ...]:
    return (
        f"groupadd --gid {user.gid} {user.name}",
        f"useradd --no-log-init --uid {user.uid} --gid {user.gid} --create-home {user.name}",
    )


def _busybox_commands(user: _Ids) -> tuple[str, ...]:
    return (f"addgroup -S -g {user.gid} {user.name}", f"adduser -S -D -u {user.uid} -G {user.name} {user.name}")


def _earlier_user(df: Dockerfile, stage: Stage) -> str | None:
    """The last non-root USER before the stage switched back to root, if any."""
    found = None
    for instruction in _members(df, stage):
        if instruction.command == "USER" and instruction.args:
            value = instruction.args.strip()
            if is_root(value) is False:
                found = value
    return found


def _writable(df: Dockerfile, stage: Stage) -> list[str]:
    """The final WORKDIR, the VOLUMEs and the directories the stage's RUNs make with `mkdir`
    outside the system's own trees: the directories the application writes to (as root it
    could write to all of them)."""
    found: list[str] = []
    workdir = workdir_at(df, stage, None)
    set_here = any(i.command == "WORKDIR" for i in _members(df, stage))  # not the image's own
    if workdir is not None and set_here and workdir not in _SYSTEM_DIRS:
        found.append(workdir)
    for instruction in _members(df, stage):
        if instruction.command != "VOLUME":
            continue
        for normal in volumes(df, instruction):
            if normal is not None and normal not in _SYSTEM_DIRS and normal not in found:
                found.append(normal)
    found += [made for made in _made_directories(df, stage) if made not in found]
    return found


# trees whose directories belong to the system (an sshd privilege-separation directory, a
# configuration directory): a directory made there is not given to the user
_SYSTEM_TREES = ("/etc", "/usr", "/run", "/var/run", "/proc", "/sys", "/dev", "/boot", "/bin", "/sbin", "/lib", "/root")


def _made_directories(df: Dockerfile, stage: Stage) -> list[str]:
    """The directories the stage's RUNs make with `mkdir` (literal operands, resolved against
    the directory the command runs in), but system ones."""
    found: list[str] = []
    for _run, command, cwd in stage_commands(df, stage) or []:
        words = unwrapped(command) if command.kind == "simple" else None
        if not words or words[0].value is None or os.path.basename(words[0].value) != "mkdir":
            continue
        unknown = "\0"  # a word that expands: left out
        for operand in path_operands("mkdir", [unknown if w.value is None else w.value for w in words[1:]]):
            made = join(cwd, operand) if operand != unknown else None
            if made is None or made in _SYSTEM_DIRS or made.startswith(tuple(t + "/" for t in _SYSTEM_TREES)):
                continue
            if made.startswith("/tmp/") or made in found:
                continue
            found.append(made)
    return found


def _keyword(anchor: Instruction, word: str) -> str:
    return word.lower() if anchor.keyword.islower() else word


def _edits(df: Dockerfile, stage: Stage, anchor: Instruction, user: _User, can_run: bool) -> list[Edit]:
    newline = df.newline_at(anchor.span.start)
    lines: list[str] = []
    writable = _writable(df, stage) if user.owner is not None else []
    commands = list(user.create)
    if writable and can_run:
        joined = " ".join(shlex.quote(path) for path in writable)
        commands.append(f"mkdir -p {joined} && chown {user.owner} {joined}")
    if commands:
        joint = style_of(df).joint(df.escape, newline)
        lines.append(_keyword(anchor, "RUN") + " " + joint.join(commands))
    lines.append(f"{_keyword(anchor, 'USER')} {user.value}")
    if anchor.command == "USER" and (not user.create or runs_as_root(df, stage, anchor) is not False):
        # the stage's last word was `USER root`: say the new user there instead
        return [
            Edit(anchor.span.start, anchor.code_end, newline.join(lines)),
            *_chown_copies_for(df, stage, user, writable),
        ]
    at = anchor.span.end
    if df.text[:at].endswith("\n"):
        edits = [Edit.insert(at, "".join(line + newline for line in lines))]
    else:
        edits = [Edit.insert(at, "".join(newline + line for line in lines))]
    return edits + _chown_copies_for(df, stage, user, writable)


def _chown_copies_for(df: Dockerfile, stage: Stage, user: _User, writable: list[str]) -> list[Edit]:
    if not writable or user.owner is None:
        return []
    return _chown_copies(df, stage, writable, user.owner)


def _chown_copies(df: Dockerfile, stage: Stage, writable: list[str], owner: str) -> list[Edit]:
    """--chown for the stage's COPY and ADD into the writable directories."""
    edits = []
    for instruction in stage.instructions:
        if instruction.command not in ("COPY", "ADD") or instruction.flag("chown") is not None or instruction.heredocs:
            continue
        destination = copy_destination(df, instruction)
        if destination is None:
            continue
        if any(destination == d or destination.startswith(d.rstrip("/") + "/") for d in writable):
            edits.append(Edit.insert(instruction.keyword_span.end, f" --chown={owner}"))
    return edits
