"""rpm-assume-yes (DO208): yum, dnf, microdnf and zypper answer yes without asking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import RPM_MANAGERS, find, rpm_action
from ..syntax import Dockerfile
from ..transform import WARNING, transform

_DNF_PROMPTING = frozenset(
    {
        "install",
        "in",
        "groupinstall",
        "localinstall",
        "reinstall",
        "rei",
        "upgrade",
        "up",
        "update",
        "remove",
        "rm",
        "erase",
        "downgrade",
        "distro-sync",
        "autoremove",
        "swap",
        "group install",
        "group remove",
        "group upgrade",
        "group update",
        "module install",
        "module enable",
        "module disable",
        "module reset",
        "module remove",
    }
)
PROMPTING = {
    "yum": _DNF_PROMPTING | {"groupupdate", "groupremove", "groupupgrade"},
    "dnf": _DNF_PROMPTING,
    "microdnf": _DNF_PROMPTING,
    # zypper's own -y (--no-confirm) is an option of these commands only
    "zypper": frozenset({"install", "in", "remove", "rm", "update", "up", "patch", "dist-upgrade", "dup"}),
}
# zypper's source-install has no -y: it gets the global --non-interactive
ZYPPER_GLOBAL_ONLY = frozenset({"source-install", "si"})


@transform(
    code="DO208",
    name="rpm-assume-yes",
    hadolint=("DL3030", "DL3038", "DL3034"),
    applicability=Applicability.SAFE,
    severity=WARNING,
)
def rpm_assume_yes(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """yum, dnf, microdnf and zypper answer yes without asking.

    ## What it does
    Adds `-y` right after the action of `yum`, `dnf` and `microdnf` commands that ask
    before they change packages (`install`, `groupinstall`, `localinstall`, `reinstall`,
    `update`, `upgrade`, `remove`, `erase`, `downgrade`, `distro-sync`, `autoremove`,
    `group install`, `module enable`, ...) when they have neither `-y` nor `--assumeyes`,
    wherever the option is written (`dnf -y install` already has it).

    `zypper install`, `remove`, `update`, `patch` and `dist-upgrade` get `-y` (their
    `--no-confirm`) after the subcommand when they have none of the global `-n` /
    `--non-interactive` or `-y` / `--no-confirm`. `zypper source-install` has no `-y`:
    it gets the global `--non-interactive` before the subcommand.

    ## Why
    A build has no one to answer "Is this ok [y/N]": without `-y`, dnf and yum read the
    end of input as "no" and abort, and the build fails. zypper, too, stops to ask unless
    it is told that it runs without a user.

    ## Example
    ```Dockerfile
    RUN dnf install httpd && dnf clean all
    ```
    becomes
    ```Dockerfile
    RUN dnf install -y httpd && dnf clean all
    ```

    ## Fix safety
    Safe: the command does what it would do if someone answered yes, and a build that
    worked before does the same. `-y` is a global option of yum, dnf and microdnf (old
    microdnf accepts it and always assumes yes). Commands with `--assumeno` or an
    `assumeyes` setting (`--setopt=assumeyes=...`), and commands whose subcommand (or an
    option before it) is an expansion, are left alone.
    """
    for invocation in find(df, RPM_MANAGERS):
        action = rpm_action(invocation)
        if action is None:
            continue
        name, word = action
        before = replace(invocation, words=invocation.words[: invocation.sub_index])
        if invocation.manager == "zypper":
            if before.has_option("-n", "--non-interactive") or invocation.has_option("-y", "--no-confirm"):
                continue
            if name in ZYPPER_GLOBAL_ONLY:
                edit = Edit.insert(invocation.program.span.end, " --non-interactive")
            elif name in PROMPTING["zypper"]:
                edit = Edit.insert(word.span.end, " -y")
            else:
                continue
        else:
            if name not in PROMPTING[invocation.manager]:
                continue
            if invocation.has_option("-y", "--assumeyes", "--assumeno"):
                continue
            if any(v.replace(" ", "").lower().startswith("assume") for v in invocation.option_values("--setopt")):
                continue
            edit = Edit.insert(word.span.end, " -y")
        span = invocation.command.span
        yield Finding(
            f"{invocation.manager} {name} without -y aborts when it has to ask",
            span.start,
            span.end,
            Fix((edit,), Applicability.SAFE),
        )
