"""``python -m dockopt`` and the ``dockopt`` command (its entry point is ``main``).

``dockopt --version`` is answered here, before the command line is imported: typer, the
engine and every transform take about five times as long as Python's own start. Everything
else, ``--version`` among other arguments included, is ``cli.run``'s.

The cyclic garbage collector is paused while the command line is imported: imports make
tens of thousands of objects and no garbage, and its passes over them cost about 7 % of
the import time. It runs again before any file is read.
"""

import gc
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import version_line

        sys.stdout.write(version_line() + "\n")
        return
    gc.disable()
    try:
        from .cli import run
    finally:
        gc.enable()
    run()


if __name__ == "__main__":
    main()
