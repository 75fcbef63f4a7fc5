"""The forms behind the follow buttons and the member's list of follows."""

from django import forms
from wagtail.models import Page

from .models import Frequency
from .registry import followable


class FollowForm(forms.Form):
    """Follow or stop following one thing; `next` is where to go back to."""

    kind = forms.CharField(max_length=20)
    id = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("follow", "Follow"), ("unfollow", "Stop following")])
    next = forms.CharField(max_length=2000, required=False)

    def clean(self):
        cleaned = super().clean()
        entry = followable(cleaned.get("kind", ""))
        if entry is None or "id" not in cleaned:
            raise forms.ValidationError("That cannot be followed")
        manager = entry.model.objects
        found = manager.filter(pk=cleaned["id"]).first()
        if found is None:
            raise forms.ValidationError("That cannot be followed: it no longer exists")
        if isinstance(found, Page):
            found = found.specific
            # Only what everyone may read: following must not reveal a restricted page's title.
            if not found.live or found.get_view_restrictions().exists():
                raise forms.ValidationError("That page is not published")
        cleaned["target"] = found
        return cleaned


class FrequencyForm(forms.Form):
    follow = forms.IntegerField(min_value=1)
    frequency = forms.ChoiceField(choices=Frequency.choices)
