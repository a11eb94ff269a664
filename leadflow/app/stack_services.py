"""The local stack's long-running process: the SMTP sink and the web app (with the mailbox).

Started detached by `leadflow up`; SIGTERM (from `leadflow down`) stops both cleanly.
"""

from __future__ import annotations

import uvicorn

from leadflow.app.stack import hostport
from leadflow.app.local_services import start_smtp_sink
from leadflow.core.settings import get_settings


def main() -> None:
    from leadflow.web.app import create_app

    settings = get_settings()
    sink = start_smtp_sink(settings.mail_dir, settings.smtp_host, settings.smtp_port)
    host, port = hostport(settings.public_base_url, 8470)
    # The mailbox page exists only here: a production web app never shows anyone's mail.
    app = create_app(mailbox_dir=settings.mail_dir)
    try:
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
