"""SMTP delivery over one reused connection, with MIME written directly.

What a failure means depends on when it happens, and that decides whether a retry is safe:
- refused (4xx) or the connection lost before DATA: nothing was handed over, retry later;
- refused for good (5xx): a bounce; at RCPT it is the address itself (a hard bounce);
- the connection lost once DATA began: the server may hold the message. Uncertain, and
  never retried automatically, because the one rule is: no email twice.
"""

from __future__ import annotations

import binascii
import queue
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from types import TracebackType
from typing import Any

from leadflow.nurture.render import RenderedEmail
from leadflow.core.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from leadflow.nurture.dkim_signing import dkim_key, sign
from leadflow.nurture.send_journal import SendJournal
from leadflow.nurture.sender import sender_address
from leadflow.core.settings import Settings
from leadflow.core.errors import RecipientRejected
from leadflow.core.errors import UncertainDeliveryError

CRLF = "\r\n"


@dataclass(frozen=True)
class OutgoingEmail:
    to_addr: str
    message_id: str
    subject: str
    data: bytes  # the whole message, CRLF line ends, 7-bit clean


def new_message_id(settings: Settings) -> str:
    return make_msgid(domain=sender_address(settings).rsplit("@", 1)[-1])


def _one_line(value: str) -> str:
    # Names come from campaign files: a line break in one must never start a new header.
    return " ".join(value.split()) if ("\n" in value or "\r" in value) else value


def _header(name: str, value: str) -> str:
    value = _one_line(value)
    if value.isascii() and len(name) + len(value) < 996:
        return f"{name}: {value}\r\n"
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=CRLF)}\r\n"


def _address(value: str) -> str:
    if "<" not in value and '"' not in value:
        return value.strip()  # a bare address (every lead's): nothing to parse or encode
    return _named_address(value)


@lru_cache(maxsize=64)
def _named_address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((_one_line(name), address), charset="utf-8") if name else address


