import os

import pytest

from completions.models import Provider
from tests.llm.llama import is_available, start_llama_server


@pytest.fixture(scope="session")
def llama_server():
    ok, reason = is_available()
    if not ok:
        if os.environ.get("OCTOPLAY_NO_SKIP") == "1":
            pytest.fail(f"The real-model tier must run here but cannot: {reason}")
        pytest.skip(reason)
    with start_llama_server() as server:
        yield server


@pytest.fixture
def llama_provider(llama_server, db):
    """llama.cpp added the way a site admin would: as an extra OpenAI-compatible provider."""
    return Provider.objects.create(
        slug="llama", name="llama.cpp (local)", base_url=llama_server.base_url
    )
