"""`make bench`: time builds of synthetic sites of 1,000, 10,000 and 100,000 papers.

For each size it measures, as the median (and min-max) of several runs of the real command
line (`site-builder build --quiet` in a fresh process; wall-clock time, peak RSS from the
kernel's accounting of the process and its workers, the largest one counting):

- the baseline: the same pages from the build as it was before incremental builds (one process,
  no cache), the code of git revision `--baseline` run from a copy;
- cold build (no cache, no output), no-op rebuild, one paper's abstract edited, one paper's
  notes edited, one template (paper.html) edited, one paper added; the output of a build a
  cold build follows is moved aside, and deleted before the next size starts (`_settle`);
- with `serve`: the time from saving an edited paper to the reload event and the new page.

Results go to bench/RESULTS.md (followed by bench/analysis.md, written by hand from profiles)
and bench/results.json. `python bench/run.py --report` rewrites RESULTS.md from results.json.
Nothing here runs in `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import write_corpus  # noqa: E402

RUNS = {1000: 5, 10000: 3, 100000: 1}
SCENARIOS = ("cold", "noop", "edit", "notes", "template", "add")
LABELS = {
    "baseline": "baseline: cold, before (1 process, no cache)",
    "cold": "cold build (no cache, no output)",
    "noop": "no-op rebuild",
    "edit": "one paper edited (a sentence added to its abstract)",
    "notes": "one paper's notes edited (a curator's note)",
    "template": "one template edited (paper.html)",
    "add": "one paper added",
    "reload": "serve: save -> reload event -> page fetched",
}


def _run(
    command: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> dict[str, float]:
    """Wall-clock seconds and peak RSS (MiB) of one command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=_as_users_run(env or os.environ),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{out}\n{err}")
    return {"seconds": seconds, "rss_mib": usage.ru_maxrss / 1024}


def _as_users_run(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without PYTHONDONTWRITEBYTECODE: with it, every process compiles site_builder's
    modules from source again (30 ms more for a 10k no-op build, more for a real one), which a
    user's commands do not."""
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _build(site: Path) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "site-builder"), "build", "--site", str(site), "--quiet"]


def _trash(path: Path, trash: Path) -> None:
    """Move `path`, if it is there, into the `trash` folder, to be deleted by `_settle`."""
    if path.exists():
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")


def _reset(site: Path, trash: Path) -> None:
    """No cache, no output: a cold build's start. What the last build made goes to the trash,
    not away: see `_settle`."""
    for name in ("_site", ".cache"):
        _trash(site / name, trash)


SETTLE_SECONDS = 65
"""How long the file system keeps skipping freshly deleted inodes; see `_settle`."""


def _settle(trash: Path, *, wait: bool) -> None:
    """Delete the trash, then (if `wait`) let the deletion settle before anything is measured.

    Why: ext4 without a journal (this benchmark machine's disk) will not reuse an inode freed
    less than a minute ago (five while its inode-table block is unwritten), and skips each such
    inode one by one while it looks for a free one. A build started right after deleting the
    previous build's 20,000 files spent several seconds of kernel time in that search (a quarter
    of all samples of `perf record`; 10-16 s of system time at 10,000 papers against 2.6 s on
    tmpfs). No user's first build follows such a deletion, so the runs of a size delete nothing,
    and each size starts a minute after the files of the one before were deleted."""
    if trash.exists():
        shutil.rmtree(trash)
        if wait:
            os.sync()
            print(f"letting the deleted files settle ({SETTLE_SECONDS} s)", flush=True)
            time.sleep(SETTLE_SECONDS)


