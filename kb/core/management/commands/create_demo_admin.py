"""python manage.py create_demo_admin: a superuser for trying the site on a laptop.

The password is random, kept in var/ (ignored by git) and printed each time, so the README's run
command can always tell a newcomer how to sign in. Refuses to run with DEBUG off unless --force.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create (or show) the local demo administrator account."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("create_demo_admin is for local development (DJANGO_DEBUG=1).")
        password_file = settings.VAR_DIR / "demo_admin_password"
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        password = password_file.read_text().strip() if password_file.exists() else None
        if user is None or password is None or not user.check_password(password):
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(USERNAME, "admin@example.nhs.uk", password)
            else:
                user.set_password(password)
                user.save()
            password_file.write_text(password)
            password_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin sign-in: http://127.0.0.1:8000/admin/  username: {USERNAME}  "
                f"password: {password}"
            )
        )
