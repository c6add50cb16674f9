"""The email digest: a proper multipart message, delivered over real SMTP on 127.0.0.1, never
twice, with failures reported per recipient."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.config import load_config
from site_builder.digest import SmtpSettings
from site_builder.errors import ConfigError, EmailError

from .sitecheck import parse_html
from .smtpserver import smtp_server
from .tools import require

BASE_URL = "https://example.github.io/daily-papers/"
TODAY = ["Where, What, Why", "Risk Under Pressure", "Rethinking Psychometric"]
RECIPIENTS = "# readers\nada@example.org\nBob <bob@example.net>\n\nwrong@example.com  # typo\n"


@pytest.fixture(autouse=True)
def _no_smtp_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only what a test sets reaches the digest: never a real server of the shell's."""
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_USER", "SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    yield


def _read(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    return message


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def _digest(site: Path, *args: str) -> int:
    return main(["digest", "--site", str(site), "--quiet", *args])


def test_the_daily_digest_is_a_multipart_message(papers_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "daily.eml"
    assert _digest(papers_site, "--period", "daily", "--output", str(out)) == 0
    message = _read(out)
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]  # the richest last, as RFC 2046 asks
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["Subject"] == "[Daily Papers] Top papers today, 12 June 2026"
    assert getaddresses([message["From"]]) == [("Daily Papers", "papers@example.org")]
    assert parsedate_to_datetime(message["Date"]).isoformat() == "2026-06-12T00:00:00+00:00"
    assert message["Message-ID"].endswith("@example.org>")
    plain, html = _parts(message)
    for text in (plain, html):
        positions = [text.index(title) for title in TODAY]
        assert positions == sorted(positions)
        assert "The Cold-Start Safety Gap" not in text  # not today's
        assert BASE_URL + "papers/2606.11409/" in text
        assert "https://github.com/r-three/risk-under-pressure" in text
    assert "Boglárka Ecsedi" in plain and "▲ 13 upvotes" in html
    assert max(len(line) for line in plain.splitlines()) <= 100


def test_the_html_part_is_built_for_mail_clients(papers_site: Path, tmp_path: Path) -> None:
    """Mail clients drop <style> and scripts and cannot follow relative links."""
    out = tmp_path / "daily.eml"
    assert _digest(papers_site, "--period", "daily", "--output", str(out)) == 0
    _, html = _parts(_read(out))
    page = parse_html(html)
    names = {tag for tag, _ in page.tags}
    assert not names & {"style", "script", "link", "img", "form"}
    assert all(link.startswith("https://") for link in page.links)
    styled = [attrs for tag, attrs in page.tags if tag in {"td", "p", "h1", "h2", "a"}]
    assert styled and all("style" in attrs for attrs in styled)
    assert 'role="presentation"' in html


def test_digests_are_reproducible_and_weekly_covers_seven_days(
    papers_site: Path, tmp_path: Path
) -> None:
    first, second, weekly = tmp_path / "1.eml", tmp_path / "2.eml", tmp_path / "w.eml"
    assert _digest(papers_site, "--period", "daily", "--output", str(first)) == 0
    assert _digest(papers_site, "--period", "daily", "--output", str(second)) == 0
    assert first.read_bytes() == second.read_bytes()
    assert _digest(papers_site, "--period", "weekly", "--output", str(weekly)) == 0
    message = _read(weekly)
    assert message["Subject"].endswith("this week, 6 June 2026 to 12 June 2026")
    plain, _ = _parts(message)
    assert [line.split(".")[0] for line in plain.splitlines() if line[:2] in {"1.", "5."}] == [
        "1",
        "5",
    ]
    assert "6. " not in plain  # five papers in the week; the month-old one is out


def test_digest_size_and_day_come_from_settings_and_now(papers_site: Path, tmp_path: Path) -> None:
    config = papers_site / "site.yaml"
    config.write_text(config.read_text().replace("items: 10", "items: 2"))
    out = tmp_path / "d.eml"
    assert _digest(papers_site, "--period", "weekly", "--output", str(out)) == 0
    plain, _ = _parts(_read(out))
    assert TODAY[1] in plain and TODAY[2] not in plain
    code = _digest(papers_site, "--period", "daily", "--now", "2026-06-01", "--output", str(out))
    assert code == 0
    assert "The Cold-Start Safety Gap" in _parts(_read(out))[0]


def test_an_empty_period_writes_and_sends_nothing(
    papers_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "d.eml"
    code = main(
        [
            "digest",
            "--site",
            str(papers_site),
            "--period",
            "daily",
            "--now",
            "2026-06-11",
            "--output",
            str(out),
        ]
    )
    assert code == 0 and not out.exists()
    assert "No papers for the daily digest of 2026-06-11" in capsys.readouterr().out


def _smtp_env(monkeypatch: pytest.MonkeyPatch, port: int, **more: str) -> None:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", more.pop("starttls", "false"))
    for name, value in more.items():
        monkeypatch.setenv(f"SMTP_{name.upper()}", value)


def test_send_delivers_one_message_each_and_never_twice(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (papers_site / "recipients.txt").write_text(RECIPIENTS)
    with smtp_server() as server:
        server.reject.add("wrong@example.com")
        _smtp_env(monkeypatch, server.port)
        assert _digest(papers_site, "--period", "daily", "--send") == 1
        err = capsys.readouterr().err
        assert err.startswith("error: wrong@example.com: not sent: refused: 550 5.1.1")
        assert [r.rcpt_tos for r in server.received] == [["ada@example.org"], ["bob@example.net"]]
        for received in server.received:
            assert received.mail_from == "papers@example.org"
            message = received.message
            assert [a for _, a in getaddresses([message["To"]])] == received.rcpt_tos
            assert message.get_content_type() == "multipart/alternative"
            assert TODAY[0] in _parts(message)[0]
        ids = {r.message["Message-ID"] for r in server.received}
        assert len(ids) == 2

        state_text = (papers_site / "digest-state.json").read_text()
        assert "@" not in state_text  # safe to commit: no reader's address in it
        state = json.loads(state_text)
        assert state == {
            "version": 1,
            "sent": {
                "daily:2026-06-12": [
                    "sha256:" + hashlib.sha256(b"ada@example.org").hexdigest(),
                    "sha256:" + hashlib.sha256(b"bob@example.net").hexdigest(),
                ]
            },
        }

        # The typo is fixed on the server's side; a re-run sends only what is missing.
        server.reject.clear()
        assert main(["digest", "--site", str(papers_site), "--period", "daily", "--send"]) == 0
        out = capsys.readouterr().out
        assert "sent to 1 recipient, 2 had it already, 0 failed" in out
        assert [r.rcpt_tos for r in server.received][2:] == [["wrong@example.com"]]

        assert main(["digest", "--site", str(papers_site), "--period", "daily", "--send"]) == 0
        assert "sent to 0 recipients, 3 had it already" in capsys.readouterr().out
        assert len(server.received) == 3

        # Another digest (the weekly one) is another message for everyone.
        assert _digest(papers_site, "--period", "weekly", "--send") == 0
        assert len(server.received) == 6


def test_a_server_that_hangs_up_costs_only_that_recipient(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (papers_site / "recipients.txt").write_text(
        "ada@example.org\nbusy@example.org\nbob@example.net\n"
    )
    with smtp_server() as server:
        server.hang_up.add("busy@example.org")
        _smtp_env(monkeypatch, server.port)
        assert _digest(papers_site, "--period", "daily", "--send") == 1
        assert "error: busy@example.org: not sent: refused: 421" in capsys.readouterr().err
        assert [r.rcpt_tos for r in server.received] == [["ada@example.org"], ["bob@example.net"]]
        server.hang_up.clear()
        assert _digest(papers_site, "--period", "daily", "--send") == 0
        assert [r.rcpt_tos for r in server.received][2:] == [["busy@example.org"]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_send_logs_in_with_the_environment_credentials(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (papers_site / "recipients.txt").write_text("ada@example.org\n")
    with smtp_server(login=("digest", "s3cret")) as server:
        _smtp_env(monkeypatch, server.port, user="digest", password="wrong")
        assert _digest(papers_site, "--period", "daily", "--send") == 1
        assert "cannot deliver through 127.0.0.1" in capsys.readouterr().err
        assert not (papers_site / "digest-state.json").exists()
        _smtp_env(monkeypatch, server.port, user="digest", password="s3cret")
        assert _digest(papers_site, "--period", "daily", "--send") == 0
        assert server.logins == [("digest", "s3cret")]
        assert len(server.received) == 1


def test_send_upgrades_to_tls_with_starttls(
    papers_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl  # noqa: PLC0415

    openssl = subprocess.run(["which", "openssl"], capture_output=True, text=True, check=False)
    require("openssl", openssl.returncode == 0, "apt-get install openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        capture_output=True,
        check=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts our test certificate
    (papers_site / "recipients.txt").write_text("ada@example.org\n")
    with smtp_server(tls=context, login=("digest", "s3cret")) as server:
        _smtp_env(monkeypatch, server.port, starttls="true", user="digest", password="s3cret")
        assert _digest(papers_site, "--period", "daily", "--send") == 0
        assert server.logins == [("digest", "s3cret")]
        assert [r.rcpt_tos for r in server.received] == [["ada@example.org"]]


def test_an_unreachable_server_is_one_clear_error(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (papers_site / "recipients.txt").write_text("ada@example.org\n")
    with smtp_server() as server:
        port = server.port
    _smtp_env(monkeypatch, port)  # the server is gone: nothing listens there now
    assert _digest(papers_site, "--period", "daily", "--send") == 1
    assert f"cannot deliver through 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (papers_site / "digest-state.json").exists()


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({}, "SMTP_HOST is not set"),
        ({"SMTP_HOST": "mail.example.org", "SMTP_PORT": "smtp"}, "SMTP_PORT must be a port"),
        ({"SMTP_HOST": "mail.example.org", "SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS must be"),
        ({"SMTP_HOST": "mail.example.org", "SMTP_USER": "me"}, "both SMTP_USER and SMTP_PASSWORD"),
        (
            {
                "SMTP_HOST": "mail.example.org",
                "SMTP_STARTTLS": "false",
                "SMTP_USER": "me",
                "SMTP_PASSWORD": "pw",
            },
            "refusing to send SMTP_PASSWORD unencrypted",
        ),
    ],
)
def test_smtp_settings_are_checked(environ: dict[str, str], words: str) -> None:
    with pytest.raises(EmailError, match=words):
        SmtpSettings.from_environ(environ)


def test_smtp_settings_defaults() -> None:
    settings = SmtpSettings.from_environ({"SMTP_HOST": "mail.example.org"})
    assert (settings.port, settings.starttls, settings.user) == (587, True, None)


def test_a_bad_recipient_line_is_named(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (papers_site / "readers.txt").write_text("ada@example.org\nbob at example.net\n")
    _smtp_env(monkeypatch, 25)
    assert _digest(papers_site, "--period", "daily", "--send", "--recipients", "x") == 1
    assert "recipients file not found" in capsys.readouterr().err
    readers = papers_site / "readers.txt"
    assert _digest(papers_site, "--period", "daily", "--send", "--recipients", str(readers)) == 1
    err = capsys.readouterr().err
    assert f"error: {readers}:2: not an email address: 'bob at example.net'" in err


def test_digest_needs_something_to_do(
    papers_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _digest(papers_site, "--period", "daily") == 2
    assert "needs --output FILE, --send, or both" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("yaml", "words"),
    [
        ("email:\n  from: nobody\n", "email.from: must be an email address"),
        ("email:\n  signup_url: mailto:x@y.z\n", "email.signup_url: must be an absolute http"),
        ("email:\n  items: 0\n", "email.items: must be a positive whole number"),
        ("email:\n  form: a@b.org\n", "email.form: unknown setting"),
    ],
)
def test_email_settings_are_validated(tmp_path: Path, yaml: str, words: str) -> None:
    (tmp_path / "site.yaml").write_text(yaml)
    with pytest.raises(ConfigError, match=words) as caught:
        load_config(tmp_path)
    assert caught.value.line == 2


def test_a_digest_without_a_sender_says_what_to_set(
    papers_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = papers_site / "site.yaml"
    config.write_text(config.read_text().replace('  from: "Daily Papers <papers@example.org>"', ""))
    assert _digest(papers_site, "--period", "daily", "--output", str(tmp_path / "d.eml")) == 1
    assert "site.yaml: email.from: is not set" in capsys.readouterr().err
    assert not (tmp_path / "d.eml").exists()
