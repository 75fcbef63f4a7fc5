"""Moderators maintain the metrics and upload their data (as they maintain the vocabularies);
editors can see the metrics."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    def perms(model, verbose, actions):
        content_type, _ = ContentType.objects.get_or_create(app_label="variation", model=model)
        return [
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {verbose}"},
            )[0]
            for action in actions
        ]

    moderators, _ = Group.objects.get_or_create(name="Moderators")
    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators.permissions.add(
        *perms("metric", "metric", ["add", "change", "delete", "view"]),
        *perms("metricvalue", "metric value", ["add", "view"]),
    )
    editors.permissions.add(*perms("metric", "metric", ["view"]))


class Migration(migrations.Migration):
    dependencies = [
        ("variation", "0001_initial"),
        ("core", "0002_editorial_permissions"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
