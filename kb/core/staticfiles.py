"""Hashed, compressed static files that tolerate the NHS.UK bundle's missing source maps."""

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def regex(pattern):
        return pattern[0] if isinstance(pattern, (tuple, list)) else pattern

    return tuple(
        (extension, tuple(p for p in group if "sourceMappingURL" not in regex(p)))
        for extension, group in patterns
    )


class KBStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, minus source-map rewriting.

    wagtail-nhsuk-frontend ships minified NHS.UK CSS and JS whose sourceMappingURL comments point
    at .map files it does not include, and rewriting them makes collectstatic fail. Browsers only
    fetch maps with developer tools open, so those comments are left alone. ES module imports are
    rewritten so that our module script imports the hashed NHS.UK bundle.
    """

    patterns = _without_source_maps(HashedFilesMixin.patterns)
    support_js_module_import_aggregation = True
