"""What a cold build cannot go below, however well the rest is done: `python bench/floor.py DIR`.

DIR is a site folder (as `bench/corpus.py` writes). The script builds it once (cold, so the
build cache holds every paper's rendered Markdown), keeps the build's catalog and renderer, and
then measures in this one process, with the cycle collector off:

- render: every page rendered again from the plan, each list's entries already made and each
  paper's Markdown read from the cache: only the templates and the page's own parts (citation
  texts, link filling), the fastest pass of `--passes`;
- write: the bytes of every output file written to a new folder beside the site, each in the
  folder of its path, as a build writes them (the same disk as the site);
- digest: every output file's digest (`fingerprint.digest_bytes`), which a build keeps to tell
  an unchanged file.

The sum over the machine's cores is a lower bound for those parts of a cold build alone, with
perfect parallelism: loading and parsing the papers, their Markdown, topics, related papers,
the feeds and the search index all come on top. Nothing here runs in `make test`.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder.build import build  # noqa: E402
from site_builder.config import load_config  # noqa: E402
from site_builder.fingerprint import digest_bytes  # noqa: E402
from site_builder.render import plan_pages  # noqa: E402


def _cpu(work: Any) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _render_times(pages: list[Any], renderer: Any, passes: int) -> dict[str, float]:
    """CPU seconds of rendering every page, by template: the fastest of `passes` passes."""
    best: dict[str, float] = {}
    for _ in range(passes):
        times: dict[str, float] = defaultdict(float)
        for page in pages:
            started = time.process_time()
            renderer.render(page)
            times[page.template] += time.process_time() - started
        if not best or sum(times.values()) < sum(best.values()):
            best = times
    return best


def _write_all(data: dict[str, bytes], target: Path) -> None:
    """Every file into `target`, each folder made once, with strings as a build writes them."""
    made = set()
    for path, body in data.items():
        parent = path.rpartition("/")[0]
        if parent not in made:
            os.makedirs(f"{target}/{parent}", exist_ok=True)  # noqa: PTH103 - as a build does
            made.add(parent)
        with open(f"{target}/{path}", "wb") as file:  # noqa: PTH123 - as a build does
            file.write(body)
    os.sync()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a site folder, as bench/corpus.py writes")
    parser.add_argument("--passes", type=int, default=3, help="render passes (the fastest counts)")
    args = parser.parse_args()
    config = load_config(args.site)
    kept: dict[str, Any] = {}
    report = build(
        config,
        clean=True,
        keep=lambda catalog, renderer: kept.update(catalog=catalog, renderer=renderer),
    )
    pages = plan_pages(kept["catalog"])
    kept["renderer"].prepare(pages, workers=1)
    output = report.output_dir
    data = {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in output.rglob("*")
        if path.is_file()
    }
    gc.disable()
    by_kind = _render_times(pages, kept["renderer"], args.passes)
    counts = Counter(page.template for page in pages)

    target = args.site.parent / f".{args.site.name}.floor"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    started = time.perf_counter()
    write_cpu = _cpu(lambda: _write_all(data, target))
    write_wall = time.perf_counter() - started
    shutil.rmtree(target, ignore_errors=True)
    digest_cpu = _cpu(lambda: [digest_bytes(body) for body in data.values()])

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    megabytes = sum(map(len, data.values())) / 1e6
    print(
        f"{report.papers:,} papers: {len(pages):,} pages, {len(data):,} files, {megabytes:,.0f} MB"
    )
    render_cpu = sum(by_kind.values())
    print(f"render (fastest of {args.passes} passes, CPU): {render_cpu:.2f} s")
    for kind, seconds in sorted(by_kind.items(), key=lambda item: -item[1]):
        each = seconds / counts[kind] * 1e6
        print(f"  {kind:16} {counts[kind]:7,} pages {seconds:6.2f} s {each:6.0f} us/page")
    print(f"write every file, one process: {write_wall:.2f} s wall, {write_cpu:.2f} s CPU")
    print(f"digest every file (as a build does): {digest_cpu:.2f} s CPU")
    floor = (render_cpu + max(write_wall, write_cpu) + digest_cpu) / (cores or 1)
    print(f"lower bound for these parts on {cores} cores: {floor:.2f} s")


if __name__ == "__main__":
    main()
