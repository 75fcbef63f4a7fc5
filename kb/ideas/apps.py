from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "kb.ideas"
    label = "ideas"
    verbose_name = "Frontline ideas"

    def ready(self):
        from kb.accounts.views import register_member_data

        register_member_data("ideas", member_ideas)


def member_ideas(user):
    """The ideas a member shared while signed in, for their data download."""
    from .models import IdeaSubmission

    return [
        {
            "reference": item.reference,
            "title": item.title,
            "problem": item.problem,
            "proposal": item.proposal,
            "organisation": item.organisation,
            "role": item.role,
            "email": item.email,
            "status": item.status,
            "created_at": item.created_at.isoformat(),
        }
        for item in IdeaSubmission.objects.filter(submitted_by=user).order_by("created_at")
    ]
