"""Build stacks that a single-stage Dockerfile can be split for (multi-stage, DO402).

Each stack module has ``recognise(df, stage, context) -> Plan | Suggestion | None``:

- ``None``: the stage does not build with this stack;
- ``Suggestion``: it does, but dockopt cannot prove that the runtime would be complete
  (it says why, and the layout it would suggest);
- ``Plan``: what the runtime stage needs: its base, the artifacts to copy from the build
  stage, and the instructions to run there (``setup``: lines, and copies from the build
  stage that those lines read, in order, before the artifacts).

The transform (``dockopt.transforms.multi_stage``) renders a Plan into the rewrite. What the
stacks share (``Plan``, ``Suggestion``, how a stage's RUNs are read, ...) is in
``dockopt.stacks.common``; this module only lists the stacks, in the order they are asked.
"""

from __future__ import annotations

from ..context import Context
from ..syntax import Dockerfile, Stage
from . import c, go, java, node, others, python
from .common import Plan, Suggestion

STACKS = (go, c, python, node, java, others)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    """What the first stack that recognises the stage's build says about it, or None."""
    for module in STACKS:
        found = module.recognise(df, stage, context)
        if found is not None:
            return found
    return None
