"""E-mail -> the notice it carries, even when someone forwarded it or replied above it.

A desk editor forwards an agency's notice with a line of their own ("FYI, please check"), or
replies to it with the notice quoted below. Those words are not the agency's: the notice is the
forwarded or quoted part, and its own Date is the date relative words ("today") refer to.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from email.message import EmailMessage, Message

import dateparser

from wirefix.errors import WirefixError
from wirefix.ingest.html_text import html_to_text
from wirefix.ingest.recognisers import NoticeText


class MailError(WirefixError):
    """The e-mail could not be read; the message says why."""


_FORWARD_MARKERS = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|Message transféré|Message d'origine|"
    r"Mensaje reenviado|Mensaje original)\s*-{2,}|Begin forwarded message:|"
    r"Début du message réexpédié\s?:|Inicio del mensaje reenviado:|"
    # Outlook: a rule of underscores, then the From:/Sent: block.
    r"_{10,}(?=\s*\n[ \t>]*(?:From|De)\s*:)|"
    r"-{5,}\s*Forwarded by .*)\s*$",
    re.I | re.M,
)
_QUOTE_INTRO = re.compile(
    r"^(?:On\s.{5,200}?\swrote:|Le\s.{5,200}?\sa écrit\s?:|El\s.{5,200}?\sescribió:)\s*$",
    re.M | re.S,
)
_HEADER_LINE = re.compile(
    r"^[ \t>]*(?P<name>From|De|Date|Sent|Envoyé|Enviado|Fecha|To|À|Para|Cc|Subject|Objet|Asunto)"
    r"\s*:\s*(?P<value>.*)$",
    re.I,
)


# A long run of base64 lines is an attachment's body (a photo, a PDF); a notice's own text is a
# few kilobytes, so 400 lines (some 22 KB decoded) is far past any text part.
# Up to 256 lines a match: a repetition over a whole run would keep a record per line.
_BASE64_LINES = re.compile(rb"(?:[A-Za-z0-9+/]{40,998}={0,2}\r?\n){1,256}")
_ATTACHMENT_LINES = 400


def attachment_bodies_dropped(data: bytes) -> bytes:
    """The message without the bodies of its base64 attachments, which wirefix never reads.

    The email package holds a message several times over while it parses (the bytes as text,
    its lines, each part's payload): ten times a 50 MB attachment. Dropping the long base64
    runs first keeps a 64 MB e-mail near its own size in memory; the parts stay, empty.
    """
    if len(data) < 256 * 1024:
        return data
    kept: list[bytes] = []
    start = pos = 0
    size = len(data)
    while pos < size:
        run_start, lines = pos, 0
        while (m := _BASE64_LINES.match(data, pos)) is not None:
            lines += data.count(b"\n", pos, m.end())
            pos = m.end()
        if lines >= _ATTACHMENT_LINES:
            kept.append(data[start:run_start])
            start = pos
        nl = data.find(b"\n", pos)
        pos = size if nl < 0 else nl + 1
    kept.append(data[start:])
    return b"".join(kept)


def read_email(data: bytes, source: str) -> NoticeText:
    try:
        data = attachment_bodies_dropped(data)
        msg: Message = email.message_from_bytes(data, policy=email.policy.default)
        if not msg.keys():
            raise MailError("no e-mail headers")
        inner = _attached_message(msg)
        if inner is not None:
            # A notice forwarded as an attachment: the attached message is the agency's.
            msg = inner
        body = _body(msg)
        sent_at, subject = _date(msg.get("Date")), _header(msg, "Subject")
    except MailError:
        raise
    except Exception as exc:  # the email package raises many kinds on broken input
        raise MailError(f"malformed e-mail ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if body is None or not body.strip():
        raise MailError("e-mail has no text or HTML part")
    body, fwd_date, fwd_subject = inner_notice(body)
    return NoticeText(
        text=body,
        source=source,
        source_kind="email",
        sent_at=fwd_date or sent_at,
        subject=fwd_subject or subject,
    )


def _header(msg: Message, name: str) -> str | None:
    value = msg.get(name)
    return str(value) if value else None


def _attached_message(msg: Message) -> Message | None:
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
    return None


def _body(msg: Message) -> str | None:
    part: Message | None = None
    if isinstance(msg, EmailMessage):
        part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        part = next((p for p in msg.walk() if p.get_content_maintype() == "text"), None)
    if part is None:
        return None
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
    except (LookupError, UnicodeDecodeError, AssertionError):
        content = None
    if not isinstance(content, str):
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        charset = part.get_content_charset() or "utf-8"
        try:
            content = payload.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            content = payload.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content


_RFC5322_DATE = re.compile(
    r"(?:[A-Z][a-z]{2},\s*)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{2,4}\s+\d{1,2}:\d{2}"
)


def _date(value: object) -> str | None:
    if not value:
        return None
    # Only a real RFC 5322 date goes to the e-mail parser: it reads a mail client's
    # "Saturday, July 16, 2011 11:58 PM" without complaint and drops the PM.
    rfc = _RFC5322_DATE.match(str(value).strip())
    try:
        if not rfc:
            raise ValueError("not an RFC 5322 date")
        return email.utils.parsedate_to_datetime(str(value)).isoformat()
    except (TypeError, ValueError, IndexError):
        parsed = dateparser.parse(str(value).replace(" at ", " "), languages=["en", "fr", "es"])
        return parsed.isoformat() if parsed else None


def inner_notice(body: str) -> tuple[str, str | None, str | None]:
    """(the agency's words, their Date, their Subject) from a forward or a quoting reply.

    Without a forward marker or a quoted block, the body is the notice as it stands.
    """
    fwd = list(_FORWARD_MARKERS.finditer(body))
    if fwd:
        inner = body[fwd[-1].end() :]  # the innermost forward is the original
        inner, date, subject = _strip_headers(_unquote(inner))
        return inner.strip(), date, subject
    intro = _QUOTE_INTRO.search(body)
    quoted = [line for line in body.splitlines() if line.lstrip().startswith(">")]
    if intro or len(quoted) >= 2:
        start = intro.end() if intro else 0
        block = "\n".join(
            line for line in body[start:].splitlines() if line.lstrip().startswith(">")
        )
        if block.strip():
            inner, date, subject = _strip_headers(_unquote(block))
            if inner.strip():
                return (
                    inner.strip(),
                    date or (_intro_date(intro.group(0)) if intro else None),
                    subject,
                )
    return _unquote(body).strip(), None, None


def _intro_date(intro: str) -> str | None:
    """The date in "On Sat, Jul 16, 2011 at 11:58 PM, Desk <a@b> wrote:" (dates hold commas too,
    so the longest prefix that parses as a date wins)."""
    words = re.sub(r"^\s*(?:On|Le|El)\s+|\s+(?:wrote|a écrit|escribió)\s*:?\s*$", "", intro.strip())
    cuts = [m.start() for m in re.finditer(",", words)][::-1]
    for cut in cuts:
        parsed = dateparser.parse(words[:cut].replace(" at ", " ").replace(" à ", " "))
        if parsed:
            return parsed.isoformat()
    return None


def _unquote(text: str) -> str:
    """Drop reply quoting ("> ") so a quoted notice reads like the original."""
    return "\n".join(re.sub(r"^\s*(?:>\s?)+", "", line) for line in text.splitlines())


def _strip_headers(text: str) -> tuple[str, str | None, str | None]:
    """Remove the From/Date/Subject block a mail client writes at the top of a forward."""
    lines = text.splitlines()
    date = subject = None
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        m = _HEADER_LINE.match(lines[i])
        if not m:
            break
        name = m.group("name").casefold()
        if name in ("date", "sent", "envoyé", "enviado", "fecha"):
            date = _date(m.group("value").strip())
        elif name in ("subject", "objet", "asunto"):
            subject = m.group("value").strip() or None
        i += 1
    return "\n".join(lines[i:]), date, subject
