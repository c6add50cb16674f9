"""The email digest: the top papers of a day or a week as one multipart MIME message (HTML with
inline CSS, plus plain text), written to a file for review or delivered over SMTP.

The papers come through `pipeline.load_catalog`, like a build's, and are the top of the same
trending window the site shows (`trending/today/` for daily, `trending/week/` for weekly).

Delivery sends one message per recipient, so no one sees the others' addresses and one refused
address costs only that address. A state file records every (digest, recipient) delivered,
written after each message, so a re-run after a failure sends to the rest and never twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import ssl
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

import jinja2

from . import urls
from .config import SiteConfig, parse_address
from .enrich.trending import Window, in_window, window
from .errors import ConfigError, EmailError
from .models import Catalog, EnrichedPaper
from .pipeline import load_catalog
from .theme import template_dirs

__all__ = [
    "PERIODS",
    "Digest",
    "SendReport",
    "SmtpSettings",
    "digest_message",
    "make_digest",
    "read_recipients",
    "send_digest",
    "write_message",
]

PERIODS: dict[str, str] = {"daily": "today", "weekly": "week"}
"""Digest period → the trending window it draws from."""

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_STATE_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Digest:
    period: str
    """daily or weekly."""
    first: date
    last: date
    """The days it covers, both included."""
    papers: tuple[EnrichedPaper, ...]
    subject: str
    text: str
    html: str

    @property
    def key(self) -> str:
        """What the state file records: one digest per period and last day."""
        return f"{self.period}:{self.last.isoformat()}"


def _heading(period: str, first: date, last: date) -> str:
    if period == "daily":
        return f"Top papers today, {_human(last)}"
    return f"Top papers this week, {_human(first)} to {_human(last)}"


def _human(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _environment(config: SiteConfig) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in template_dirs(config)]),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["human_date"] = _human
    env.filters["wrap"] = _wrap
    return env


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    """Plain text at 72 columns; `first` is the first line's indent when it differs."""
    return textwrap.fill(
        text,
        width=72,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def make_digest(catalog: Catalog, period: str) -> Digest:
    """The top `email.items` papers of the period's trending window, rendered."""
    config = catalog.config
    chosen: Window = window(PERIODS[period])
    papers = tuple(in_window(catalog.papers, chosen, catalog.now)[: config.email.items])
    first = date.fromordinal(catalog.now.toordinal() - chosen.days + 1)
    heading = _heading(period, first, catalog.now)
    prefix = config.email.subject_prefix
    subject = f"{prefix} {heading}" if prefix else heading
    env = _environment(config)
    base = config.base_url
    context = {
        "site": config,
        "period": period,
        "window": chosen,
        "first": first,
        "last": catalog.now,
        "papers": papers,
        "subject": subject,
        "heading": heading,
        "topics": {topic.rule.slug: topic.rule.name for topic in catalog.topics},
        "paper_url": lambda paper_id: urls.absolute(base, urls.paper(paper_id)),
        "window_url": urls.absolute(base, urls.trending(chosen.name)),
        "home_url": urls.absolute(base, urls.home()),
        "subscribe_url": urls.absolute(base, urls.subscribe()),
        "feeds_url": urls.absolute(base, urls.feeds_index()),
    }
    return Digest(
        period=period,
        first=first,
        last=catalog.now,
        papers=papers,
        subject=subject,
        text=env.get_template("email/digest.txt").render(context),
        html=env.get_template("email/digest.html").render(context),
    )


def build_digest(config: SiteConfig, period: str) -> Digest:
    """Load the site's papers the way a build does and make the period's digest."""
    return make_digest(load_catalog(config), period)


def _sender(config: SiteConfig) -> str:
    if not config.email.sender:
        raise ConfigError(
            "is not set; add it to site.yaml, e.g. "
            "'email: {from: \"Daily Papers <papers@example.org>\"}'",
            path=config.root / "site.yaml",
            field="email.from",
        )
    return config.email.sender


def digest_message(digest: Digest, config: SiteConfig, recipient: str | None) -> EmailMessage:
    """The MIME message: multipart/alternative, plain text first, HTML last (preferred).

    Headers derive from the digest alone (no clock, no randomness), so the file for review is
    the same on every run; `recipient` None addresses it to no one, for review.
    """
    sender = _sender(config)
    _, sender_address = parseaddr(sender)
    domain = sender_address.rpartition("@")[2]
    token = hashlib.sha256(f"{digest.key}\n{recipient or ''}".encode()).hexdigest()[:16]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = recipient if recipient else "undisclosed-recipients:;"
    message["Date"] = format_datetime(datetime.combine(digest.last, time(0), tzinfo=UTC))
    message["Message-ID"] = f"<digest.{digest.period}.{digest.last.isoformat()}.{token}@{domain}>"
    if config.email.signup_url:
        message["List-Unsubscribe"] = f"<{config.email.signup_url}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(digest.text, subtype="plain", charset="utf-8")
    message.add_alternative(digest.html, subtype="html", charset="utf-8")
    # The default boundary is random; "=_" cannot occur in a quoted-printable body.
    message.set_boundary(f"=_digest_{token}")
    return message


def write_message(message: EmailMessage, path: Path) -> None:
    """Write the message (RFC 5322, CRLF line ends) atomically: all of it or nothing."""
    data = message.as_bytes(policy=SMTP)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as out:
        out.write(data)
    Path(out.name).replace(path)


def read_recipients(path: Path) -> list[str]:
    """One address a line; blank lines, `#` comment lines and trailing `  # comments` are
    skipped; duplicates kept once."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EmailError(
            "recipients file not found (set email.recipients_file or pass --recipients FILE)",
            path=path,
        ) from None
    recipients: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # A trailing "  # comment" is dropped, unless the # belongs to the address ("Ada #1").
        parsed = parse_address(line.split(" #", 1)[0].strip()) or parse_address(line)
        if parsed is None:
            raise EmailError(f"not an email address: {line!r}", path=path, line=number)
        name, address = parsed
        if address.lower() not in seen:
            seen.add(address.lower())
            recipients.append(str(Address(display_name=name, addr_spec=address)))
    return recipients


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to deliver, from the environment so no secret sits in site.yaml."""

    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """SMTP_HOST (required), SMTP_PORT (587), SMTP_STARTTLS (true), SMTP_USER and
        SMTP_PASSWORD (both or neither)."""
        host = environ.get("SMTP_HOST", "").strip()
        if not host:
            raise EmailError("SMTP_HOST is not set: export the mail server's host name")
        port_text = environ.get("SMTP_PORT", "587").strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise EmailError(f"SMTP_PORT must be a port number, not {port_text!r}")
        tls_text = environ.get("SMTP_STARTTLS", "true").strip().lower()
        if tls_text not in {"true", "false", "1", "0", "yes", "no"}:
            raise EmailError(f"SMTP_STARTTLS must be true or false, not {tls_text!r}")
        starttls = tls_text in {"true", "1", "yes"}
        user = environ.get("SMTP_USER") or None
        password = environ.get("SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            raise EmailError("set both SMTP_USER and SMTP_PASSWORD, or neither")
        if user and not starttls and host not in _LOOPBACK:
            raise EmailError(
                "refusing to send SMTP_PASSWORD unencrypted: set SMTP_STARTTLS=true "
                "(or relay through a server on this machine)"
            )
        return cls(host=host, port=int(port_text), starttls=starttls, user=user, password=password)


@dataclass(frozen=True, slots=True, kw_only=True)
class SendReport:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    """Recipients the state file says got this digest before; not sent again."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(recipient, reason) for each delivery that failed; a re-run retries them."""


class _State:
    """The state file: for each digest key, who it was delivered to.

    Recipients are kept as SHA-256 digests of their lowercased address, so the file can be
    committed to a public repository without publishing the readers' addresses.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sent: dict[str, list[str]] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                sent = data["sent"]
                if data.get("version") != _STATE_VERSION or not isinstance(sent, dict):
                    raise ValueError("unknown layout")
                self.sent = {str(key): [str(r) for r in value] for key, value in sent.items()}
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise EmailError(
                    f"state file is not one site-builder wrote ({exc}); move it away to start over",
                    path=path,
                ) from None

    def delivered(self, key: str, recipient: str) -> bool:
        return _fingerprint(recipient) in self.sent.get(key, [])

    def record(self, key: str, recipient: str) -> None:
        """Remember one delivery, on disk at once: a crash later never causes a resend."""
        self.sent.setdefault(key, []).append(_fingerprint(recipient))
        data = json.dumps({"version": _STATE_VERSION, "sent": self.sent}, indent=2) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=self.path.parent, prefix=f".{self.path.name}.", delete=False
        ) as out:
            out.write(data)
        Path(out.name).replace(self.path)


def _address(recipient: str) -> str:
    return parseaddr(recipient)[1].lower()


def _fingerprint(recipient: str) -> str:
    return "sha256:" + hashlib.sha256(_address(recipient).encode()).hexdigest()


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=60)
    try:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_digest(
    digest: Digest,
    config: SiteConfig,
    recipients: Sequence[str],
    settings: SmtpSettings,
    *,
    state_file: Path | None = None,
) -> SendReport:
    """Deliver `digest` to each recipient not yet recorded for it in the state file.

    A refused recipient is reported and the others still get theirs; a dropped connection is
    reopened for the next recipient. Only a server that cannot be reached at all raises.
    """
    state = _State(state_file or config.email.state_file)
    report = SendReport()
    pending: list[str] = []
    for recipient in recipients:
        (report.already if state.delivered(digest.key, recipient) else pending).append(recipient)
    if not pending:
        return report
    envelope_from = parseaddr(_sender(config))[1]
    try:
        smtp: smtplib.SMTP | None = _connect(settings)
    except OSError as exc:
        raise EmailError(
            f"cannot deliver through {settings.host}:{settings.port}: {_reason(exc)}"
        ) from None
    try:
        for recipient in pending:
            try:
                if smtp is None or smtp.sock is None:  # smtplib closes it on a 421 reply
                    smtp = _connect(settings)
                smtp.send_message(
                    digest_message(digest, config, recipient),
                    from_addr=envelope_from,
                    to_addrs=[_address(recipient)],
                )
            except OSError as exc:  # smtplib's errors are OSErrors too
                report.failed.append((recipient, _reason(exc)))
                lost = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
                    exc, smtplib.SMTPException
                )
                if lost and smtp is not None:
                    smtp.close()  # the connection is gone: the next recipient opens another
                    smtp = None
            else:
                state.record(digest.key, recipient)
                report.sent.append(recipient)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except OSError:
                smtp.close()
    return report


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {_text(text)}" for code, text in exc.recipients.values()]
        return "refused: " + "; ".join(codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
