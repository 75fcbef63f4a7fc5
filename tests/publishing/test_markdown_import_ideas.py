"""Markdown import of published frontline ideas (type: idea)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

IDEA = """---
type: idea
title: Reusable tourniquets
summary: Single-use tourniquets are thrown away after every blood test.
waste_type: {waste}
stage: tested
organisation: Example Community Trust
region: south-west
estimated_saving_money: 4000
---
## The problem
Hundreds of tourniquets a week go in the bin.

## The idea
Wipeable tourniquets, one per phlebotomist.
"""


@pytest.mark.django_db
def test_an_idea_file_becomes_a_published_idea_page(tmp_path, site_tree, client):
    from kb.ideas.models import IdeaPage

    (tmp_path / "idea.md").write_text(IDEA.format(waste="inventory"))
    call_command("import_markdown", str(tmp_path), "--publish", verbosity=0)
    idea = IdeaPage.objects.get(slug="reusable-tourniquets")
    assert idea.waste_type.slug == "inventory"
    assert idea.stage == "tested"
    assert idea.organisation.name == "Example Community Trust"
    assert idea.region.slug == "south-west"
    assert idea.estimated_saving_money == 4000
    assert idea.problem.startswith("Hundreds") and idea.proposal.startswith("Wipeable")
    assert idea.url.startswith("/ideas/")
    assert "Wipeable tourniquets" in client.get(idea.url).content.decode()


@pytest.mark.django_db
def test_an_unknown_waste_type_fails_the_file_with_its_line(tmp_path, site_tree, capsys):
    (tmp_path / "idea.md").write_text(IDEA.format(waste="clutter"))
    with pytest.raises(CommandError):
        call_command("import_markdown", str(tmp_path), verbosity=0)
    assert "idea.md:5: unknown waste type slug: clutter" in capsys.readouterr().err
