"""Images in user messages: OpenAI `image_url` content parts, checked before anything is sent.

An image is either a `data:` URL (an upload: kept in the message as it is, so a run, a
template version or a reopened draft carries its images with it) or an http(s) URL, which
is passed to the upstream as written: the upstream fetches it, this server never does (a
user's URL fetched here could reach internal addresses). A data URL is decoded and its
first bytes sniffed: the declared type must be what the bytes are, and one of IMAGE_TYPES.
Limits (settings): COMPLETION_IMAGE_MAX_BYTES per image decoded, COMPLETION_MAX_IMAGES and
COMPLETION_IMAGES_MAX_BYTES per request.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

# Magic bytes of each accepted type; WebP is RIFF....WEBP.
IMAGE_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
DETAILS = ("auto", "low", "high")
URL_MAX_LENGTH = 4096  # a link, not a document: uploads go as data URLs
_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The image type these bytes are, from their first bytes, or None."""
    for mime, magics in IMAGE_TYPES.items():
        webp_ok = mime != "image/webp" or data[8:12] == b"WEBP"
        if webp_ok and any(data.startswith(magic) for magic in magics):
            return mime
    return None


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} KB"


@dataclass
class ImageTally:
    """Images seen so far in one request: their number and decoded bytes."""

    count: int = 0
    size: int = 0


def image_part_problem(part: dict, tally: ImageTally) -> tuple[str, str] | None:
    """What is wrong with an `image_url` part, as (path under the part, message), or None.
    Counts the image in `tally` (for the per-request limits) whatever it holds."""
    tally.count += 1
    if tally.count > settings.COMPLETION_MAX_IMAGES:
        return "", f"At most {settings.COMPLETION_MAX_IMAGES} images in one request."
    image = part.get("image_url")
    if not isinstance(image, dict):
        return "image_url", 'Must be an object: {"url": "data:image/png;base64,…" or "https://…"}.'
    if "detail" in image and image["detail"] not in DETAILS:
        return "image_url.detail", f"Must be one of: {', '.join(DETAILS)}."
    url = image.get("url")
    if not isinstance(url, str) or not url:
        return "image_url.url", "Give the image as a data URL or an http(s) URL."
    problem = _data_url_problem(url, tally) if url[:5].lower() == "data:" else _link_problem(url)
    return ("image_url.url", problem) if problem else None


def _link_problem(url: str) -> str | None:
    if len(url) > URL_MAX_LENGTH:
        return f"An image URL has at most {URL_MAX_LENGTH} characters; upload large data instead."
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "Must be an http(s) URL or a data:image/…;base64, URL."
    return None


def _data_url_problem(url: str, tally: ImageTally) -> str | None:
    header = _DATA_URL.match(url)
    if header is None or ";base64" not in header.group(2).lower():
        return "A data URL must look like data:image/png;base64,…"
    declared = header.group(1).lower()
    if declared not in IMAGE_TYPES:
        return (
            f"Images must be PNG, JPEG, WebP or GIF (this data URL says {declared or 'nothing'})."
        )
    payload = url[header.end() :]
    limit = settings.COMPLETION_IMAGE_MAX_BYTES
    if len(payload) * 3 // 4 > limit + 3:  # refused before decoding megabytes for nothing
        return f"The image is larger than {_size(limit)} (about {_size(len(payload) * 3 // 4)})."
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return "The image data is not valid base64."
    if len(data) > limit:
        return f"The image is larger than {_size(limit)} ({_size(len(data))})."
    actual = sniff(data)
    if actual is None:
        return "The data is not a PNG, JPEG, WebP or GIF image."
    if actual != declared:
        return f"The data URL says {declared}, but the data is {actual}."
    tally.size += len(data)
    if tally.size > settings.COMPLETION_IMAGES_MAX_BYTES:
        total = _size(settings.COMPLETION_IMAGES_MAX_BYTES)
        return f"Images in one request take at most {total} together."
    return None


def without_data(value: Any) -> Any:
    """`value` (a request's messages) with the data URLs of image parts emptied: they have
    limits of their own, so the request's size limit leaves them out (and measuring them
    would mean writing megabytes of JSON for nothing)."""
    if isinstance(value, list):
        return [without_data(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") == "image_url" and isinstance(value.get("image_url"), dict):
        url = value["image_url"].get("url")
        if isinstance(url, str) and url[:5].lower() == "data:":
            return {**value, "image_url": {**value["image_url"], "url": ""}}
    return {key: without_data(item) for key, item in value.items()}


def brief(value: Any) -> Any:
    """`value` with each data URL shortened to its type, size and a digest, for pages that show
    a request or a diff (the images themselves are shown as images)."""
    if isinstance(value, list):
        return [brief(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") == "image_url" and isinstance(value.get("image_url"), dict):
        url = value["image_url"].get("url")
        if isinstance(url, str) and url[:5].lower() == "data:" and len(url) > 200:
            head = url.split(",", 1)[0]
            digest = hashlib.sha256(url.encode()).hexdigest()[:12]  # tells two images apart
            shown = f"{head},… ({len(url) * 3 // 4 // 1000} KB, sha256 {digest}…)"
            return {**value, "image_url": {**value["image_url"], "url": shown}}
    return {key: brief(item) for key, item in value.items()}


def images_in(messages: Any) -> list[dict[str, str]]:
    """The images of a request's messages, for display: {"src"} for data URLs of an accepted
    type (safe in an <img>), {"link"} for http(s) URLs (shown as links, never loaded: the
    page's CSP allows no other origin, and loading would tell that host who looks)."""
    found: list[dict[str, str]] = []
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            image = part.get("image_url") if isinstance(part, dict) else None
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str):
                continue
            header = _DATA_URL.match(url)
            if header and header.group(1).lower() in IMAGE_TYPES:
                found.append({"src": url})
            elif urlsplit(url).scheme.lower() in ("http", "https"):
                found.append({"link": url})
    return found
