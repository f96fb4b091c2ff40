"""The e-mail a recipient gets: built with the stdlib `email` package, sent with `smtplib`.

It says what the agency asks, the corrected values (or "kill: remove everywhere"), which photo
(identifiers, file name, when it was delivered), and ends with `Acknowledge: <URL>`.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from wirefix.deliveries import Outgoing
from wirefix.errors import WirefixError
from wirefix.recipients.config import Smtp


class SendError(WirefixError):
    """The server did not take the message; it stays pending and is tried again."""


def subject(out: Outgoing) -> str:
    first = out.photos[0].file_name if out.photos else "a photo"
    what = "kill" if out.kind == "kill" else "correction"
    prefix = f"Reminder {out.round}: " if out.round else ""
    return f"{prefix}{out.agency or 'Agency'} {what}: {first} we delivered to you"


def body(out: Outgoing) -> str:
    lines = [
        f"{out.agency or 'The agency'} has issued a {out.kind} for a photo we delivered to you "
        f"({out.recipient}). You are asked to carry out the same actions.",
        "",
    ]
    if out.round:
        lines += [f"This is reminder {out.round}: we have no acknowledgement from you yet.", ""]
    lines += ["What the agency asks:", f"  {out.instruction}", ""]
    if out.kind == "kill":
        lines += ["kill: remove everywhere (online services, archives, servers).", ""]
    else:
        lines.append("The corrected values:")
        for name, wrong, right in out.corrections:
            lines.append(f'  {name}: "{right}" instead of "{wrong}"')
        lines.append("")
    lines.append("The photo:")
    for p in out.photos:
        ids = ", ".join(str(i) for i in p.identifiers) or "none"
        lines.append(
            f"  {p.file_name or '(no file name)'}; identifiers: {ids}; "
            f"delivered {p.delivered_at}"
        )
    lines += [
        "",
        "Once done, open the link below and confirm:",
        "",
        f"Acknowledge: {out.ack_url}",
        "",
    ]
    return "\n".join(lines)


def build(out: Outgoing, to: str, smtp: Smtp, now: datetime) -> EmailMessage:
    # Header lines up to RFC 5322's 998: a subject naming the photo is not folded oddly.
    msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    msg["Subject"] = subject(out)
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Date"] = format_datetime(now)
    domain = smtp.sender.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("wirefix", domain=domain)
    msg["X-Wirefix-Notice"] = str(out.notice_id)
    msg.set_content(body(out))
    return msg


def send(msg: EmailMessage, smtp: Smtp) -> str:
    """Hand the message to the SMTP server; returns its Message-ID."""
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password() or "")
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"SMTP {smtp.host}:{smtp.port}: {exc}") from exc
    return str(msg["Message-ID"])
