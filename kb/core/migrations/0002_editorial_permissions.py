"""Least-privilege editorial groups for the vocabularies.

Wagtail's own migrations create the Editors group (add and edit pages: drafts only), the
Moderators group (also publish) and the "Moderators approval" workflow on the whole tree, so
guidance is approved by a moderator before it goes live. Here: moderators maintain the
vocabularies; editors can add organisations (case studies need them) but not change the
national vocabularies.
"""

from django.db import migrations

VOCABULARIES = ("pathway", "improvementmethod", "contentkind", "region", "specialty", "wastetype")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    def perms(model, actions):
        # Permissions are normally created after migrations; make sure they exist now.
        content_type, _ = ContentType.objects.get_or_create(app_label="taxonomy", model=model)
        return [
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )[0]
            for action in actions
        ]

    moderators, _ = Group.objects.get_or_create(name="Moderators")
    editors, _ = Group.objects.get_or_create(name="Editors")
    for model in VOCABULARIES:
        moderators.permissions.add(*perms(model, ["add", "change", "view"]))
        editors.permissions.add(*perms(model, ["view"]))
    moderators.permissions.add(*perms("organisation", ["add", "change", "view"]))
    editors.permissions.add(*perms("organisation", ["add", "view"]))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("taxonomy", "0002_vocabularies"),
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
