"""The least any Python proxy on Octoplay's stack adds: a bare WSGI app that forwards the
request to the upstream with `requests` (its transport adapter, as completions/client.py
uses it), parses the answer (Octoplay must, to log it) and returns it. No Django, no token
check, no validation, no logging.

The benchmark serves it with the same gunicorn command and configuration as Octoplay, so
"added by Octoplay" minus "added by this" is what Octoplay's own work costs, on a machine
whose speed drifts (a shared VM) too much for any fixed figure to mean much alone.

    FLOOR_UPSTREAM=http://127.0.0.1:8001/v1 gunicorn bench.floor_proxy:application ...
"""

import json
import os

import requests
from requests.adapters import HTTPAdapter

UPSTREAM = os.environ.get("FLOOR_UPSTREAM", "http://127.0.0.1:8001/v1").rstrip("/")
_adapter = HTTPAdapter(pool_maxsize=512, max_retries=0)


def application(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    request = requests.PreparedRequest()
    request.prepare(
        method=environ["REQUEST_METHOD"],
        url=UPSTREAM + environ["PATH_INFO"].removeprefix("/v1"),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sk-bench"},
        data=body or None,
    )
    answer = _adapter.send(request, timeout=(5, 60))
    content = answer.content
    json.loads(content)
    start_response(
        f"{answer.status_code} {answer.reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(content)))],
    )
    return [content]
