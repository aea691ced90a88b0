"""The transforms, in the order they run. Codes: 0xx dockopt itself (its suppression comments),
1xx layers and cache, 2xx package managers, 3xx security, 4xx image structure."""

from __future__ import annotations

from ..transform import Transform
from .add_to_copy import add_to_copy
from .apk_no_cache import apk_no_cache
from .apt_assume_yes import apt_assume_yes
from .apt_autoremove import apt_autoremove
from .apt_get_not_apt import apt_get_not_apt
from .apt_lists_cleanup import apt_lists_cleanup
from .apt_no_install_recommends import apt_no_install_recommends
from .apt_update_with_install import apt_update_with_install
from .base_image_tag import base_image_tag
from .copy_after_install import copy_after_install
from .curl_pipe_shell import curl_pipe_shell
from .dependency_manifests_first import dependency_manifests_first
from .dockerignore import dockerignore
from .exec_form_cmd import exec_form_cmd
from .gem_no_document import gem_no_document
from .invalid_suppression import invalid_suppression
from .maintainer_to_label import maintainer_to_label
from .merge_runs import merge_runs
from .multi_stage import multi_stage
from .no_sudo import no_sudo
from .non_root_user import non_root_user
from .npm_cache_clean import npm_cache_clean
from .one_process import one_process
from .pip_no_cache_dir import pip_no_cache_dir
from .pipefail import pipefail
from .rpm_assume_yes import rpm_assume_yes
from .rpm_clean import rpm_clean
from .rpm_no_weak_deps import rpm_no_weak_deps
from .secrets_in_env import secrets_in_env
from .slim_base import slim_base
from .strip_setuid import strip_setuid
from .useradd_no_log_init import useradd_no_log_init
from .yarn_cache_clean import yarn_cache_clean

ALL: tuple[Transform, ...] = (
    invalid_suppression,
    copy_after_install,
    merge_runs,
    dependency_manifests_first,
    dockerignore,
    apt_update_with_install,
    apt_get_not_apt,
    apt_assume_yes,
    apt_no_install_recommends,
    apt_lists_cleanup,
    apt_autoremove,
    apk_no_cache,
    rpm_assume_yes,
    rpm_clean,
    rpm_no_weak_deps,
    pip_no_cache_dir,
    npm_cache_clean,
    yarn_cache_clean,
    gem_no_document,
    non_root_user,
    add_to_copy,
    exec_form_cmd,
    pipefail,
    strip_setuid,
    no_sudo,
    maintainer_to_label,
    useradd_no_log_init,
    base_image_tag,
    secrets_in_env,
    curl_pipe_shell,
    one_process,
    slim_base,
    multi_stage,
)
