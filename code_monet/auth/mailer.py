"""Outgoing mail: a ``Mailer`` protocol with SMTP (aiosmtplib) and console implementations."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from code_monet.auth.settings import AuthSettings

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """A message could not be handed to the mail server."""


@dataclass(frozen=True, slots=True)
class MailMessage:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, message: MailMessage) -> None: ...


@dataclass
class ConsoleMailer:
    """Development mailer: writes each message to the log instead of sending it."""

    sent: list[MailMessage] = field(default_factory=list)

    async def send(self, message: MailMessage) -> None:
        self.sent.append(message)
        del self.sent[:-100]
        logger.warning(
            "Mail (console mailer, not sent) to %s: %s\n%s",
            message.to,
            message.subject,
            message.text,
        )


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP server (plain, STARTTLS or implicit TLS; optional login)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    start_tls: bool = False
    use_tls: bool = False
    timeout: float = 10.0

    async def send(self, message: MailMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.text)
        import aiosmtplib  # already loaded by build_mailer

        try:
            await aiosmtplib.send(
                email,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.start_tls,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"Sending mail to {message.to} via {self.host}:{self.port} failed: {exc}"
            ) from exc
        logger.info("Sent mail to %s: %s", message.to, message.subject)


def build_mailer(settings: AuthSettings) -> Mailer:
    """The mailer ``MAILER`` selects (``console`` by default)."""
    if settings.mailer == "smtp":
        # Loaded here, not at import (only SMTP set-ups need it) nor on the first mail (which
        # would block the event loop importing it, and find a broken install only then).
        importlib.import_module("aiosmtplib")
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_seconds,
        )
    return ConsoleMailer()
