"""Staff account settings read from the environment (imported by kb/settings.py: no Django).

An OpenID Connect provider (NHSmail's identity provider, say) is offered on the sign-in page when
KB_OIDC_SERVER_URL, KB_OIDC_CLIENT_ID and KB_OIDC_CLIENT_SECRET are set; KB_OIDC_PROVIDER_ID
(default "nhsmail") names it in its callback address, /accounts/oidc/<id>/login/callback/, and
KB_OIDC_NAME (default "NHSmail") on its button. See docs/accounts.md.
"""

from django.core.exceptions import ImproperlyConfigured

OIDC_VARIABLES = ("KB_OIDC_SERVER_URL", "KB_OIDC_CLIENT_ID", "KB_OIDC_CLIENT_SECRET")


def openid_connect_providers(environ):
    """allauth's SOCIALACCOUNT_PROVIDERS for the provider the environment describes ({} when
    it describes none). Half a configuration is an error, not a silently missing button."""
    values = {name: environ.get(name, "").strip() for name in OIDC_VARIABLES}
    if not any(values.values()):
        return {}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"OpenID Connect sign-in needs {', '.join(OIDC_VARIABLES)}; missing: "
            + ", ".join(missing)
        )
    if not values["KB_OIDC_SERVER_URL"].startswith("https://"):
        raise ImproperlyConfigured("KB_OIDC_SERVER_URL must be an https:// address")
    provider_id = environ.get("KB_OIDC_PROVIDER_ID", "").strip() or "nhsmail"
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": environ.get("KB_OIDC_NAME", "").strip() or "NHSmail",
                    "client_id": values["KB_OIDC_CLIENT_ID"],
                    "secret": values["KB_OIDC_CLIENT_SECRET"],
                    "settings": {
                        "server_url": values["KB_OIDC_SERVER_URL"],
                        "oauth_pkce_enabled": True,
                    },
                }
            ],
        }
    }
