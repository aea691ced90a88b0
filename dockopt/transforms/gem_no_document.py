"""gem-no-document (DO214): gem installs generate no documentation."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import image_reference
from ..package_caches import visible_before
from ..packages import GEM_INSTALLS, Invocation, find
from ..shell import script_of
from ..syntax import Dockerfile
from ..transform import WARNING, transform

# `gem i` is RubyGems' alias of install, and commands may be shortened while unambiguous
# distributions whose ruby comes with RubyGems older than 2.0, which has no --no-document
OLD_RUBYGEMS_IMAGES = re.compile(
    r"(^|/)(ubuntu:(12\.04|14\.04|precise|trusty)|debian:(7|wheezy)|centos:(6|centos6)|ruby:1\.)\b|ubuntu1[24]\.04"
)
# `--no-doc` is OptionParser's abbreviation of `--no-document`; `--no-rdoc`/`--no-ri` are RubyGems 2's
DECIDED = ("-N", "--document", "--no-rdoc", "--no-ri", "--rdoc", "--ri")
# a gemrc line that turns documentation off for every gem command, or for install
GEMRC_NO_DOCUMENT = re.compile(r"(?:gem|install)\s*:.*--no-(?:document|rdoc|ri)\b")


@transform(code="DO214", name="gem-no-document", applicability=Applicability.SAFE, severity=WARNING)
def gem_no_document(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """gem installs generate no documentation.

    ## What it does
    Adds `--no-document` right after `gem install`, in every stage and in ONBUILD RUNs,
    unless the command already decides about documentation (`--no-document`, its
    abbreviations such as `--no-doc`, `-N`, `--document`, or RubyGems 2's `--no-rdoc` and
    `--no-ri`), or an earlier RUN of the stage (or of a stage it is built FROM) writes a
    gemrc that turns documentation off (`echo 'gem: --no-document' > ~/.gemrc`, or
    `/etc/gemrc`, `/usr/local/etc/gemrc`).

    ## Why
    By default `gem install` generates ri and RDoc documentation for every gem it installs,
    dependencies included: it is slow, and nobody reads manual pages inside a container.
    For a Rails install the documentation is tens of megabytes.

    ## Example
    ```Dockerfile
    RUN gem install bundler -v 2.5.6
    ```
    becomes
    ```Dockerfile
    RUN gem install --no-document bundler -v 2.5.6
    ```

    ## Fix safety
    Safe: `--no-document` (RubyGems 2.0 and later) only skips generating documentation;
    the gems and their executables are the same. On images whose distribution ruby comes
    with an older RubyGems (Ubuntu 12.04/14.04, Debian 7, CentOS 6), which refuses the
    option, the fix is unsafe: review whether the Dockerfile installs a newer ruby first. The official `ruby` images already turn
    documentation off in `/usr/local/etc/gemrc`: there the option changes nothing but makes
    the Dockerfile say so, and keeps it lean on other base images (Debian's or Alpine's
    `ruby` packages, for instance). Commands that still pass `--no-rdoc`/`--no-ri` are left
    alone: RubyGems 3 removed those options and refuses them, so such a command fails
    before and after any rewrite, and replacing them is a version upgrade to decide by
    hand. Commands whose subcommand is an expansion are left alone.
    """
    for invocation in find(df, {"gem"}):
        if invocation.subcommand not in GEM_INSTALLS or _decided(invocation):
            continue
        if _gemrc_says_no(df, invocation):
            continue
        span = invocation.command.span
        yield Finding(
            "gem install generates documentation nobody reads in an image: add --no-document",
            span.start,
            span.end,
            Fix((Edit.insert(_slot(df, invocation), " --no-document"),), _applicability(df, invocation)),
        )


def _slot(df: Dockerfile, invocation: Invocation) -> int:
    """After the gem names and options, before a `--` that starts the build arguments.

    Not right after `install`: hadolint's DL3028 takes the word after any option as its
    value, so `gem install --no-document rails` would hide the unpinned `rails` from it.
    When the gems are listed on lines of their own, though, the option goes on the line
    of `install`, so that the list stays one gem per line.
    """
    words = invocation.words[invocation.sub_index :]
    if len(words) > 1 and "\n" in df.text[words[0].span.end : words[1].span.start]:
        return words[0].span.end
    for index, word in enumerate(words):
        if word.value == "--":
            return words[index - 1].span.end
    return words[-1].span.end


def _applicability(df: Dockerfile, invocation: Invocation) -> Applicability:
    old = OLD_RUBYGEMS_IMAGES.search(image_reference(df, invocation.run).lower()) is not None
    return Applicability.UNSAFE if old else Applicability.SAFE


def _decided(invocation: Invocation) -> bool:
    if invocation.has_option(*DECIDED):
        return True
    # OptionParser takes any unambiguous prefix: `--no-doc` is `--no-document`
    return any(
        len(w.value) >= len("--no-do") and "--no-document".startswith(w.value)
        for w in invocation.words
        if w.value is not None
    )


def _gemrc_says_no(df: Dockerfile, invocation: Invocation) -> bool:
    """Whether a gemrc that turns documentation off was written before this command:
    by an earlier RUN, or earlier in the same RUN."""
    texts = [
        i.logical + "".join(doc.body for doc in i.heredocs)
        for i in visible_before(df, invocation.run)
        if i.command == "RUN"
    ]
    script = script_of(df, invocation.run)
    if script is not None:
        texts.append(script.text[: invocation.command.start])
    return any("gemrc" in text and GEMRC_NO_DOCUMENT.search(text) for text in texts)
