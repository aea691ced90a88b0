"""The transforms, in the order they run. Codes: 1xx layers and cache, 2xx package
managers, 3xx security, 4xx image structure."""

from __future__ import annotations

from ..registry import Transform
from .apt_assume_yes import apt_assume_yes
from .apt_autoremove import apt_autoremove
from .apt_get_not_apt import apt_get_not_apt
from .apt_lists_cleanup import apt_lists_cleanup
from .apt_no_install_recommends import apt_no_install_recommends
from .apt_update_with_install import apt_update_with_install
from .merge_runs import merge_runs

ALL: tuple[Transform, ...] = (
    merge_runs,
    apt_update_with_install,
    apt_get_not_apt,
    apt_assume_yes,
    apt_no_install_recommends,
    apt_lists_cleanup,
    apt_autoremove,
)
