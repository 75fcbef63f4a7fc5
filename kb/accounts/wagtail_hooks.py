"""The staff chooser's admin views (kb.accounts.choosers), for kb.accounts.widgets.StaffChooser."""

from django.contrib.auth import get_user_model
from wagtail import hooks

from .choosers import StaffChooserViewSet


@hooks.register("register_admin_viewset")
def register_staff_chooser():
    return StaffChooserViewSet("staff_chooser", model=get_user_model(), url_prefix="staff-chooser")
