"""Pages read top-down, as issue 13 asks: the summary, then the introduction (the Markdown
before the first ## heading, where demo case studies say they are illustrative), then the
sections."""

import pytest

from kb.core.markdown import markdown_to_text
from kb.core.models import knowledge_page_models


def first_words(stream_value):
    text = " ".join(markdown_to_text(str(block.value)) for block in stream_value)
    return " ".join(text.split()[:6])


@pytest.mark.usefixtures("demo_content")
def test_every_demo_page_reads_summary_then_introduction_then_sections(client):
    checked = 0
    for model in knowledge_page_models():
        for page in model.objects.live().exclude(body=[]):
            if not page.body or not page.section_fields:
                continue
            html = " ".join(client.get(page.url).content.decode().split())
            introduction = html.find(first_words(page.body))
            summary = html.find(" ".join(page.summary.split()[:6]))
            first_section = next(
                (html.find(f">{heading}<") for field, heading in page.section_fields
                 if getattr(page, field)),
                -1,
            )  # fmt: skip
            assert 0 <= summary < introduction, page.url
            if first_section >= 0:
                assert introduction < first_section, page.url
            checked += 1
    assert checked >= 10


@pytest.mark.usefixtures("demo_content")
def test_the_illustrative_notice_comes_before_the_case_study_sections(client):
    from kb.cases.models import CaseStudyPage

    page = CaseStudyPage.objects.live().get(slug="bristol-high-volume-cataract-lists")
    html = client.get(page.url).content.decode()

    assert html.index("This illustrative case study") < html.index("Measured results")
    assert html.index("This illustrative case study") < html.index(">The problem<")
