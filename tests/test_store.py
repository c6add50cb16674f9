"""Merging records into content/: the curator's edits survive, writes are atomic."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from site_builder.frontmatter import parse_document
from site_builder.ingest.records import PaperRecord, normalize_title
from site_builder.ingest.store import store_records

PAPERS = Path("content/papers")


def _record(**changes: object) -> PaperRecord:
    fields: dict = {
        "id": "a-paper-123abc",
        "title": "A Paper",
        "abstract": "It works.",
        "source": "text",
        "featured": date(2025, 3, 13),
        "rank": 3,
        "links": {"code": "https://github.com/a/b"},
    }
    fields.update(changes)
    return PaperRecord(**fields)


def test_new_record_is_written_with_its_fields(tmp_path: Path) -> None:
    report = store_records([_record()], tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in report.added] == ["2025/a-paper-123abc.md"]
    assert (tmp_path / "2025/a-paper-123abc.md").read_text() == (
        "---\n"
        "id: a-paper-123abc\n"
        "title: A Paper\n"
        "featured: 2025-03-13\n"
        "links:\n"
        "  code: https://github.com/a/b\n"
        "rank: 3\n"
        "source: text\n"
        "---\n"
        "It works.\n"
    )


def test_curator_edits_survive_a_source_update(tmp_path: Path) -> None:
    store_records([_record()], tmp_path)
    path = tmp_path / "2025/a-paper-123abc.md"
    text = path.read_text()
    text = text.replace("rank: 3\n", "rank: 3\ntopics: [reasoning]\nhidden: true\nmy_rating: 5\n")
    text = text.replace("links:\n", "links:\n  project: https://example.org/p\n")
    text += "\n## Notes\n\nRead this with the 2023 paper.\n"
    path.write_text(text)

    report = store_records([_record(rank=1, abstract="It works, v2.")], tmp_path)
    assert report.updated == [path]
    doc = parse_document(path.read_text(), path=path)
    assert doc.meta.data["rank"] == 1
    assert doc.abstract == "It works, v2."
    assert doc.meta.data["topics"] == ["reasoning"]
    assert doc.meta.data["hidden"] is True
    assert doc.meta.data["my_rating"] == 5
    assert doc.meta.data["links"] == {
        "code": "https://github.com/a/b",
        "project": "https://example.org/p",
    }
    assert doc.notes == "Read this with the 2023 paper."


def test_a_record_matches_an_existing_file_by_normalised_title(tmp_path: Path) -> None:
    store_records([_record()], tmp_path)
    report = store_records([_record(id="2403.01234", title="A  paper!", rank=2)], tmp_path)
    assert len(report.updated) == 1 and not report.added
    # The arXiv id replaces the title id, which stays as an alias so the title source still
    # finds the file; the file itself stays where it is.
    doc = parse_document(report.updated[0].read_text(), path=report.updated[0])
    assert doc.meta.data["id"] == "2403.01234"
    assert doc.meta.data["aliases"] == ["a-paper-123abc"]
    assert report.updated[0].name == "a-paper-123abc.md"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    report = store_records([_record()], tmp_path, dry_run=True)
    assert len(report.added) == 1
    assert not list(tmp_path.rglob("*"))


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    store_records([_record(), _record(id="b-456def", title="B")], tmp_path)
    store_records([_record(rank=9)], tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        "a-paper-123abc.md",
        "b-456def.md",
    ]


def test_normalize_title_folds_case_accents_punctuation_and_tex() -> None:
    assert normalize_title(r"TÜLU 3: \textit{Pushing}  Frontiers") == (
        normalize_title("Tulu 3 -- pushing frontiers")
    )
