"""Moderators moderate ideas: the Wagtail "Moderators" group gets the submission permissions.

"view" opens the queue and its export; "change" is every moderation action (accept, ask for
more information, decline, merge) and promoting an idea to a case study. Endorsements can be
viewed and deleted (spam). Editors get none of these. Deleting a submission is left to
administrators.
"""

from django.db import migrations

GRANTS = {
    "ideasubmission": ("view", "change"),
    "endorsement": ("view", "delete"),
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    moderators, _ = Group.objects.get_or_create(name="Moderators")
    for model, actions in GRANTS.items():
        # Permissions are normally created after migrations; make sure they exist now.
        content_type, _ = ContentType.objects.get_or_create(app_label="ideas", model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            moderators.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators is None:
        return
    for model, actions in GRANTS.items():
        moderators.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="ideas",
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0001_initial"),
        ("core", "0002_editorial_permissions"),
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
