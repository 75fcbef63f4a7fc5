"""Discoverability: /robots.txt, and the JSON-LD, canonical, Open Graph and Twitter card tags
pages carry in their <head> (the template tags are in templatetags/kb_tags.py).

/sitemap.xml is Wagtail's (wagtail.contrib.sitemaps): every live page no view restriction
covers, with each page type's `get_sitemap_urls` (knowledge pages give their `last_modified`).
"""

import json

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

SITE_NAME = "NHS Improvement Knowledge Base"
# Who publishes the knowledge base (the footer's copyright holder): the publisher of every
# page, and the author of guidance that names no owner.
PUBLISHER = {"@type": "Organization", "name": "NHS England", "url": "https://www.england.nhs.uk/"}

# What crawlers should leave alone: the editor, people's own pages, forms and the token URLs
# sent by email (an idea's status page, unsubscribe links), a project team's working views,
# and search, whose every query and filter is a new URL (the pages it finds are all in the
# sitemap and the listings). `*` matches any run of characters (RFC 9309).
DISALLOWED = (
    "/admin/",
    "/accounts/",
    "/following/",
    "/notifications/",
    "/ideas/submit/",
    "/ideas/submitted/",
    "/ideas/status/",
    "/ideas/similar/",
    "/ideas/endorse/",
    "/projects/new/",
    "/projects/mine/",
    "/projects/*/edit/",
    "/projects/*/team/",
    "/projects/*/share/",
    "/projects/*/unshare/",
    "/projects/*/write-up/",
    "/projects/*/data/",
    "/projects/*/measures/",
    "/projects/*/cycles/",
    "/search/",
    "/api/search/",
)


@require_GET
def robots_txt(request):
    # No "Allow: /": readers that take the first matching rule (Python's robotparser) would
    # let it win over every Disallow below; what is not disallowed is allowed.
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# Inside <script>, "</script>" (or "<!--") in a string would end the block early: JSON allows
# these characters escaped, and escaped they are plain text to every JSON-LD reader.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_for_script(data):
    """`data` as JSON that is safe inside a <script> element."""
    return json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES)