def _part(boundary: str, subtype: str, body: str) -> bytes:
    # Quoted-printable keeps every line short and 7-bit, whatever the language.
    encoded = binascii.b2a_qp(body.replace("\r\n", "\n").encode("utf-8"), istext=True)
    head = (
        f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return head.encode("ascii") + encoded.replace(b"\n", b"\r\n") + b"\r\n"


def build_raw(
    settings: Settings,
    to_addr: str,
    email: RenderedEmail,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> OutgoingEmail:
    """The message as bytes: multipart/alternative, text first, then HTML.

    Written directly because EmailMessage costs milliseconds a message, which at a
    hundred thousand a tick is most of the time. "=_" cannot occur in quoted-printable,
    so the boundary can never collide with a body.
    """
    boundary = f"=_{uuid.uuid4().hex}"
    head = (
        _header("From", _address(settings.mail_from))
        + _header("To", _address(to_addr))
        + _header("Subject", email.subject)
        + _header("Date", formatdate(localtime=False))
        + _header("Message-ID", message_id)
        + "MIME-Version: 1.0\r\n"
        + "".join(_header(name, value) for name, value in (headers or {}).items())
        + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    )
    data = (
        head.encode("ascii")
        + _part(boundary, "plain", email.text)
        + _part(boundary, "html", email.html)
        + f"--{boundary}--\r\n".encode("ascii")
    )
    key = dkim_key(settings)
    return OutgoingEmail(to_addr, message_id, email.subject, sign(data, key) if key else data)


def build_message(
    settings: Settings, to_addr: str, email: RenderedEmail, headers: dict[str, str] | None = None
) -> EmailMessage:
    """The same email as an EmailMessage (slower; for callers that want the object)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to_addr
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = new_message_id(settings)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def _refused(stage: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    message = f"SMTP {code} at {stage}: {text}"
    if code < 500:
        return TransientDeliveryError(message)
    return RecipientRejected(message) if stage == "RCPT" else PermanentDeliveryError(message)


class SmtpMailer:
    """Reuses one SMTP connection for a batch of messages."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.sender = sender_address(settings)
        self._smtp: smtplib.SMTP | None = None
        self.down = False  # the last dial failed: callers stop trying until the next batch

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
        self._smtp = None

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()  # the next message dials again

    def connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            try:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user and s.smtp_password:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
                smtp.ehlo_or_helo_if_needed()
            except (OSError, smtplib.SMTPException) as exc:
                self.down = True
                raise TransientDeliveryError(
                    f"cannot reach SMTP {s.smtp_host}:{s.smtp_port}: {exc}"
                ) from exc
            self._smtp, self.down = smtp, False
        return self._smtp

    def _envelope(self, to_addr: str) -> smtplib.SMTP:
        """MAIL and RCPT; a connection the server closed since the last message is redialled once."""
        for attempt in (1, 2):
            smtp = self.connect()
            try:
                code, reply = smtp.mail(self.sender)
                if code != 250:
                    self._reset(smtp)
                    raise _refused("MAIL", code, reply)
                code, reply = smtp.rcpt(to_addr)
                if code not in (250, 251):
                    self._reset(smtp)
                    raise _refused("RCPT", code, reply)
                return smtp
            except UnicodeEncodeError as exc:
                self._reset(smtp)
                raise PermanentDeliveryError(
                    f"address needs SMTPUTF8, which is not supported: {exc}"
                ) from exc
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                self._drop()  # nothing was handed over yet: safe to dial again
                if attempt == 2:
                    raise TransientDeliveryError(
                        f"SMTP connection failed before DATA: {exc}"
                    ) from exc
        raise AssertionError("unreachable")

    def send_raw(self, email: OutgoingEmail, before_data: Callable[[], None] | None = None) -> str:
        """The server's answer to the message (its 250 line); ``before_data`` is called once
        nothing more can be refused without the message being handed over."""
        smtp = self._envelope(email.to_addr)
        if before_data is not None:
            before_data()
        try:
            code, reply = smtp.data(email.data)  # raises only if DATA itself is refused (no 354)
        except smtplib.SMTPDataError as exc:
            self._reset(smtp)
            raise _refused(
                "DATA", exc.smtp_code, exc.smtp_error
            ) from exc  # the server said no: not delivered
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise UncertainDeliveryError(
                f"connection lost during DATA, delivery unknown: {exc}"
            ) from exc
        if code != 250:
            raise _refused("DATA", code, reply)  # refused after reading it: not delivered
        return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)

    def send(self, message: EmailMessage) -> None:
        """An EmailMessage, with the same failure rules as ``send_raw``."""
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        self.send_raw(
            OutgoingEmail(
                str(message["To"]), str(message["Message-ID"]), str(message["Subject"]), data
            )
        )


@dataclass(frozen=True)
class SendResult:
    key: Any  # the caller's handle for the message
    error: DeliveryError | None  # None: the server took it
    reply: str = ""  # the server's answer when it took it


class BackgroundSender:
    """Sends on its own thread over one connection, while the caller prepares the next batch.

    The overlap matters: during each SMTP round trip the caller would otherwise sit idle.
    The caller must commit its claim on every message before submitting it, and must not
    touch the mailer afterwards (reading ``mailer.down`` is fine). At most two batches are
    in flight (one sending, one waiting). With a journal, each message's fate is written to
    it the moment the server answers, so a kill leaves nothing the next send cannot settle.
    """

    _DONE = object()

    def __init__(
        self,
        mailer: SmtpMailer,
        journal: SendJournal | None = None,
        after_accept: Callable[[int], None] | None = None,
    ):
        self.mailer, self.journal, self.after_accept = mailer, journal, after_accept
        self.room = threading.Semaphore(2)
        self._todo: queue.Queue[Any] = queue.Queue()
        self._results: queue.Queue[Any] = queue.Queue()
        self.failure: BaseException | None = None
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="smtp-sender", daemon=True)
        self._thread.start()

    def reserve(self) -> None:
        """Wait until fewer than two batches are in flight; call before claiming the next one."""
        while not self.room.acquire(timeout=0.5):
            if not self._thread.is_alive():
                raise RuntimeError(f"the SMTP sender thread stopped: {self.failure!r}")

    def submit(self, batch: list[tuple[int, Any, OutgoingEmail]]) -> None:
        """Hand over a claimed batch of (outbox id, key, message), after ``reserve``."""
        self._todo.put(batch)

    def _send(self, outbox_id: int, message: OutgoingEmail) -> SendResult:
        journal = self.journal
        try:
            if self.mailer.down:  # the server went away: do not dial once per message
                raise TransientDeliveryError("SMTP unreachable; not attempted")
            reply = self.mailer.send_raw(
                message, (lambda: journal.begin(outbox_id)) if journal else None
            )
        except DeliveryError as exc:
            if journal is not None and not isinstance(exc, UncertainDeliveryError):
                journal.refused(outbox_id)
            return SendResult(None, exc)
        if journal is not None:
            journal.accepted(outbox_id, reply)
        if self.after_accept is not None:
            self.after_accept(outbox_id)
        return SendResult(None, None, reply)

    def _run(self) -> None:
        try:
            while (batch := self._todo.get()) is not self._DONE:
                for outbox_id, key, message in batch:
                    done = self._send(outbox_id, message)
                    self._results.put(SendResult(key, done.error, done.reply))
                self.room.release()
        except BaseException as exc:  # a bug, not a delivery problem: the caller re-raises it
            self.failure = exc
        finally:
            self._results.put(self._DONE)

    def results(self, wait: bool) -> Iterator[SendResult]:
        """Results so far (wait=False), or every one until the thread ends (wait=True, after close)."""
        while not self._finished:
            try:
                item = self._results.get(block=wait)
            except queue.Empty:
                return
            if item is self._DONE:
                self._finished = True
                if self.failure is not None:
                    raise self.failure
                return
            yield item

    def close(self) -> None:
        self._todo.put(self._DONE)