def _some_paper(site: Path) -> Path:
    papers = sorted((site / "content" / "papers").rglob("*.md"))
    return papers[len(papers) // 2]


def _edit_paper(site: Path, run: int) -> None:
    paper = _some_paper(site)
    paper.write_text(
        paper.read_text("utf-8").rstrip() + f" Revised in benchmark run {run}.\n", "utf-8"
    )


def _edit_notes(site: Path, run: int) -> None:
    """A curator's note, the usual edit of a curated site: on another paper than `_edit_paper`
    edits, which appends to the end of its file (that is, to its notes if it had any)."""
    papers = sorted((site / "content" / "papers").rglob("*.md"))
    paper = papers[len(papers) // 3]
    text = paper.read_text("utf-8").rstrip()
    if "\n## Notes\n" not in text:
        text += "\n\n## Notes\n"
    paper.write_text(text + f"\nCurator's note from benchmark run {run}.\n", "utf-8")


def _edit_template(site: Path, run: int) -> None:
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    source = (ROOT / "templates" / "paper.html").read_text("utf-8")
    marked = source.replace("{% block main %}", f"{{% block main %}}<!-- run {run} -->", 1)
    (templates / "paper.html").write_text(marked, "utf-8")


def _add_paper(site: Path, run: int) -> None:
    model = _some_paper(site).read_text("utf-8")
    text = re.sub(r'^id: "(.*)"$', f'id: "bench-added-{run}"', model, count=1, flags=re.M)
    text = re.sub(r'^title: "(.*)"$', f'title: "Added Paper {run}"', text, count=1, flags=re.M)
    (site / "content" / "papers" / f"bench-added-{run}.md").write_text(text, "utf-8")


def _baseline_source(revision: str, work: Path) -> Path:
    """The pre-incremental site_builder, exported from git, with a venv-free way to run it."""
    target = work / f"baseline-{revision}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", revision], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def _measure_size(
    size: int,
    runs: int,
    work: Path,
    baseline: Path | None,
    *,
    serve: bool,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    site = work / f"site-{size}"
    trash = work / "trash"
    _trash(site, trash)
    _settle(trash, wait=True)
    print(f"[{size}] writing the corpus", flush=True)
    write_corpus(size, site)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in ("baseline", *SCENARIOS)}
    for run in range(1, runs + 1):
        # The last run's edited template is for our build only: the baseline's code is older.
        shutil.rmtree(site / "templates", ignore_errors=True)
        if baseline is not None:
            _reset(site, trash)
            env = {**os.environ, "PYTHONPATH": str(baseline)}
            command = [
                str(ROOT / ".venv" / "bin" / "python"),
                "-m",
                "site_builder",
                *_build(site)[1:],
            ]
            samples["baseline"].append(_run(command, env=env, cwd=baseline))
            print(f"[{size}] run {run} baseline {samples['baseline'][-1]}", flush=True)
        _reset(site, trash)
        for scenario in SCENARIOS:
            if scenario in skip:
                continue
            {
                "edit": _edit_paper,
                "notes": _edit_notes,
                "template": _edit_template,
                "add": _add_paper,
            }.get(scenario, lambda site, run: None)(site, run)
            samples[scenario].append(_run(_build(site)))
            print(f"[{size}] run {run} {scenario} {samples[scenario][-1]}", flush=True)
    pages = _count_pages(site)
    result: dict[str, Any] = {"papers": size, "runs": runs, "pages": pages}
    for name, found in samples.items():
        if found:
            result[name] = _summary(found)
    if serve:
        result["reload"] = _measure_reload(site, runs=min(runs, 3))
    return result


def _count_pages(site: Path) -> int:
    return sum(1 for _ in (site / "_site").rglob("*.html"))


def _summary(samples: list[dict[str, float]]) -> dict[str, float]:
    seconds = [sample["seconds"] for sample in samples]
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_rss_mib": max(sample["rss_mib"] for sample in samples),
        "samples_s": seconds,
    }


def _measure_reload(site: Path, *, runs: int) -> dict[str, float]:
    """Start `serve`, then time save -> reload event -> new page, `runs` times."""
    base_url = re.search(r"^base_url: (\S+)", (site / "site.yaml").read_text("utf-8"), re.M)
    assert base_url
    command = [
        str(ROOT / ".venv" / "bin" / "site-builder"),
        "serve",
        "--site",
        str(site),
        "--port",
        "0",
        "--base-url",
        base_url.group(1),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_as_users_run({**os.environ, "PYTHONUNBUFFERED": "1"}),
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    url = ""
    for line in process.stdout:
        if line.startswith("Serving"):
            url = re.findall(r"http://127\.0\.0\.1:\d+/", line)[0]
            break
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    events: queue.Queue[float] = queue.Queue()

    def listen() -> None:
        with urllib.request.urlopen(url + "__site_builder/events", timeout=600) as stream:
            for raw in stream:
                if raw.startswith(b"event: reload"):
                    events.put(time.perf_counter())

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(1.0)
    paper = _some_paper(site)
    page = url + "papers/" + re.search(r'^id: "(.*)"$', paper.read_text("utf-8"), re.M)[1] + "/"  # type: ignore[index]
    samples = []
    try:
        for run in range(runs):
            marker = f"Saved in serve run {run} {time.time_ns()}."
            while not events.empty():
                events.get()
            started = time.perf_counter()
            paper.write_text(paper.read_text("utf-8").rstrip() + f" {marker}\n", "utf-8")
            # One save may come as several file events, and so as more than one reload.
            while True:
                events.get(timeout=600)
                with urllib.request.urlopen(page, timeout=60) as response:
                    if marker.encode() in response.read():
                        break
            samples.append(time.perf_counter() - started)
            print(f"reload {samples[-1]:.3f} s", flush=True)
            # The reload above may be the preview of the saved page (`preview.py`): let the
            # build that follows it finish before the next save.
            while not lines.get(timeout=600).startswith("Built"):
                pass
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "samples_s": samples,
    }


