"""Demo mode: with no OCTOPUSX_API_KEY, the default provider is the offline fake upstream,
started once per process on a free 127.0.0.1 port. It speaks the real wire protocol, so the
site exercises exactly the same HTTP code path as with a real provider."""

import threading

from django.conf import settings

_lock = threading.Lock()
_server = None


def demo_mode_on() -> bool:
    return not settings.OCTOPUSX_API_KEY


def demo_base_url() -> str:
    global _server
    with _lock:
        if _server is None:
            from demo.fake_upstream import FakeUpstream

            _server = FakeUpstream(chunk_delay=settings.DEMO_CHUNK_DELAY, record=False).start()
    return _server.base_url
