"""rpm-no-weak-deps (DO210): dnf, yum, microdnf and zypper install only what was asked for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import image_reference
from ..packages import RPM_MANAGERS, Invocation, find, ran_before, rpm_action
from ..shell import Word
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

INSTALLS = {
    "dnf": frozenset({"install", "in", "localinstall", "groupinstall", "group install"}),
    "zypper": frozenset({"install", "in"}),
}
OPTION = {
    "dnf": " --setopt=install_weak_deps=False",
    "yum": " --setopt=install_weak_deps=False",
    "microdnf": " --setopt=install_weak_deps=0",  # microdnf takes 0 or 1, nothing else
    "zypper": " --no-recommends",
}
# yum 3 (CentOS/RHEL/Oracle/Scientific Linux 5-7, Amazon Linux 1 and 2) has no weak dependencies
_YUM3_IMAGE = re.compile(
    r"(^|/)(centos|oraclelinux|sl|scientificlinux):(centos)?[5-7]([.\-]|$)"
    r"|(^|[/:._-])(centos|rhel|ubi|sl|el|c)[_-]?[5-7]([^0-9]|$)"
    r"|(^|/)amazonlinux:(1|2|201[0-9])([.\-]|$)"
)


@transform(code="DO210", name="rpm-no-weak-deps", applicability=Applicability.UNSAFE, severity=WARNING)
def rpm_no_weak_deps(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """dnf, yum, microdnf and zypper install only what was asked for, not weak dependencies.

    ## What it does
    Adds `--setopt=install_weak_deps=False` to `dnf install` and `yum install` (also
    `localinstall`, `groupinstall`, `group install`), `--setopt=install_weak_deps=0` to
    `microdnf install`, and `--no-recommends` to `zypper install`, unless the command
    already says what to do with weak dependencies (`--setopt=install_weak_deps=...`,
    `--setopt install_weak_deps=...`, `--no-recommends`, `--recommends`) or a RUN of the
    stage, or of a stage it derives from, configured it (`install_weak_deps` written to
    /etc/dnf/dnf.conf or /etc/yum.conf, `solver.onlyRequires` in /etc/zypp/zypp.conf), or a
    COPY or ADD put such a file in place.

    microdnf (3.4 and later, as in UBI 8 and 9) reads `--setopt=install_weak_deps=` and
    accepts only `0` or `1`; older microdnf rejects the option. dnf 4 and dnf 5 accept
    `False`. `yum` is left alone where the name of the root image says it is yum 3
    (`centos:7`, `amazonlinux:2`, `...-centos7`, `...:sl6`, `ubi7`, ...): yum 3 knows no
    weak dependencies and only warns about the option. On other images `yum` is dnf.
    `zypper install -t pattern` is left alone: a pattern is mostly what it recommends.

    ## Why
    By default dnf and zypper also install the packages that the named ones recommend
    ("weak dependencies"): documentation tools, language packs, optional plugins, each
    with its own dependencies. The image carries packages nothing in it uses.

    ## Example
    ```Dockerfile
    RUN dnf install -y git
    ```
    becomes
    ```Dockerfile
    RUN dnf install -y --setopt=install_weak_deps=False git
    ```

    ## Fix safety
    Unsafe: a weak dependency can be something the application needs at run time (a
    plugin loaded by name, a locale, `glibc-langpack-*`, `which` for a script). The build
    still succeeds and the image fails later. Review, name what is needed, and test the
    image. Commands whose subcommand is an expansion are left alone.
    """
    configured: dict[int, set[str]] = {}
    for invocation in find(df, RPM_MANAGERS):
        action = rpm_action(invocation)
        family = "zypper" if invocation.manager == "zypper" else "dnf"
        if action is None or action[0] not in INSTALLS[family]:
            continue
        run = invocation.run
        if id(run) not in configured:
            configured[id(run)] = _configured_before(df, run)
        if family in configured[id(run)]:
            continue
        if any(_sets_weak_deps(w.value) for w in invocation.words):
            continue
        if invocation.manager == "yum" and _YUM3_IMAGE.search(image_reference(df, invocation.run).lower()):
            continue
        if family == "zypper" and any(
            v.lower() in ("pattern", "product") for v in invocation.option_values("-t", "--type")
        ):
            continue
        slot = _slot(invocation, action[1])
        if slot is None:
            continue
        span = invocation.command.span
        yield Finding(
            f"{invocation.manager} {action[0]} also installs weak dependencies (recommended packages)",
            span.start,
            span.end,
            Fix((Edit.insert(slot, OPTION[invocation.manager]),), Applicability.UNSAFE),
        )


def _sets_weak_deps(value: str | None) -> bool:
    lowered = (value or "").lower()
    return "install_weak_deps" in lowered or lowered in ("--no-recommends", "--recommends")


def _slot(invocation: Invocation, action_word: Word) -> int | None:
    """After the action and the options that follow it (`dnf group install -y` after `-y`)."""
    index = next(i for i, word in enumerate(invocation.words) if word is action_word)
    return replace(invocation, sub_index=index).option_slot


def _configured_before(df: Dockerfile, run: Instruction) -> set[str]:
    """The families ("dnf", "zypper") whose weak dependencies the build configured before or in ``run``."""
    families: set[str] = set()
    for instruction in [*ran_before(df, run), run]:
        families |= _configures(instruction)
    return families


def _configures(instruction: Instruction) -> set[str]:
    """The families whose weak-dependency setting an instruction writes (or may write)."""
    target = instruction.sub or instruction
    if target.command in ("COPY", "ADD"):
        args = target.args
        return ({"dnf"} if "dnf.conf" in args or "yum.conf" in args else set()) | (
            {"zypper"} if "zypp.conf" in args else set()
        )
    if target.command != "RUN":
        return set()
    text = instruction.logical + "".join(doc.body for doc in instruction.heredocs)
    families = set()
    if "install_weak_deps" in text and any(m in text for m in ("/etc/dnf", "/etc/yum", "config-manager")):
        families.add("dnf")
    if "onlyrequires" in text.lower():
        families.add("zypper")
    return families
