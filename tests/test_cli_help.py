"""`--help` of every command is readable at 80 columns: every option name whole, no line wider."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from dockopt.cli import app

from test_cli import run

COMMAND = typer.main.get_command(app)
COMMANDS = [[], *([name] for name in COMMAND.commands)]  # type: ignore[attr-defined]  # a group


def option_names(args: list[str]) -> list[str]:
    command = COMMAND.commands[args[0]] if args else COMMAND  # type: ignore[attr-defined]
    return [name for param in command.params for name in (*param.opts, *param.secondary_opts) if name.startswith("-")]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args) or "dockopt")
def test_help_at_80_columns_names_every_option_whole(args: list[str], tmp_path: Path) -> None:
    code, out, err = run(*args, "--help", cwd=tmp_path, env={"COLUMNS": "80"})
    assert code == 0 and err == ""
    names = [*option_names(args), "-h", "--help"]
    for name in names:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", out), f"{name} is not whole in:\n{out}"
    wide = [line for line in out.splitlines() if len(line) > 80]
    assert wide == [], "\n".join(wide)
    assert "…" not in out
