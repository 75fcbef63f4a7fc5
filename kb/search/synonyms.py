"""The words clinicians type: synonym groups for search.

Two sources, merged: each vocabulary term (its name plus its synonyms: PDSA = Model for
Improvement) and the editable SynonymGroup snippets, seeded by migration 0003_clinical_synonyms
(A&E = ED = emergency department). British and American spellings are folded together too, so a
search for "pediatric" finds "paediatric". Both search backends use the same groups: the database
backend expands the query; Elasticsearch gets them as a synonym filter.
"""

import re
import time

from .query import SynonymIndex

# Seed data for SynonymGroup: each line is one group of words or phrases that mean the same.

# British spelling first: a search in either spelling finds both.
SPELLING_VARIANTS = [
    ("anaesthesia", "anesthesia"),
    ("anaesthetic", "anesthetic"),
    ("anaesthetics", "anesthetics"),
    ("paediatric", "pediatric"),
    ("paediatrics", "pediatrics"),
    ("orthopaedic", "orthopedic"),
    ("orthopaedics", "orthopedics"),
    ("haematology", "hematology"),
    ("gynaecology", "gynecology"),
    ("oesophageal", "esophageal"),
    ("oedema", "edema"),
    ("oncologic", "oncological"),
    ("foetal", "fetal"),
    ("leukaemia", "leukemia"),
    ("diarrhoea", "diarrhea"),
    ("haemorrhage", "hemorrhage"),
    ("tumour", "tumor"),
    ("behaviour", "behavior"),
    ("labour", "labor"),
    ("colour", "color"),
    ("centre", "center"),
    ("centres", "centers"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("litre", "liter"),
    ("analyse", "analyze"),
    ("catalogue", "catalog"),
    ("judgement", "judgment"),
    ("organisation", "organization"),
    ("organisations", "organizations"),
]

_IZE = re.compile(r"^(\w{3,})iz(e|es|ed|ing|ation|ations)$")
_ISE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations)$")


def spelling_alternatives(word):
    """Other spellings of one lowercase word: from the list, and -ise/-ize endings."""
    found = set()
    for british, american in SPELLING_VARIANTS:
        if word == british:
            found.add(american)
        elif word == american:
            found.add(british)
    match = _IZE.match(word)
    if match:
        found.add(f"{match.group(1)}is{match.group(2)}")
    match = _ISE.match(word)
    if match and not word.endswith(("wise", "rise", "vise", "cise")):
        found.add(f"{match.group(1)}iz{match.group(2)}")
    found.discard(word)
    return sorted(found)


def split_group(text):
    """'A&E, ED, emergency department' -> ['A&E', 'ED', 'emergency department']."""
    return [item.strip() for item in re.split(r"[,\n]", text or "") if item.strip()]


def synonym_groups():
    """Every synonym group in force: vocabulary terms and editable groups, lowercased."""
    from kb.search.models import SynonymGroup
    from kb.taxonomy.models import vocabularies

    groups = []
    for model in vocabularies():
        for name, synonyms in model.objects.values_list("name", "synonyms"):
            group = [name, *split_group(synonyms)]
            if len(group) > 1:
                groups.append(group)
    for terms in SynonymGroup.objects.values_list("terms", flat=True):
        group = split_group(terms)
        if len(group) > 1:
            groups.append(group)
    for british, american in SPELLING_VARIANTS:
        groups.append([british, american])
    return [[item.lower() for item in group] for group in groups]


_SYNONYMS = {"index": None, "loaded_at": 0.0}
SYNONYM_TTL_SECONDS = 60


def synonym_index():
    """The synonym index, rebuilt at most once a minute (or at once after an edit)."""
    now = time.monotonic()
    if _SYNONYMS["index"] is None or now - _SYNONYMS["loaded_at"] > SYNONYM_TTL_SECONDS:
        _SYNONYMS["index"] = SynonymIndex(synonym_groups(), spelling_alternatives)
        _SYNONYMS["loaded_at"] = now
    return _SYNONYMS["index"]


def forget_synonyms(**kwargs):
    _SYNONYMS["index"] = None