def _machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.*)$", cpuinfo.read_text(), re.M)
        cpu = found.group(1) if found else cpu
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.M)
        memory = f"{int(found.group(1)) / 1024 / 1024:.1f} GiB" if found else memory
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cell(entry: dict[str, float] | None, baseline: dict[str, float] | None) -> str:
    if not entry:
        return "-"
    text = f"{entry['median_s']:.2f} s ({entry['min_s']:.2f}-{entry['max_s']:.2f})"
    if baseline:
        text += f", {baseline['median_s'] / entry['median_s']:.1f}x faster"
    return text


def write_results(results: dict[str, Any], path: Path) -> None:
    machine = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` ({results['date']}) on: {machine['nproc']} cores "
        f"(`nproc`), {machine['cpu']}, {machine['memory']} memory, Python {machine['python']}, "
        f"{machine['platform']}.",
        "",
        "Times are wall-clock seconds of the real command (`site-builder build --quiet` in a new "
        "process, Python start-up included): median (min-max) of the runs shown. Ratios are "
        "against the baseline measured in the same run: the build as it was before issue 6 "
        f"(git `{results['baseline_revision']}`: one process, no cache, every file rewritten). "
        "Peak RSS is the kernel's figure for the largest single process of the build: the main "
        "process, a render worker, or (in the baseline) the Pagefind binary it ran. Cold "
        "builds and the baseline start with the previous output moved aside, not deleted: "
        "deleted files are cleared away before each size, a minute before its first build "
        "(this disk's file system slows down file creation for a minute after a deletion; see "
        "`_settle` in bench/run.py).",
        "",
    ]
    for size in results["sizes"]:
        baseline = size.get("baseline")
        lines += [
            f"## {size['papers']:,} papers ({size['pages']:,} HTML pages, {size['runs']} run"
            f"{'s' if size['runs'] > 1 else ''} each)",
            "",
            "| measurement | time | peak RSS |",
            "|---|---|---|",
        ]
        for name in ("baseline", *SCENARIOS, "reload"):
            entry = size.get(name)
            if entry is None:
                continue
            ratio_base = baseline if name not in {"baseline", "reload"} else None
            rss = f"{entry['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in entry else "-"
            lines.append(f"| {LABELS[name]} | {_cell(entry, ratio_base)} | {rss} |")
        cold = size.get("cold")
        if cold:
            rate = size["pages"] / cold["median_s"]
            lines.append("")
            lines.append(
                f"Cold build: {rate:,.0f} pages per second"
                + (f" (baseline: {size['pages'] / baseline['median_s']:,.0f})" if baseline else "")
                + "."
            )
        lines.append("")
    lines += results.get("notes", [])
    analysis = HERE / "analysis.md"
    if analysis.exists():
        lines += ["", analysis.read_text("utf-8")]
    path.write_text("\n".join(lines).rstrip() + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated paper counts")
    parser.add_argument("--runs", type=int, help="runs per measurement (default: 5, 3, 1 by size)")
    parser.add_argument("--baseline", default="da90e7e", help="git revision of the 'before' build")
    parser.add_argument(
        "--no-baseline-above",
        type=int,
        default=10000,
        help="skip the (slow, memory-hungry) baseline for sizes above this",
    )
    parser.add_argument(
        "--skip-above",
        default="",
        help="SIZE:SCENARIO,... measurements left out above a size, e.g. 10000:template",
    )
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="scratch folder")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--report", action="store_true", help="only rewrite RESULTS.md from the JSON file"
    )
    options = parser.parse_args()
    if options.report:
        write_results(json.loads(options.json.read_text("utf-8")), options.out)
        return
    options.work.mkdir(parents=True, exist_ok=True)
    baseline = _baseline_source(options.baseline, options.work)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": _machine(),
        "baseline_revision": options.baseline,
        "sizes": [],
        "notes": [],
    }
    for size in (int(text) for text in options.sizes.split(",")):
        runs = options.runs or RUNS.get(size, 1)
        use_baseline = baseline if size <= options.no_baseline_above else None
        if use_baseline is None:
            results["notes"].append(
                f"At {size:,} papers the baseline was not run (the pre-incremental build holds "
                "every output in memory at once); figures there are absolute only."
            )
        skip = frozenset(
            scenario
            for rule in options.skip_above.split(",")
            if rule
            for limit, scenario in [rule.split(":")]
            if size > int(limit)
        )
        for scenario in sorted(skip):
            results["notes"].append(f"At {size:,} papers '{LABELS[scenario]}' was not measured.")
        results["sizes"].append(
            _measure_size(size, runs, options.work, use_baseline, serve=size <= 10000, skip=skip)
        )
        options.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        write_results(results, options.out)
    _settle(options.work / "trash", wait=False)
    print(f"Wrote {options.out} and {options.json}")


if __name__ == "__main__":
    main()
