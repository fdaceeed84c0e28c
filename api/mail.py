"""Sending invitations through the configured SMTP server."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import anyio

from api.config import Settings

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 10


class MailError(Exception):
    """The mail server refused or could not be reached."""


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        await anyio.to_thread.run_sync(self._send_sync, message)

    def _send_sync(self, message: EmailMessage) -> None:
        s = self._settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:
            logger.warning("sending mail through %s:%s failed: %s", s.smtp_host, s.smtp_port, e)
            raise MailError(f"The mail server {s.smtp_host}:{s.smtp_port} failed: {e}") from e
