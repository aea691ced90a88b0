"""The transforms, in the order they run. Codes: 1xx layers and cache, 2xx package
managers, 3xx security, 4xx image structure."""

from __future__ import annotations

from ..registry import Transform
from .merge_runs import merge_runs

ALL: tuple[Transform, ...] = (merge_runs,)
