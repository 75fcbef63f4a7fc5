"""The words clinicians type: synonym groups for search.

Two sources, merged: each vocabulary term (its name plus its synonyms: PDSA = Model for
Improvement) and the editable SynonymGroup snippets, seeded by migration 0003_clinical_synonyms
(A&E = ED = emergency department). British and American spellings are folded together too, so a
search for "pediatric" finds "paediatric": from a maintained word list (the `breame` package,
about 1,700 British-American pairs), the medical words it lacks (below), the classical ae/oe
forms of medical stems (haematuria = hematuria, oesophagus = esophagus, ischaemia = ischemia)
and -ise/-ize endings. Both search backends use the same groups: the database backend expands the
query; Elasticsearch gets them as a synonym filter.
"""

import re
import time

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

from .query import SynonymIndex

# Seed data for SynonymGroup: each line is one group of words or phrases that mean the same.

# British spelling first: a search in either spelling finds both. Medical words the word list
# lacks, and a few it has, kept so the list's absence never loses them.
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

# Medical words keep the Greek and Latin ae and oe in British English: the stem at the start of a
# word, British then American, and the blood words' ending. Applied both ways; a made-up form
# ("haemisphere" from "hemisphere") matches nothing, so it costs nothing.
CLASSICAL_STEMS = [
    ("haem", "hem"),
    ("paed", "ped"),
    ("anaes", "anes"),
    ("anaem", "anem"),
    ("oesoph", "esoph"),
    ("oedem", "edem"),
    ("oestr", "estr"),
    ("gynaec", "gynec"),
    ("orthopaed", "orthoped"),
    ("leukaem", "leukem"),
    ("diarrhoe", "diarrhe"),
    ("foet", "fet"),
    ("ischaem", "ischem"),
    ("coeliac", "celiac"),
    ("caesar", "cesar"),
]
CLASSICAL_ENDINGS = [("aemia", "emia"), ("aemic", "emic"), ("aemias", "emias")]
# American -> British from the word list.
_TO_BRITISH = {american: british for british, american in BRITISH_ENGLISH_SPELLINGS.items()}

_IZE = re.compile(r"^(\w{3,})iz(e|es|ed|ing|ation|ations)$")
_ISE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations)$")


def spelling_alternatives(word):
    """Other spellings of one lowercase word: the lists, the classical medical forms and
    -ise/-ize endings (see the module docstring)."""
    found = set()
    for british, american in SPELLING_VARIANTS:
        if word == british:
            found.add(american)
        elif word == american:
            found.add(british)
    for other in (BRITISH_ENGLISH_SPELLINGS.get(word), _TO_BRITISH.get(word)):
        if other:
            found.add(other)
    for british, american in CLASSICAL_STEMS:
        if word.startswith(british):
            found.add(american + word[len(british) :])
        elif word.startswith(american) and len(word) > len(american) + 1:
            found.add(british + word[len(american) :])
    for british, american in CLASSICAL_ENDINGS:
        if word.endswith(british):
            found.add(word[: -len(british)] + american)
        elif word.endswith(american) and not word.endswith(british):
            found.add(word[: -len(american)] + british)
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
