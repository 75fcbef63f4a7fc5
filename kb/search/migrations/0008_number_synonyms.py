"""More of the words clinicians type: numbers written as figures, words and short forms.

"4 hour", "four-hour" and "4hr" are one standard; NEWS2 is written with and without its space.
Frozen here (moderators edit the groups in the admin afterwards).
"""

from django.db import migrations

# A hyphenated form is one word as typed ("four-hour") but two in the index: both are listed.
GROUPS = [
    "four hour, four-hour, 4 hour, 4-hour, 4hr, 4hrs, 4 hr, 4 hrs, four hours, 4 hours",
    "twelve hour, twelve-hour, 12 hour, 12-hour, 12hr, 12hrs, 12 hr, 12 hours, twelve hours",
    "eighteen week, eighteen-week, 18 week, 18-week, 18 weeks, 18wk, RTT18",
    "62 day, 62-day, 62 days, sixty-two day",
    "28 day, 28-day, 28 days, twenty-eight day",
    "NEWS2, NEWS 2, national early warning score",
    "two week wait, two-week wait, 2 week wait, 2-week wait",
]


def seed(apps, schema_editor):
    SynonymGroup = apps.get_model("kbsearch", "SynonymGroup")
    for terms in GROUPS:
        SynonymGroup.objects.get_or_create(terms=terms)


def unseed(apps, schema_editor):
    apps.get_model("kbsearch", "SynonymGroup").objects.filter(terms__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("kbsearch", "0007_facet_values")]
    operations = [migrations.RunPython(seed, unseed)]
