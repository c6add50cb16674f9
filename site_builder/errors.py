"""The one exception hierarchy of site_builder.

    SiteError                 anything a user can fix; the CLI prints it and exits non-zero
    ├── ConfigError           site.yaml or topics.yaml is wrong
    ├── ContentError          a paper file is wrong (carries path, line and field)
    ├── IngestError           a source payload cannot be read
    │   └── FetchError        a source cannot be reached (after retries)
    ├── BuildError            the site cannot be written
    └── EmailError            the email digest cannot be sent (SMTP settings, recipients, state)

Any other exception escaping the CLI is a bug in site_builder and shows its traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BuildError",
    "ConfigError",
    "ContentError",
    "EmailError",
    "FetchError",
    "IngestError",
    "SiteError",
    "raise_collected",
]


class SiteError(Exception):
    """A problem in the user's input or environment, reported as `path:line: field: message`."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # A URL (a source's address) stays text: as a Path, "http://" would lose a slash.
        self.path: Path | str | None = (
            path if isinstance(path, str) and "://" in path else Path(path) if path else None
        )
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class ConfigError(SiteError):
    """site.yaml or content/topics.yaml is missing, malformed or inconsistent."""


class ContentError(SiteError):
    """A paper file under content/ cannot be loaded."""


class IngestError(SiteError):
    """A source payload cannot be parsed into paper records."""


class FetchError(IngestError):
    """A source could not be reached, or kept failing after every retry."""


class BuildError(SiteError):
    """The output cannot be planned or written."""


class EmailError(SiteError):
    """The email digest cannot be sent: SMTP settings, the recipients file or the state file."""


def raise_collected(problems: list[SiteError]) -> None:
    """Raise nothing, the one problem, or one error listing all of them (one per line)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        listing = "\n".join(f"  {problem}" for problem in problems)
        raise type(problems[0])(f"{len(problems)} problems:\n{listing}")
