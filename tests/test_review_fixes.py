"""Regressions found in review: each test shows the bug it guards against."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.config import TopicRule, load_config
from site_builder.enrich.authors import group_authors
from site_builder.enrich.topics import TopicMatcher
from site_builder.errors import ConfigError, ContentError, IngestError
from site_builder.frontmatter import dump_document
from site_builder.ids import normalize_doi
from site_builder.ingest.text import parse_text_dump
from site_builder.load import load_paper
from site_builder.markdown import render_markdown
from site_builder.models import EnrichedPaper, Paper


def test_math_cannot_smuggle_markup_past_the_check() -> None:
    """ElementTree drops comments and CDATA, a browser does not: serialise what was checked."""
    for tex in [
        r"\text{<!--><svg/onload=alert(1)>-->}",
        r"\text{<![CDATA[><svg/onload=alert(1)>]]>}",
    ]:
        html = render_markdown(f"We show ${tex}$ here.")
        assert "<svg" not in html and "<!--" not in html and "CDATA" not in html, html


def test_only_web_links_and_no_images_in_abstracts() -> None:
    html = render_markdown(
        "[a](mailto:x@example.org) [b](ftp://x.org/f) [c](/relative) "
        "[d](https://ok.example.org/) ![pixel](https://tracker.example.org/p.gif)"
    )
    assert 'href="https://ok.example.org/"' in html
    assert "mailto:" not in html.split("[a](")[0] and 'href="mailto' not in html
    assert 'href="ftp' not in html and 'href="/relative"' not in html
    assert "<img" not in html


def test_keywords_with_symbols_match() -> None:
    rule = TopicRule(slug="cpp", name="C++", keywords=("C++", ".NET"))
    matcher = TopicMatcher([rule, TopicRule(slug="other", name="Other", catch_all=True)])
    paper = Paper(id="x", title="Fuzzing C++ compilers", featured=date(2025, 1, 1))
    assert matcher.matches(paper) == ("cpp",)


def _item(paper_id: str, authors: tuple[str, ...]) -> EnrichedPaper:
    paper = Paper(id=paper_id, title=paper_id, authors=authors, featured=date(2025, 1, 1))
    return EnrichedPaper(paper=paper, topics=(), score=0, summary="")


def test_author_addresses_do_not_shift_when_names_are_added() -> None:
    before = {a.name: a.slug for a in group_authors([_item("a", ("李娜", "王伟", "José"))])}
    after = {
        a.name: a.slug
        for a in group_authors([_item("a", ("李娜", "王伟", "José")), _item("b", ("张三", "Jose"))])
    }
    assert {name: after[name] for name in before} == before
    assert len(set(after.values())) == len(after)


def test_a_topic_named_other_needs_to_be_the_catch_all(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "topics.yaml").write_text(
        "topics:\n  - slug: a\n    keywords: [x]\n  - slug: other\n    keywords: [y]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.line == 4 and caught.value.field == "topics.1.slug"


@pytest.mark.parametrize("line", ["Feb 30, 2025", "2025-02-30", "Feb 31"])
def test_impossible_dates_in_a_page_are_errors_with_a_line(line: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_text_dump(
            f"{line}\n\nTitle\n\nAbstract.\n", path=Path("p.txt"), day=date(2025, 2, 28)
        )
    assert caught.value.line == 1


def test_control_characters_are_named_when_loading_and_dropped_when_ingesting(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.md"
    path.write_text("---\nid: x\ntitle: T\nfeatured: 2025-01-01\n---\nOne.\n\nTwo\x0c three.\n")
    with pytest.raises(ContentError) as caught:
        load_paper(path, topics=set())
    assert (caught.value.line, caught.value.field) == (8, "abstract")
    path.write_text('---\nid: x\ntitle: "T\\f"\nfeatured: 2025-01-01\n---\nOne.\n')
    with pytest.raises(ContentError) as caught:
        load_paper(path, topics=set())
    assert (caught.value.line, caught.value.field) == (3, "title")
    path.write_text(
        dump_document({"id": "x", "title": "T\x08", "featured": date(2025, 1, 1)}, "Two\x0c three.")
    )
    paper = load_paper(path, topics=set())
    assert (paper.title, paper.abstract) == ("T", "Two three.")


def test_dois_are_normalised_and_any_doi_is_a_usable_id(
    site_dir: Path, write_paper: Callable[[str, str], Path]
) -> None:
    odd = "10.1002/(SICI)1097-4636(199706)35:4<421::AID-JBM4>3.0.CO;2-N"
    assert normalize_doi(f"http://dx.doi.org/{odd}") == odd
    assert normalize_doi("doi:10.1000/xyz123") == "10.1000/xyz123"
    assert normalize_doi("not a doi") is None
    bib = site_dir / "refs.bib"
    bib.write_text(
        "@article{a, title={Odd DOI}, author={Ada Lovelace}, year={1997},\n"
        f"  doi={{{odd}}}}}\n"
    )
    assert main(["ingest", "bibtex", "--site", str(site_dir), "--file", str(bib), "-q"]) == 0
    assert main(["build", "--site", str(site_dir), "--quiet"]) == 0


def test_a_recipients_line_must_hold_exactly_one_address(tmp_path: Path) -> None:
    from site_builder.digest import read_recipients  # noqa: PLC0415
    from site_builder.errors import EmailError  # noqa: PLC0415

    path = tmp_path / "recipients.txt"
    path.write_text('# readers\n"Ada #1" <ada@example.org>\nbob@example.org\n')
    assert read_recipients(path) == ["Ada #1 <ada@example.org>", "bob@example.org"]
    path.write_text("ada@example.org, bob@example.org\n")
    with pytest.raises(EmailError) as caught:
        read_recipients(path)
    assert caught.value.line == 1


@pytest.mark.parametrize("folder", ["static", "templates", "content", "."])
def test_the_output_folder_never_replaces_the_curators_folders(
    site_dir: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (site_dir / "static").mkdir(exist_ok=True)
    (site_dir / "static" / "custom.css").write_text("a {}")
    config = site_dir / "site.yaml"
    config.write_text(config.read_text() + f"output_dir: {folder}\n")
    assert main(["build", "--site", str(site_dir), "--quiet"]) == 1
    assert "would replace" in capsys.readouterr().err
    assert (site_dir / "static" / "custom.css").read_text() == "a {}"
