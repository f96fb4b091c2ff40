"""The recipients' part of the configuration file (docs/recipients.md):

    [[recipients]]
    name = "partner-daily"            # how deliveries files name them
    email = "photodesk@partner.example"
    webhook = "https://cms.partner.example/wirefix"
    secret_env = "PARTNER_WEBHOOK_SECRET"   # the webhook's HMAC key, kept out of the file
    subscriber_id = "5b1f..."         # optional: their Superdesk subscriber id

    [smtp]
    host = "smtp.example"; port = 587; from = "wirefix@newsroom.example"
    user = "wirefix"; password_env = "SMTP_PASSWORD"; starttls = true

    [ack]
    base_url = "https://wirefix.newsroom.example/ack"

    [recipients_policy]
    remind_after_hours = 24; max_reminders = 3

Secrets are read from the environment when they are used, so `config show` and a host that only
imports deliveries work without them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirefix.config import ConfigError
from wirefix.deliveries import Channel


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str | None = None
    webhook: str | None = None
    secret_env: str | None = None
    subscriber_id: str | None = None

    @property
    def channels(self) -> list[Channel]:
        named: tuple[tuple[Channel, str | None], ...] = (
            ("email", self.email),
            ("webhook", self.webhook),
        )
        return [c for c, v in named if v]

    def secret(self) -> bytes:
        """The webhook's signing key, from the environment variable `secret_env` names."""
        value = os.environ.get(self.secret_env or "")
        if not value:
            raise ConfigError(
                f"recipient {self.name}: environment variable {self.secret_env} is not set"
            )
        return value.encode("utf-8")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    sender: str = "wirefix@localhost"
    user: str | None = None
    password_env: str | None = None
    starttls: bool = False
    timeout: float = 20.0

    def password(self) -> str | None:
        if not self.password_env:
            return None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(f"[smtp]: environment variable {self.password_env} is not set")
        return value


@dataclass(frozen=True)
class Policy:
    remind_after_hours: float = 24.0  # also: an acknowledgement is overdue after this long
    max_reminders: int = 3  # then the recipient is flagged for escalation
    retry_minutes: float = 5.0  # a message the server did not take is tried again after this


@dataclass(frozen=True)
class RecipientsConfig:
    recipients: tuple[Recipient, ...] = ()
    smtp: Smtp | None = None
    ack_base_url: str | None = None
    policy: Policy = field(default_factory=Policy)

    def get(self, name: str) -> Recipient | None:
        return next((r for r in self.recipients if r.name == name), None)

    def ack_url(self, token: str) -> str:
        assert self.ack_base_url
        return self.ack_base_url.rstrip("/") + "/" + token

    def show(self) -> dict[str, Any]:
        """For `wirefix config show`: secrets named by their variable, never shown."""
        return {
            "recipients": [
                {
                    "name": r.name,
                    "email": r.email,
                    "webhook": r.webhook,
                    "secret_env": r.secret_env,
                    "secret": _masked(r.secret_env),
                }
                for r in self.recipients
            ],
            "smtp": None
            if self.smtp is None
            else {
                "host": self.smtp.host,
                "port": self.smtp.port,
                "from": self.smtp.sender,
                "user": self.smtp.user,
                "password_env": self.smtp.password_env,
                "password": _masked(self.smtp.password_env),
                "starttls": self.smtp.starttls,
            },
            "ack_base_url": self.ack_base_url,
            "recipients_policy": {
                "remind_after_hours": self.policy.remind_after_hours,
                "max_reminders": self.policy.max_reminders,
                "retry_minutes": self.policy.retry_minutes,
            },
        }


def _masked(env: str | None) -> str | None:
    if not env:
        return None
    return "****" if os.environ.get(env) else f"(environment variable {env} is not set)"


def load(path: Path | None) -> RecipientsConfig:
    """The recipients' settings of the configuration file at `path` (none: no recipients)."""
    if path is None or not path.is_file():
        return RecipientsConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return from_data(data, path)


def from_data(data: dict[str, Any], path: Path | None) -> RecipientsConfig:
    """The recipients' settings of the file's parsed `data`; errors name the file."""
    try:
        return parse(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: invalid recipients setting ({exc})") from exc


def parse(data: dict[str, Any]) -> RecipientsConfig:
    recipients: list[Recipient] = []
    for entry in data.get("recipients", []):
        name = str(entry.get("name") or "").strip()
        if not name:
            raise ConfigError("[[recipients]]: every recipient needs a name")
        if any(r.name == name for r in recipients):
            raise ConfigError(f"[[recipients]]: {name} is named twice")
        r = Recipient(
            name=name,
            email=_opt(entry.get("email")),
            webhook=_opt(entry.get("webhook")),
            secret_env=_opt(entry.get("secret_env")),
            subscriber_id=_opt(entry.get("subscriber_id")),
        )
        if not r.channels:
            raise ConfigError(f"recipient {name}: needs an email or a webhook")
        if r.webhook and not r.secret_env:
            raise ConfigError(f"recipient {name}: a webhook needs secret_env (its signing key)")
        if r.webhook and not r.webhook.startswith(("http://", "https://")):
            raise ConfigError(f"recipient {name}: webhook must be an http(s) URL")
        recipients.append(r)
    smtp_data = data.get("smtp")
    smtp = None
    if smtp_data:
        smtp = Smtp(
            host=str(smtp_data["host"]),
            port=int(smtp_data.get("port", 25)),
            sender=str(smtp_data.get("from", "wirefix@localhost")),
            user=_opt(smtp_data.get("user")),
            password_env=_opt(smtp_data.get("password_env")),
            starttls=bool(smtp_data.get("starttls", False)),
            timeout=float(smtp_data.get("timeout", 20.0)),
        )
    if any(r.email for r in recipients) and smtp is None:
        raise ConfigError("[[recipients]] with an email need [smtp] host")
    base = _opt((data.get("ack") or {}).get("base_url"))
    if recipients and not base:
        raise ConfigError("[[recipients]] need [ack] base_url (the acknowledgement links)")
    pol = data.get("recipients_policy") or {}
    policy = Policy(
        remind_after_hours=float(pol.get("remind_after_hours", Policy.remind_after_hours)),
        max_reminders=int(pol.get("max_reminders", Policy.max_reminders)),
        retry_minutes=float(pol.get("retry_minutes", Policy.retry_minutes)),
    )
    if policy.remind_after_hours < 0 or policy.max_reminders < 0 or policy.retry_minutes < 0:
        raise ConfigError("[recipients_policy]: values must not be negative")
    return RecipientsConfig(tuple(recipients), smtp, base, policy)


def _opt(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
