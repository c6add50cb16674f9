"""The command line: parses arguments and calls the library; nothing else happens here.

Exit codes: 0 success; 1 a problem in the input or output (reported on stderr, nothing written);
2 wrong usage; 3 `check --strict` found warnings; 4 `ingest` of the site's sources succeeded
only in part (some sources failed and are named on stderr; the others were stored).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .config import CONFIG_FILE, SiteConfig, find_site_dir, load_config, reference_day
from .errors import ConfigError, SiteError
from .version import __version__

if TYPE_CHECKING:
    from .ingest import IngestContext, SourceRun

# Each command imports what it runs when it runs (the `from .x import y` inside the functions
# below): a build that has nothing to do must not pay for importing ingest, the digest, Jinja
# or markdown-it.

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_WARNINGS, EXIT_PARTIAL = 0, 1, 2, 3, 4

_EPILOG = """\
Every command works on the site in the current folder (or the nearest parent holding
site.yaml), or on the one named by --site DIR.

examples:
  site-builder ingest                      # every source listed under sources: in site.yaml
  site-builder ingest arxiv-rss cs.CL cs.LG
  site-builder ingest arxiv 2403.01234 hep-th/9901001
  site-builder ingest hf --file daily_papers.json --dry-run
  site-builder ingest text --file daily-papers.txt --date 2025-03-13
  site-builder check
  site-builder build
  site-builder build --site path/to/site --base-url https://user.github.io/repo/
  site-builder build --explain
  site-builder serve --port 8000
  site-builder digest --period daily --output digest.eml
  site-builder digest --period weekly --send

exit codes: 0 done, 1 a problem in the input (nothing written), 2 wrong usage,
3 check --strict found warnings, 4 ingest: some sources failed, the others were stored
"""

_INGEST_EPILOG = """\
With no SOURCE, every source listed under sources: in site.yaml is pulled, in order; this is
what a daily scheduled rebuild runs. A source that cannot be reached or sends a malformed
payload stores nothing and is named on stderr; the others are still stored, and the exit code
is 4 (partial) instead of 0.

Network sources retry timeouts, refused connections, 429 and 5xx answers with growing waits
(honouring Retry-After), and send a User-Agent with site.yaml's contact address.

The run ends with counts: added, updated, unchanged and skipped (each skip with its reason).
"""


def _site_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--site",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help=f"the site folder (the one holding {CONFIG_FILE}); "
        "default: the current folder or its nearest parent with one",
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors"
    )
    return common


_LIGHT_COMMANDS = frozenset({"build", "check", "serve"})
"""Commands run without the parts of the parser that need heavy imports: the ingest sources'
options and the digest's periods (their help lines are still listed)."""


def _command_in(argv: Sequence[str]) -> str | None:
    """The command `argv` runs: its first word that is neither an option nor --site's value."""
    value_next = False
    for arg in argv:
        if value_next:
            value_next = False
        elif arg.startswith("-"):
            # --site DIR, or any abbreviation argparse accepts for it (--si DIR).
            value_next = arg.startswith("--s") and "--site".startswith(arg)
        else:
            return arg
    return None


