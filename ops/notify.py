"""Sending email through GOV.UK Notify instead of SMTP: EMAIL_BACKEND=ops.notify.NotifyEmailBackend.

Notify sends from templates. Make one email template in Notify whose subject is ``((subject))``
and whose body is ``((body))``, and give its id as NOTIFY_TEMPLATE_ID; the tracker fills both
from the message it would otherwise send by SMTP (the plain-text part). NOTIFY_API_KEY is the
service's key. Notify's own answers map onto SMTP's: its 5xx and rate limits are temporary
(the reminder is retried), its other 4xx are permanent (the reminder is recorded as failed).
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        if not settings.NOTIFY_API_KEY or not settings.NOTIFY_TEMPLATE_ID:
            raise ImproperlyConfigured("NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID must be set to send email through Notify")
        self.client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            for address in message.recipients():
                try:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=settings.NOTIFY_TEMPLATE_ID,
                        personalisation={"subject": message.subject, "body": message.body},
                        reference=message.extra_headers.get("X-Reminder-Id"),
                    )
                except HTTPError as error:
                    if self.fail_silently:
                        continue
                    # The sweep already knows SMTP's codes: 4xx temporary, 5xx permanent.
                    temporary = error.status_code >= 500 or error.status_code == 429
                    raise smtplib.SMTPResponseException(451 if temporary else 550, str(error.message)) from error
            sent += 1
        return sent
