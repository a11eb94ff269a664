"""The hints the stack commands print name a command this shell can run."""

from __future__ import annotations

import pytest


def test_the_hints_name_the_command_as_this_shell_can_run_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from leadflow.cli.stack import leadflow_command

    script = tmp_path / ".venv" / "bin" / "leadflow"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(script)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert leadflow_command() == ".venv/bin/leadflow"  # a fresh clone: not on PATH
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin")
    script.chmod(0o755)
    assert leadflow_command() == "leadflow"
