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

from .build import build
from .check import check
from .config import CONFIG_FILE, SiteConfig, find_site_dir, load_config
from .errors import ConfigError, SiteError
from .ingest import SOURCES, IngestContext, SourceRun, ingest_configured, ingest_one
from .ingest.fetch import Fetcher
from .version import __version__

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


def _parser() -> argparse.ArgumentParser:
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
        description="Render every page, feed and the sitemap into a staging folder, then swap it "
        "into the output folder. On any error the previous output stays as it was.",
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
    build_cmd.set_defaults(run=_build)

    dry_run = argparse.ArgumentParser(add_help=False)
    dry_run.add_argument(
        "--dry-run",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show what would change without writing anything",
    )
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
    sources = ingest_cmd.add_subparsers(dest="source", metavar="SOURCE")
    for source in SOURCES.values():
        source_cmd = sources.add_parser(
            source.name,
            parents=[common, dry_run],
            help=source.summary,
            description=source.description,
        )
        source.add_arguments(source_cmd)
        source_cmd.set_defaults(run=_ingest)

    check_cmd = commands.add_parser(
        "check",
        parents=[common],
        help="validate content/ and report what needs a look",
        description="Load and validate site.yaml, topics.yaml and every paper as a build would, "
        "without writing anything; list papers that match no topic.",
    )
    check_cmd.add_argument(
        "--strict", action="store_true", help="exit with code 3 when there are warnings"
    )
    check_cmd.set_defaults(run=_check)
    return parser


def _config(options: argparse.Namespace, base_url: str | None = None) -> SiteConfig:
    site: Path | None = getattr(options, "site", None)
    if site is not None:
        if not (site / CONFIG_FILE).is_file():
            raise ConfigError(f"--site {site}: no {CONFIG_FILE} in that folder")
        root = site
    else:
        root = find_site_dir(Path.cwd())
    return load_config(root, base_url=base_url)


def _say(options: argparse.Namespace, message: str) -> None:
    if not getattr(options, "quiet", False):
        print(message)


def _build(options: argparse.Namespace) -> int:
    config = _config(options, base_url=options.base_url)
    if options.output is not None:
        config = dataclasses.replace(config, output_dir=options.output.resolve())
    report = build(config)
    _say(options, report.summary())
    return EXIT_OK


def _ingest_context(options: argparse.Namespace, config: SiteConfig) -> IngestContext:
    def log(message: str) -> None:
        _say(options, message)

    fetcher = Fetcher(config.network, contact=config.contact, log=log)
    return IngestContext(config=config, fetcher=fetcher)


def _ingest(options: argparse.Namespace) -> int:
    config = _config(options)
    dry_run = getattr(options, "dry_run", False)
    run = ingest_one(options.source, options, _ingest_context(options, config), dry_run=dry_run)
    _report_run(options, config, run, dry_run)
    return EXIT_OK


def _ingest_configured(options: argparse.Namespace) -> int:
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
    report = check(_config(options))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _say(
        options,
        f"{report.papers} papers in {report.topics} topics: "
        f"{_count(len(report.warnings), 'warning')}",
    )
    return EXIT_WARNINGS if report.warnings and options.strict else EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    try:
        code: int = options.run(options)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return code
