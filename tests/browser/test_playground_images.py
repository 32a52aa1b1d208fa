"""Images on user messages in headless Chromium: pasted, dropped, picked and linked; shown as
thumbnails; sent to the model; kept by the draft, the run (reopened from History), a saved
template and View code; shown on the run's page."""

import base64
import re

import pytest
from playwright.sync_api import expect

from completions.models import Run
from prompts.models import PromptTemplate
from tests.helpers import png, screenshots

pytestmark = pytest.mark.browser

PASTED = base64.b64encode(png(24, 16, (220, 60, 40))).decode()
DROPPED = base64.b64encode(png(64, 64, noise=True)).decode()  # big enough to be shortened
LINK = "https://images.example.com/photos/octopus.jpg"

# A file handed to the page as the clipboard or a drag would hand it: a DataTransfer holding a
# File, in the event the browser fires.
DISPATCH = """([kind, base64, name]) => {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/png" }));
  const textarea = document.querySelector('#messages li [data-field="content"]');
  const event = kind === "paste"
    ? new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true })
    : new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
  textarea.dispatchEvent(event);
  return event.defaultPrevented;
}"""


def thumbs(page):
    return page.locator("#messages li .pg-thumb")


def fresh_playground(page, query):
    page.evaluate("localStorage.clear()")
    page.goto(f"/playground/?{query}")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def add_four_images(page):
    """Pasted, dropped, picked (a file that is no image first) and linked."""
    page.get_by_label("Message content").first.fill("What is in these pictures?")
    assert page.evaluate(DISPATCH, ["paste", PASTED, "image.png"])  # taken, not pasted as text
    expect(thumbs(page)).to_have_count(1)
    expect(thumbs(page).first.locator("img")).to_have_attribute(
        "src", f"data:image/png;base64,{PASTED}"
    )
    page.evaluate(DISPATCH, ["drop", DROPPED, "noise.png"])
    expect(thumbs(page)).to_have_count(2)
    picker = page.locator('#messages li input[type="file"]')
    picker.set_input_files(
        files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}]
    )
    expect(page.locator("#messages li [data-error]")).to_have_text(
        "notes.png is not a PNG, JPEG, WebP or GIF image."
    )
    picker.set_input_files(
        files=[{"name": "pick.png", "mimeType": "image/png", "buffer": png(8, 8, (0, 90, 200))}]
    )
    expect(thumbs(page)).to_have_count(3)
    page.get_by_role("button", name="Image URL").click()
    page.get_by_label("Image URL").fill("javascript:alert(1)")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#messages li [data-error]")).to_contain_text("http:// or https://")
    page.get_by_label("Image URL").fill(LINK)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(thumbs(page)).to_have_count(4)
    expect(thumbs(page).nth(3)).to_have_text("Image linkimages.example.com/…/octopus.jpg✕")
    expect(thumbs(page).locator("img")).to_have_count(3)  # the link is never loaded


