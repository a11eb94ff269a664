"""The mailbox page exists in the local stack's web app only, never in `leadflow serve`'s."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from leadflow.web.app import create_app


def test_the_mailbox_is_served_only_when_the_stack_asks_for_it(tmp_path: Path) -> None:
    (tmp_path / "x.eml").write_bytes(b"To: rep@example.org\r\nSubject: Hi\r\n\r\nhello\r\n")
    assert TestClient(create_app(mailbox_dir=tmp_path)).get("/mailbox/x.eml").status_code == 200
    assert TestClient(create_app()).get("/mailbox").status_code == 404
    assert (
        TestClient(create_app(mailbox_dir=tmp_path)).get("/mailbox/..%2Fsecret.eml").status_code
        == 404
    )
