"""A separate sender for the crash test: hands every due e-mail to the SMTP server, then is SIGKILLed
before it can mark any sent (`python -m tests.email.sender_child`). Settings come from the environment."""

from __future__ import annotations

import os
import signal

from ordercenter.adapters.notify import SmtpNotifier
from ordercenter.adapters.ports import EmailMessage
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.services.outbox import send_due


class DiesAfterHandingOver:
    """The real SMTP notifier, and then the process dies: the server has the message, our row does not know."""

    def __init__(self, smtp_url: str) -> None:
        self._smtp = SmtpNotifier(smtp_url)

    def send(self, message: EmailMessage) -> None:
        self._smtp.send(message)
        os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    settings = Settings()
    assert settings.smtp_url is not None
    container = bootstrap(settings, migrate=False)
    send_due(container.uow(), DiesAfterHandingOver(settings.smtp_url), container.clock)


if __name__ == "__main__":
    main()
