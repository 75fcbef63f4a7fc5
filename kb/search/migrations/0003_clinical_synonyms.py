"""Seed the editable synonym groups with the words clinicians type."""

from django.db import migrations

# Frozen here: the groups as first seeded. Moderators edit them in the admin afterwards.
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


def seed(apps, schema_editor):
    SynonymGroup = apps.get_model("kbsearch", "SynonymGroup")
    for terms in CLINICAL_SYNONYMS:
        SynonymGroup.objects.get_or_create(terms=terms)


def unseed(apps, schema_editor):
    apps.get_model("kbsearch", "SynonymGroup").objects.filter(terms__in=CLINICAL_SYNONYMS).delete()


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0002_fulltext")]
    operations = [migrations.RunPython(seed, unseed)]
