from django import template

from ..registry import kind_of
from ..services import is_following

register = template.Library()


@register.inclusion_tag("following/follow_button.html", takes_context=True)
def follow_button(context, obj, label=None):
    """A Follow / Stop following button (a form: no JavaScript needed); for readers who are not
    signed in, a link to sign in and come back."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "request": request,
        "obj": obj,
        "kind": kind_of(obj),
        "label": label or getattr(obj, "title", None) or str(obj),
        "signed_in": bool(user and user.is_authenticated),
        "following": is_following(user, obj) if user else False,
        "csrf_token": context.get("csrf_token"),
    }
