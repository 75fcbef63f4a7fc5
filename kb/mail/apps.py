from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "kb.mail"
    # "mail" alone would be too easily taken by a third-party app.
    label = "kbmail"
    verbose_name = "Email outbox"
