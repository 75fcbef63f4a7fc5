"""Unsubscribe links: they work without signing in, for as long as the email is kept.

A token names the member and the follow it stops emailing (0: every email). It is signed with
the site's secret key and never expires: an old digest's link must still work.
"""

from django.core import signing

SALT = "kb.following.unsubscribe"


def unsubscribe_token(user_id, follow_id=None):
    return signing.dumps([user_id, follow_id or 0], salt=SALT, compress=True)


def read_unsubscribe_token(token):
    """(user id, follow id or None), or None for a token that was not ours or was altered."""
    try:
        user_id, follow_id = signing.loads(str(token), salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(follow_id, int):
        return None
    return user_id, follow_id or None
