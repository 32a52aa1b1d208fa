"""Static files as every served mode sends them: hashed names, gzip and Brotli copies made by
collectstatic, cached for ever by browsers (WhiteNoise marks hashed names immutable).

Django hashes names only with DEBUG off; `make run` with DEBUG on serves the collected files
too, so it gets hashed names as well. Only Django's development server (`make dev`) serves
the source files as they are, so an edit shows on the next reload (settings.STATIC_FROM_SOURCE).
"""

import os
from typing import Any

from django.conf import settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _UnlessCompressedAlready(Compressor):
    """Compressing every file again on each collectstatic (every `make run`) took ~20 s of
    Brotli; copies an earlier run made are kept while they are as new as their file
    (WhiteNoise gives a copy its file's modification time)."""

    def compress(self, path: str) -> list[str]:
        copies = [copy for copy in (path + ".br", path + ".gz") if os.path.exists(copy)]
        modified = os.path.getmtime(path)
        if copies and all(os.path.getmtime(copy) >= modified for copy in copies):
            return copies
        return list(super().compress(path))


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # Rewrite `import … from "./state.js"` in ES modules to the hashed name as well: the
    # playground's modules import each other, and an unhashed name cannot be cached for ever.
    support_js_module_import_aggregation = True

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return _UnlessCompressedAlready(**kwargs)

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=force or not settings.STATIC_FROM_SOURCE)