def _parser(command: str | None) -> argparse.ArgumentParser:
    """The whole command line; for one of `_LIGHT_COMMANDS` the other commands' options that
    need importing ingest or the digest are left out, as that command cannot use them; so are
    they without a command (`--version`, `--help`), which lists only the commands."""
    full = command is not None and command not in _LIGHT_COMMANDS
    common = _site_options()
    parser = argparse.ArgumentParser(
        prog="site-builder",
        description="Build a static research-feed website from papers kept as Markdown files.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build_cmd = commands.add_parser(
        "build",
        parents=[common],
        help="render the site into its output folder (_site/)",
        description="Render every page, feed and the sitemap into the output folder. Only what "
        "changed since the last build is rendered and written: the build cache in .cache/ "
        "remembers what each file was made from. Pages render in parallel on every core. "
        "Everything is rendered before the output folder is touched, so on any error the "
        "previous output stays as it was. A progress bar shows on a terminal for long builds; "
        "the last line sums up files written, unchanged and removed.",
    )
    build_cmd.add_argument(
        "--base-url",
        metavar="URL",
        help="the address the site is served from, overriding site.yaml's "
        "base_url (used for feeds, canonical links and the sitemap)",
    )
    build_cmd.add_argument(
        "--output", type=Path, metavar="DIR", help="write here instead of site.yaml's output_dir"
    )
    _now_option(build_cmd)
    build_cmd.add_argument(
        "--clean",
        action="store_true",
        help="ignore the build cache and write every file anew (the cache is then rebuilt)",
    )
    build_cmd.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes that render pages (default: one per core; 1 renders in this process)",
    )
    build_cmd.add_argument(
        "--explain",
        action="store_true",
        help="list every file written and why: new, its template changed, site-wide data it "
        "shows changed, its content changed, or its file was changed or removed",
    )
    build_cmd.set_defaults(run=_build)

    dry_run = argparse.ArgumentParser(add_help=False)
    dry_run.add_argument(
        "--dry-run",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show what would change without writing anything",
    )

    serve_cmd = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the site on 127.0.0.1, rebuilding and reloading on every save",
        description="Build the site, serve it on http://127.0.0.1:PORT/ and watch content/, "
        "templates/, static/ and site.yaml. Every save rebuilds what changed and reloads the "
        "open browser tabs. A build error is printed here and shown on every page, above the "
        "last good build, until the next good save. Ctrl-C stops.",
    )
    serve_cmd.add_argument(
        "--port", type=int, default=8000, help="the port to listen on (default 8000; 0 picks one)"
    )
    serve_cmd.add_argument(
        "--base-url",
        metavar="URL",
        help="base_url for absolute links; default: the local address the server listens on",
    )
    _now_option(serve_cmd)
    serve_cmd.set_defaults(run=_serve)

    ingest_cmd = commands.add_parser(
        "ingest",
        parents=[common, dry_run],
        help="add or update papers in content/ from a source (or from all in site.yaml)",
        description="Read papers from a source (or, with no SOURCE, from every source in\n"
        "site.yaml) and merge them into content/papers/. Source fields are updated; a\n"
        "curator's pinned topics, hidden flag, extra keys and notes are never touched.\n"
        "Running the same ingest twice changes nothing.",
        epilog=_INGEST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ingest_cmd.set_defaults(run=_ingest_configured)
    source_names = _add_sources(ingest_cmd, [common, dry_run]) if full else []

    check_cmd = commands.add_parser(
        "check",
        parents=[common],
        help="validate content/ and report what needs a look",
        description="Load and validate site.yaml, topics.yaml and every paper as a build would, "
        "without writing anything; list papers that match no topic, and, in the last build, "
        "what would break on GitHub Pages: a site over 1 GB, files Jekyll would hide, links "
        "that leave the base path.",
    )
    check_cmd.add_argument(
        "--strict", action="store_true", help="exit with code 3 when there are warnings"
    )
    check_cmd.add_argument(
        "--base-url",
        metavar="URL",
        help="the address the last build used, if it was built with --base-url; links in "
        "the built site are checked against its path",
    )
    check_cmd.set_defaults(run=_check)

    init_cmd = commands.add_parser(
        "init",
        help="create a new site folder, ready to build and publish on GitHub Pages",
        description="Create a site in DIR: a commented site.yaml, topics, an empty "
        "content/papers/, the GitHub Pages workflow, a Makefile, requirements.txt naming the "
        "site-builder to install, a README for the curator and a .gitignore. Existing files "
        "are never overwritten.",
    )
    init_cmd.add_argument("directory", type=Path, metavar="DIR", help="the new site's folder")
    init_cmd.add_argument("--title", default="Research papers", help="the site's name")
    init_cmd.add_argument(
        "--description",
        default="Trending papers, curated daily.",
        help="one line under the home page heading",
    )
    init_cmd.add_argument(
        "--base-url",
        default="https://example.github.io/papers/",
        metavar="URL",
        help="where the site will be served (see site.yaml)",
    )
    init_cmd.add_argument(
        "--requirement",
        metavar="SPEC",
        help="how the site's CI installs site-builder, e.g. "
        "'site-builder @ git+https://host/you/site_builder' "
        "(default: the way this copy was installed)",
    )
    first = init_cmd.add_argument_group(
        "first ingest", "optionally fill the new site with papers from a saved payload right away"
    )
    first.add_argument(
        "--ingest",
        choices=source_names,
        metavar="SOURCE",
        help=f"the payload's source: {', '.join(source_names)}",
    )
    first.add_argument("--file", type=Path, metavar="FILE", help="the saved payload")
    first.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the listing day, for a text page whose date line has no year",
    )
    init_cmd.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    init_cmd.set_defaults(run=_init)

    digest_cmd = commands.add_parser(
        "digest",
        parents=[common],
        help="render the email digest of the top papers, and send it",
        description="Render the top papers of the day (daily) or of the last 7 days (weekly)\n"
        "as an email: HTML with inline styles plus a plain-text part, in one multipart\n"
        "MIME message; the same papers as the site's trending/today/ or trending/week/.\n"
        "--output writes it to a file to review; --send delivers it over SMTP to every\n"
        "address of the recipients file, one message each.",
        epilog=_DIGEST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if full:
        from .digest import PERIODS  # noqa: PLC0415

        digest_cmd.add_argument(
            "--period", choices=sorted(PERIODS), required=True, help="which digest to make"
        )
    digest_cmd.add_argument(
        "--output", type=Path, metavar="FILE", help="write the message here (an .eml file)"
    )
    digest_cmd.add_argument(
        "--send", action="store_true", help="deliver it over SMTP (settings from the environment)"
    )
    digest_cmd.add_argument(
        "--recipients",
        type=Path,
        metavar="FILE",
        help="addresses to send to, one a line; default: site.yaml's email.recipients_file",
    )
    _now_option(digest_cmd)
    digest_cmd.set_defaults(run=_digest)
    return parser


def _add_sources(
    ingest_cmd: argparse.ArgumentParser, parents: list[argparse.ArgumentParser]
) -> list[str]:
    """One subcommand of `ingest` per source; their names, sorted."""
    from .ingest import SOURCES  # noqa: PLC0415

    sources = ingest_cmd.add_subparsers(dest="source", metavar="SOURCE")
    for source in SOURCES.values():
        source_cmd = sources.add_parser(
            source.name, parents=parents, help=source.summary, description=source.description
        )
        source.add_arguments(source_cmd)
        source_cmd.set_defaults(run=_ingest)
    return sorted(SOURCES)


_DIGEST_EPILOG = """\
SMTP settings come from the environment, so no secret sits in site.yaml:
  SMTP_HOST       the mail server (required with --send)
  SMTP_PORT       default 587
  SMTP_STARTTLS   true (default) or false; a password is never sent unencrypted
  SMTP_USER, SMTP_PASSWORD   log in with these when both are set

Every delivery is recorded in site.yaml's email.state_file at once, so running the same
digest again sends only to those who did not get it (after a failure, say): never twice.

examples:
  site-builder digest --period daily --output digest.eml
  SMTP_HOST=smtp.example.org SMTP_USER=me SMTP_PASSWORD=... \\
      site-builder digest --period weekly --send
"""


def _now_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--now",
        metavar="YYYY-MM-DD",
        help="the day trending is computed for; default: SOURCE_DATE_EPOCH's day when set, "
        "else the newest paper's day (never the clock, so output is reproducible)",
    )


