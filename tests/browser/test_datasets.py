"""Datasets in the browser: the items editor (add, edit in place, duplicate, delete), importing
a file with its errors shown, and "Add to dataset" on a run's page. Screenshots at desktop
and phone sizes."""

import pytest
from playwright.sync_api import expect

from completions.models import Run
from datasets.models import Item, ItemRevision
from tests.helpers import chat, create_dataset, image_part, log_in, post, resize, screenshot

pytestmark = pytest.mark.browser

ITEMS = [
    {"variables": {"topic": "tides", "audience": "sailors"}, "expected": "The moon pulls the sea."},
    {"variables": {"topic": "<script>alert(1)</script>"}, "expected": {"n": 1}, "tags": ["xss"]},
]


def test_edit_items_in_place(page, api, alice, acme, tmp_path):
    dataset = create_dataset(api, alice, acme, items=ITEMS)
    log_in(page, "alice")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/datasets/{dataset.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    expect(page.locator("tr[data-id]")).to_have_count(2)
    expect(page.locator("#items")).to_contain_text("<script>alert(1)</script>")  # as text

    page.get_by_role("button", name="Add item").click()
    page.get_by_label("Variables (JSON object)").fill('{"topic": "waves"}')
    page.get_by_label("Expected answer").fill("Wind.")
    page.get_by_label("Tags").fill("sea, weather")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#items-status")).to_have_text("Added item 3.")
    added = Item.objects.get(position=3).current
    assert (added.variables, added.expected, added.tags) == (
        {"topic": "waves"},
        "Wind.",
        ["sea", "weather"],
    )

    page.get_by_role("button", name="Edit item 1").click()
    page.get_by_label("Variables (JSON object)").fill("{not json")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".item-editor [role=alert]")).to_have_text("variables: not valid JSON.")
    page.get_by_label("Variables (JSON object)").fill('{"topic": "tides", "audience": ""}')
    page.get_by_label("Tags").fill("bad,")
    page.get_by_label("Expected answer").fill("Gravity.")
    screenshot(page, "dataset-editing-1280")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#items-status")).to_have_text("Saved item 1 as revision 2.")
    first = Item.objects.get(position=1)
    assert ItemRevision.objects.filter(item=first).count() == 2
    assert first.current.expected == "Gravity." and first.current.tags == ["bad"]

    page.get_by_role("button", name="Duplicate item 2").click()
    expect(page.locator("#items-status")).to_contain_text("as item 4")
    assert Item.objects.get(position=4).current.expected == {"n": 1}
    page.get_by_role("button", name="Delete item 3").click()
    expect(page.locator("#items-status")).to_have_text("Deleted item 3.")
    expect(page.locator("tr[data-id]")).to_have_count(3)
    assert Item.objects.get(position=3).deleted_at is not None
    screenshot(page, "dataset-1280")

    page.reload()
    expect(page.locator("tr[data-id]")).to_have_count(3)
    expect(page.locator("#items")).to_contain_text("Gravity.")
    page.get_by_role("link", name="Datasets").first.click()
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    screenshot(page, "datasets-list-1280")


def test_import_shows_errors_then_adds_everything(page, api, alice, acme, tmp_path):
    create_dataset(api, alice, acme)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("question,metadata\nfine,\nbroken,[1]\n")
    good.write_text("question,expected,tags\nWhat are tides?,The moon.,sea\nWhy?,Because.,\n")
    log_in(page, "alice")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/datasets/")
    page.get_by_role("link", name="Questions").click()
    screenshot(page, "datasets-empty-1280")
    page.get_by_text("Import a file", exact=True).click()
    page.get_by_label("CSV or JSON Lines file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-errors")).to_contain_text("Line 3, column 2 “metadata”")
    assert not Item.objects.exists()
    resize(page, 390, 844)
    screenshot(page, "dataset-import-error-390")
    page.get_by_label("CSV or JSON Lines file").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".message-success")).to_contain_text("Imported 2 items")
    expect(page.locator("tr[data-id]")).to_have_count(2)
    screenshot(page, "dataset-390")
    page.get_by_role("button", name="Edit item 1").click()
    screenshot(page, "dataset-editing-390")


def test_add_a_run_to_a_dataset_from_its_page(page, api, alice, acme):
    create_dataset(api, alice, acme, name="Regressions")
    post(api(alice), chat(team_id=str(acme.pk)))
    run = Run.objects.get()
    log_in(page, "alice")
    page.goto(f"/runs/{run.pk}/")
    page.get_by_label("Dataset of Acme").select_option(label="Regressions (0 items)")
    page.get_by_role("button", name="Add to dataset").click()
    expect(page.locator("#add-to-dataset [role=status]")).to_contain_text("Added as item 1")
    expect(page.get_by_label("Dataset of Acme")).to_contain_text("Regressions (1 items)")
    screenshot(page, "run-added-to-dataset")
    item = Item.objects.get().current
    assert item.variables == {"input": "Tell me about octopuses"}
    assert item.expected == run.content
    page.get_by_role("link", name="Open it").click()
    expect(page.locator(f"#item-{Item.objects.get().pk}")).to_be_visible()


def test_adding_a_run_with_an_image_says_the_image_was_left_out(page, api, alice, acme):
    create_dataset(api, alice, acme, name="Pictures")
    content = [{"type": "text", "text": "What is this?"}, image_part()]
    post(api(alice), chat(team_id=str(acme.pk), messages=[{"role": "user", "content": content}]))
    log_in(page, "alice")
    page.goto(f"/runs/{Run.objects.get().pk}/")
    page.get_by_role("button", name="Add to dataset").click()
    status = page.locator("#add-to-dataset [role=status]")
    expect(status).to_contain_text("Added as item 1 of Pictures. Its image was left out")
    assert Item.objects.get().current.variables == {"input": "What is this?"}
