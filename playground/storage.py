"""Static files as every served mode sends them: hashed names, gzip and Brotli copies made by
collectstatic, cached for ever by browsers (WhiteNoise marks hashed names immutable).

Django hashes names only with DEBUG off; `make run` with DEBUG on serves the collected files
too, so it gets hashed names as well. Only Django's development server (`make dev`) serves
the source files as they are, so an edit shows on the next reload (settings.STATIC_FROM_SOURCE).
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # Rewrite `import … from "./state.js"` in ES modules to the hashed name as well: the
    # playground's modules import each other, and an unhashed name cannot be cached for ever.
    support_js_module_import_aggregation = True

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=force or not settings.STATIC_FROM_SOURCE)
