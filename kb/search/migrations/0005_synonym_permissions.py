"""Moderators maintain the search synonym groups; editors can see them."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="kbsearch", model="synonymgroup")

    def perms(actions):
        return [
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_synonymgroup",
                defaults={"name": f"Can {action} search synonym group"},
            )[0]
            for action in actions
        ]

    moderators, _ = Group.objects.get_or_create(name="Moderators")
    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators.permissions.add(*perms(["add", "change", "delete", "view"]))
    editors.permissions.add(*perms(["view"]))


class Migration(migrations.Migration):
    dependencies = [
        ("kbsearch", "0004_document_signal"),
        ("core", "0002_editorial_permissions"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
