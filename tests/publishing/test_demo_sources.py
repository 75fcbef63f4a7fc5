"""The demo content can be checked: standards link their source, results have real units, and
a real organisation's name appears only beside published figures with their source.

Read straight from the Markdown files, so a problem is reported before anything is imported.
"""

import re
from pathlib import Path

import pytest

from kb.publishing.frontmatter import parse_document

DEMO_CONTENT = Path(__file__).resolve().parents[2] / "kb" / "publishing" / "demo_content"

# The fictional organisations demo content may use for invented figures. A real organisation
# may be named only where the figures are published, and then the page cites where.
FICTIONAL_ORGANISATIONS = {
    "Northshire Hospitals NHS Foundation Trust",
    "Eastmere University Hospitals NHS Trust",
    "Eastmere Community Health NHS Trust",
    "Southford Teaching Hospitals NHS Foundation Trust",
    "Southford Community Health NHS Foundation Trust",
    "Westdale Community and Hospital NHS Trust",
    "Westdale Mental Health NHS Foundation Trust",
    "Fenbridge Hospitals NHS Foundation Trust",
    "Tidemouth University Hospitals NHS Foundation Trust",
    "NHS Tidemouth Integrated Care Board",
    "Millhaven Hospitals NHS Foundation Trust",
    "Millhaven Care NHS Foundation Trust",
    "Millhaven Ambulance Service NHS Trust",
}

LINK = re.compile(r"\]\((https?://[^)\s]+)\)")


def documents(type_):
    found = []
    for path in sorted(DEMO_CONTENT.rglob("*.md")):
        document = parse_document(path.read_text(encoding="utf-8"), path)
        if document.type == type_:
            found.append(document)
    assert found, f"no demo {type_} found"
    return found


def text_of(document):
    return "\n\n".join([document.intro, *(markdown for _, markdown in document.sections)])


def test_every_girft_standard_names_its_source_and_links_to_it():
    references = []
    for document in documents("girft-standard"):
        assert str(document.meta.get("source_report") or "").strip(), document.slug
        url = str(document.meta.get("source_url") or "")
        assert url.startswith("https://"), f"{document.slug}: source_url {url!r}"
        assert url in text_of(document), f"{document.slug}: the text does not cite its source"
        references.append(document.meta["reference"])
    assert len(references) == len(set(references)), "references must be unique"


def test_no_case_study_result_uses_improvement_as_a_unit():
    for document in documents("case-study"):
        for measure in document.meta.get("measures") or []:
            unit = str(measure.get("unit", ""))
            assert "improvement" not in unit.lower(), f"{document.slug}: unit {unit!r}"
            assert unit.strip(), f"{document.slug}: {measure.get('name')} has no unit"


@pytest.mark.parametrize("type_", ["case-study", "idea"])
def test_real_organisations_appear_only_with_a_cited_source(type_):
    for document in documents(type_):
        organisation = document.meta.get("organisation")
        if not organisation:
            continue
        if organisation in FICTIONAL_ORGANISATIONS:
            assert "fictional" in document.intro, f"{document.slug}: say the trust is fictional"
        else:
            links = LINK.findall(text_of(document))
            assert links, f"{document.slug}: {organisation} is real, so cite the published source"
        for name in document.meta.get("also_adopted_by") or []:
            assert name in FICTIONAL_ORGANISATIONS, f"{document.slug}: {name} adopted what?"
