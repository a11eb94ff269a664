"""The cached routing policy is read again as soon as routing.yaml changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from leadflow.core.settings import PROJECT_ROOT, reset_settings
from leadflow.routing.policy_cache import current_routing_policy


def test_the_same_file_is_read_once_and_a_changed_one_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "routing_rules"
    shutil.copytree(PROJECT_ROOT / "routing_rules", folder)
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(folder))
    reset_settings()
    first = current_routing_policy()
    assert current_routing_policy() is first
    path = folder / "routing.yaml"
    path.write_text(path.read_text().replace("name: Grace Tan", "name: Grace Tan-Lim"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    again = current_routing_policy()
    assert again is not first and again.rep("grace.tan").name == "Grace Tan-Lim"
    reset_settings()