def _config(options: argparse.Namespace, base_url: str | None = None) -> SiteConfig:
    now = reference_day(getattr(options, "now", None))
    site: Path | None = getattr(options, "site", None)
    if site is not None:
        if not (site / CONFIG_FILE).is_file():
            raise ConfigError(f"--site {site}: no {CONFIG_FILE} in that folder")
        root = site
    else:
        root = find_site_dir(Path.cwd())
    return load_config(root, base_url=base_url, now=now)


def _say(options: argparse.Namespace, message: str) -> None:
    if not getattr(options, "quiet", False):
        print(message)


def _build(options: argparse.Namespace) -> int:
    from .build import build  # noqa: PLC0415
    from .progress import make_progress  # noqa: PLC0415

    config = _config(options, base_url=options.base_url)
    if options.output is not None:
        config = dataclasses.replace(config, output_dir=options.output.resolve())
    report = build(
        config,
        clean=options.clean,
        workers=options.jobs,
        progress=make_progress(quiet=getattr(options, "quiet", False)),
    )
    if report.cache_reset:
        print(f"warning: the build cache was rebuilt: {report.cache_reset}", file=sys.stderr)
    if options.explain:
        for path, reason in report.reasons:
            print(f"{path}: {reason}")
    _say(options, report.summary())
    return EXIT_OK


def _ingest_context(options: argparse.Namespace, config: SiteConfig) -> IngestContext:
    from .ingest import IngestContext  # noqa: PLC0415
    from .ingest.fetch import Fetcher  # noqa: PLC0415

    def log(message: str) -> None:
        _say(options, message)

    fetcher = Fetcher(config.network, contact=config.contact, log=log)
    return IngestContext(config=config, fetcher=fetcher)


def _serve(options: argparse.Namespace) -> int:
    from .serve import DevServer  # noqa: PLC0415

    def load() -> SiteConfig:
        return _config(options, base_url=options.base_url or base_url)

    base_url = f"http://127.0.0.1:{options.port}/"
    server = DevServer(load, port=options.port, quiet=getattr(options, "quiet", False))
    base_url = server.url  # the real port, when 0 asked for any free one
    server.start()
    _say(options, f"Serving {server.config.output_dir} at {server.url} (Ctrl-C stops)")
    sys.stdout.flush()
    server.serve_forever()
    _say(options, "Stopped.")
    return EXIT_OK


def _ingest(options: argparse.Namespace) -> int:
    from .ingest import ingest_one  # noqa: PLC0415

    config = _config(options)
    dry_run = getattr(options, "dry_run", False)
    run = ingest_one(options.source, options, _ingest_context(options, config), dry_run=dry_run)
    _report_run(options, config, run, dry_run)
    return EXIT_OK


