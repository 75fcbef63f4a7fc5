from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kb.projects"
    verbose_name = "Improvement projects"

    def ready(self):
        from kb.following import registry

        from .models import ProjectPage

        # Followed as a "project" (not as any page), so follows and notifications name it so.
        registry.register("project", ProjectPage, "project")
