"""References, status tokens and form tokens: the random identifiers an idea is known by.

- The reference (IDEA-7K3Q9A) is public and printed: an alphabet without 0/O, 1/I/L or U/V,
  so it can be read out over the phone.
- The status token is the private key in the status link: an HMAC, under the site's secret key,
  of a random nonce kept with the submission. Only the token's SHA-256 is stored for the lookup,
  so a copy of the database alone opens no one's status page, yet later emails (a request for
  more information) can carry the same link again.
- The form token is a signed random nonce in a hidden field. It is stored only when consumed, in
  the same transaction as the idea, so a double click or a retry finds the idea it created.
"""

import base64
import hashlib
import secrets

from django.core import signing
from django.utils.crypto import salted_hmac

REFERENCE_PREFIX = "IDEA-"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_LENGTH = 6
_FORM_TOKEN_SALT = "kb.ideas.form-token"  # noqa: S105 (a signing namespace, not a secret)
_DONE_SALT = "kb.ideas.submitted"
_STATUS_SALT = "kb.ideas.status-token"


def new_reference():
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return REFERENCE_PREFIX + body


def new_status_nonce():
    return secrets.token_hex(16)


def status_token(nonce):
    """The status link's token for a submission's nonce: 256 bits, URL-safe."""
    digest = salted_hmac(_STATUS_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def hash_token(token):
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def new_form_token():
    return signing.dumps(secrets.token_urlsafe(18), salt=_FORM_TOKEN_SALT)


def form_token_hash(signed):
    """The hash to store for a form token, or None if it is missing or was not issued by us."""
    try:
        nonce = signing.loads(signed or "", salt=_FORM_TOKEN_SALT)
    except signing.BadSignature:
        return None
    return hash_token(nonce)


def confirmation_key(reference, repeated=False):
    """A signed key for the confirmation page, so its URL cannot be made up for any reference."""
    return signing.dumps({"ref": reference, "again": bool(repeated)}, salt=_DONE_SALT)


def read_confirmation_key(key):
    """(reference, repeated) from a confirmation key, or None if it was tampered with."""
    try:
        value = signing.loads(key, salt=_DONE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("ref"), str):
        return None
    return value["ref"], bool(value.get("again"))