def _ingest_configured(options: argparse.Namespace) -> int:
    from .ingest import ingest_configured  # noqa: PLC0415

    config = _config(options)
    dry_run = getattr(options, "dry_run", False)
    runs = ingest_configured(config, _ingest_context(options, config), dry_run=dry_run)
    for run in runs:
        _report_run(options, config, run, dry_run)
    failed = [run for run in runs if run.error is not None]
    if not failed:
        return EXIT_OK
    names = ", ".join(run.name for run in failed)
    if len(failed) == len(runs):
        print(f"error: every source failed ({names}); nothing was stored", file=sys.stderr)
        return EXIT_ERROR
    print(f"warning: only part of the sources were ingested; failed: {names}", file=sys.stderr)
    return EXIT_PARTIAL


def _report_run(
    options: argparse.Namespace, config: SiteConfig, run: SourceRun, dry_run: bool
) -> None:
    if run.error is not None:
        where = f" (the source on line {run.line} of {CONFIG_FILE})" if run.line else ""
        print(f"error: {run.error}{where}", file=sys.stderr)
        return
    report = run.report
    assert report is not None
    if dry_run:
        for label, paths in (("add", report.added), ("update", report.updated)):
            for path in paths:
                _say(options, f"would {label} {path.relative_to(config.root)}")
    for paper_id, reason in report.skipped:
        print(f"skipped {paper_id}: {reason}", file=sys.stderr)
    prefix = "Dry run: " if dry_run else ""
    _say(options, f"{prefix}{_count(run.read, 'paper')} read from {run.name}: {report.summary()}")


def _check(options: argparse.Namespace) -> int:
    from .check import check  # noqa: PLC0415

    report = check(_config(options, base_url=options.base_url))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _say(
        options,
        f"{report.papers} papers in {report.topics} topics: "
        f"{_count(len(report.warnings), 'warning')}",
    )
    return EXIT_WARNINGS if report.warnings and options.strict else EXIT_OK


def _init(options: argparse.Namespace) -> int:
    from .scaffold import scaffold_site  # noqa: PLC0415

    if (options.ingest is None) != (options.file is None):
        raise ConfigError("--ingest SOURCE and --file FILE go together")
    report = scaffold_site(
        options.directory,
        title=options.title,
        description=options.description,
        base_url=options.base_url,
        requirement=options.requirement,
    )
    for path in report.created:
        _say(options, f"created {path}")
    if options.ingest:
        # The same command a curator would run in the new site, parsed by the same parser.
        argv = [
            "ingest",
            options.ingest,
            "--site",
            str(options.directory),
            "--file",
            str(options.file),
        ]
        argv += ["--date", options.date] if options.date else []
        argv += ["--quiet"] if options.quiet else []
        ingest = _parser("ingest").parse_args(argv)
        code: int = ingest.run(ingest)
        if code != EXIT_OK:
            return code
    _say(
        options,
        f"""
Next steps:
  cd {options.directory}
  site-builder ingest text --file PAGE.txt --date YYYY-MM-DD   # or set sources: in site.yaml
  make site                                                    # build _site/ and look at it
Then push the folder to GitHub and set Settings -> Pages -> Source to "GitHub Actions".""",
    )
    return EXIT_OK


def _digest(options: argparse.Namespace) -> int:
    from .digest import (  # noqa: PLC0415
        SmtpSettings,
        build_digest,
        digest_message,
        read_recipients,
        send_digest,
        write_message,
    )

    if options.output is None and not options.send:
        print("error: digest needs --output FILE, --send, or both", file=sys.stderr)
        return EXIT_USAGE
    config = _config(options)
    settings = SmtpSettings.from_environ() if options.send else None
    recipients_file = options.recipients or config.email.recipients_file
    recipients = read_recipients(recipients_file) if options.send else []
    digest = build_digest(config, options.period)
    if not digest.papers:
        _say(options, f"No papers for the {options.period} digest of {digest.last}: nothing to do.")
        return EXIT_OK
    if options.output is not None:
        write_message(digest_message(digest, config, None), options.output)
        _say(options, f"Wrote {digest.subject!r} ({len(digest.papers)} papers) to {options.output}")
    if settings is None:
        return EXIT_OK
    report = send_digest(digest, config, recipients, settings)
    for recipient, reason in report.failed:
        print(f"error: {recipient}: not sent: {reason}", file=sys.stderr)
    _say(
        options,
        f"Digest {digest.key}: sent to {_count(len(report.sent), 'recipient')}, "
        f"{len(report.already)} had it already, {len(report.failed)} failed",
    )
    return EXIT_ERROR if report.failed else EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    options = _parser(_command_in(args)).parse_args(args)
    try:
        code: int = options.run(options)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return code
