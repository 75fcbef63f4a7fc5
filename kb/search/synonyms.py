"""The words clinicians type: synonym groups for search.

Two sources, merged: each vocabulary term (its name plus its synonyms: PDSA = Model for
Improvement) and the editable SynonymGroup snippets, seeded from CLINICAL_SYNONYMS below
(A&E = ED = emergency department). British and American spellings are folded together too, so a
search for "pediatric" finds "paediatric". Both search backends use the same groups: the database
backend expands the query; Elasticsearch gets them as a synonym filter.
"""

import re

# Seed data for SynonymGroup: each line is one group of words or phrases that mean the same.
CLINICAL_SYNONYMS = [
    "A&E, ED, emergency department, accident and emergency, emergency departments",
    "SDEC, same day emergency care, ambulatory emergency care, AEC",
    "RTT, referral to treatment",
    "DNA, did not attend, did not attends, was not brought, missed appointment",
    "IAPT, NHS Talking Therapies, talking therapies, improving access to psychological therapies",
    "UTC, urgent treatment centre",
    "LOS, length of stay",
    "D2A, discharge to assess",
    "PIFU, patient initiated follow up, patient-initiated follow-up",
    "A&G, advice and guidance",
    "FDS, faster diagnosis standard",
    "2WW, two week wait",
    "CDC, community diagnostic centre, community diagnostic centres",
    "GP, general practice, general practitioner",
    "PCN, primary care network",
    "ICB, integrated care board",
    "ICS, integrated care system",
    "UCR, urgent community response",
    "virtual ward, hospital at home",
    "CYPMHS, CAMHS, children and young people's mental health services",
    "OPAT, outpatient parenteral antimicrobial therapy",
    "MDT, multidisciplinary team",
    "NEL, non-elective",
    "COPD, chronic obstructive pulmonary disease",
    "ITU, ICU, intensive care unit, critical care unit",
    "theatre, operating theatre, operating room",
    "cataract surgery, cataract operations",
    "handover, ambulance handover",
    "flow, patient flow",
    "waste, muda",
    "frailty, frail",
]

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
    from kb.taxonomy import models as taxonomy

    groups = []
    for model in (
        taxonomy.Pathway,
        taxonomy.ImprovementMethod,
        taxonomy.Specialty,
        taxonomy.Region,
        taxonomy.WasteType,
    ):
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