def test_images_are_sent_kept_and_reopened(playground, alice, upstream):
    page = playground
    add_four_images(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshots(page, "playground-images")

    page.reload()  # the draft keeps them
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(thumbs(page)).to_have_count(4)
    page.get_by_role("button", name="Remove image 2").click()  # the dropped one
    expect(thumbs(page)).to_have_count(3)

    page.locator("#run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    expect(page.locator("#response-content")).to_contain_text("I see 3 images.")
    sent = upstream.requests[-1].body["messages"][0]["content"]
    assert [part["type"] for part in sent] == ["text", "image_url", "image_url", "image_url"]
    assert sent[1]["image_url"]["url"] == f"data:image/png;base64,{PASTED}"
    assert sent[3]["image_url"]["url"] == LINK
    run = Run.objects.get()
    assert run.request["messages"][0]["content"] == sent

    fresh_playground(page, f"run={run.pk}")  # History → Open in playground
    expect(thumbs(page)).to_have_count(3)
    expect(page.get_by_label("Message content").first).to_have_value("What is in these pictures?")
    page.locator("#run").click()
    expect(page.locator("#response-content")).to_contain_text("I see 3 images.")
    assert upstream.requests[-1].body["messages"][0]["content"] == sent

    page.goto(f"/runs/{run.pk}/")
    expect(page.locator(".run-images img")).to_have_count(2)
    expect(page.locator(".run-images")).to_contain_text(LINK)
    # The prompt reads as its text; the images are shown as images, not as their data.
    expect(page.locator("#prompt .run-message-text").first).to_have_text(
        "What is in these pictures? [image] [image] [image]"
    )
    expect(page.locator("#prompt .run-message-text")).not_to_contain_text(PASTED[:40])
    screenshots(page, "run-images")


def test_view_code_shortens_big_uploads_and_copies_them_whole(playground, alice):
    page = playground
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_label("Message content").first.fill("Describe it")
    page.evaluate(DISPATCH, ["drop", DROPPED, "noise.png"])
    page.evaluate(DISPATCH, ["paste", PASTED, "small.png"])
    expect(thumbs(page)).to_have_count(2)
    page.locator("#view-code").click()
    code = page.locator("#code-text")
    expect(code).to_contain_text('"type": "image_url"')
    expect(code).to_contain_text(f"data:image/png;base64,{PASTED}")  # small: shown whole
    expect(code).to_contain_text("KB shortened here; Copy copies it whole")
    expect(code).not_to_contain_text(DROPPED)
    expect(page.locator("#code-images")).to_have_text(
        "1 uploaded image is shortened here; Copy copies the code with it whole."
    )
    screenshots(page, "view-code-images")
    page.locator("#code-copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"data:image/png;base64,{DROPPED}" in copied


def test_a_template_saved_with_images_keeps_them(playground, alice):
    page = playground
    page.get_by_label("Message content").first.fill("Which animal is this, {{ who }}?")
    page.evaluate(DISPATCH, ["paste", PASTED, "image.png"])
    expect(thumbs(page)).to_have_count(1)
    page.get_by_role("button", name="Save…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Spotter")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-result")).to_contain_text("Saved as Spotter v1")
    version = PromptTemplate.objects.get(name="Spotter").versions.get()
    assert version.messages[0]["content"][1]["image_url"]["url"].endswith(PASTED)

    fresh_playground(page, f"template={version.template_id}")
    expect(thumbs(page)).to_have_count(1)
    expect(page.locator("#variables-card")).to_be_visible()  # the text part's variable


def test_big_pictures_are_scaled_down_and_too_big_ones_refused(playground, settings):
    page = playground
    settings.COMPLETION_IMAGE_MAX_BYTES = 3000  # the page reads its limits from the settings
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    picker = page.locator('#messages li input[type="file"]')
    picker.set_input_files(files=[{"name": "wide.png", "mimeType": "", "buffer": png(3000, 40)}])
    expect(thumbs(page)).to_have_count(1)
    image = thumbs(page).locator("img")
    expect(image).to_have_js_property("naturalWidth", 2048)  # 2048 px on the long side
    assert image.get_attribute("src").startswith("data:image/png;base64,")
    noise = png(128, 128, noise=True)
    picker.set_input_files(files=[{"name": "noise.png", "mimeType": "image/png", "buffer": noise}])
    expect(page.locator("#messages li [data-error]")).to_have_text(
        re.compile(r"^noise\.png is \d+ KB; an image may be at most 3 KB\.$")
    )
    expect(thumbs(page)).to_have_count(1)


def test_the_servers_word_on_an_image_shows_on_its_message(playground):
    page = playground
    page.get_by_label("Message content").first.fill("Look")
    page.get_by_role("button", name="Image URL").click()
    page.get_by_label("Image URL").fill("https://example.com/" + "a" * 5000 + ".png")
    page.get_by_role("button", name="Add", exact=True).click()
    page.locator("#run").click()
    expect(page.locator("#messages li [data-error]")).to_have_text(
        "content[1].image_url.url: An image URL has at most 4096 characters;"
        " upload large data instead."
    )
