"""Importing CSV and JSON Lines (all or nothing, each problem named by line and column) and
exporting them back, streamed: what is exported imports again unchanged."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Item
from tests.helpers import create_dataset

pytestmark = pytest.mark.django_db

CSV = (
    "question,audience,expected,tags,metadata\n"
    'What are tides?,sailors,The moon pulls the sea.,"sea, moon",\n'
    '"Why is the sky\nblue?",children,Scattering.,sky,"{""source"": ""book""}"\n'
)


def upload(api, user, dataset, text, name="items.csv", **extra):
    file = SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)
    return api(user).post(
        f"/api/datasets/{dataset.pk}/import/", {"file": file, **extra}, format="multipart"
    )


def export(api, user, dataset, file_format):
    response = api(user).get(f"/api/datasets/{dataset.pk}/export/{file_format}/")
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def rows(dataset):
    return [
        item.current.content()
        for item in Item.objects.filter(dataset=dataset).select_related("current")
    ]


def test_csv_columns_become_variables(api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    response = upload(api, alice, dataset, CSV)
    assert response.status_code == 201, response.json()
    assert response.json() == {"added": 2}
    assert rows(dataset) == [
        {
            "variables": {"question": "What are tides?", "audience": "sailors"},
            "expected": "The moon pulls the sea.",
            "tags": ["sea", "moon"],
            "metadata": {},
        },
        {
            "variables": {"question": "Why is the sky\nblue?", "audience": "children"},
            "expected": "Scattering.",
            "tags": ["sky"],
            "metadata": {"source": "book"},
        },
    ]


def test_jsonl_flat_or_as_exported(api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    lines = [
        {"question": "2+2?", "expected": {"answer": 4}, "tags": ["math"]},
        {"variables": {"question": "3+3?"}, "expected": "6", "id": "x", "revision": "y"},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    assert upload(api, alice, dataset, text, name="items.jsonl").status_code == 201
    assert [(r["variables"], r["expected"], r["tags"]) for r in rows(dataset)] == [
        ({"question": "2+2?"}, {"answer": 4}, ["math"]),
        ({"question": "3+3?"}, "6", []),
    ]


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (CSV + "Too,many,cells,here,{},x\n", "a.csv", "Line 5: 6 fields, but the header names 5."),
        (CSV + 'Ok,fine,x,"a,,b",\n', "a.csv", None),  # empty tags are skipped: no error
        (CSV + "Ok,fine,x,y,[1]\n", "a.csv", "Line 5, column 5 “metadata”: Give metadata as"),
        (CSV + "Ok,fine,x,y,{oops\n", "a.csv", "Line 5, column 5 “metadata”: not JSON"),
        (CSV + "Ok,fine,x," + "t" * 41 + ",\n", "a.csv", "Line 5, column 4 “tags”:"),
        ("q,q\n1,2\n", "a.csv", "Line 1, column 2: “q” repeats column 1."),
        ("q,\n1,2\n", "a.csv", "Line 1, column 2: this column has no name."),
        ('{"q": 1}\n{"q": 2,}\n', "a.jsonl", "Line 2, column 9: not JSON"),
        ('{"q": 1}\n[1]\n', "a.jsonl", "Line 2: each line must be a JSON object."),
        ('{"q": NaN}\n', "a.jsonl", "Line 1, column “variables.q”: Must be a finite number"),
        ('{"variables": {}, "colour": 1}\n', "a.jsonl", "Line 1, column “colour”: Not an item"),
        (b"q\nok\n\xff\n", "a.csv", "Line 3, column 1: not UTF-8 text."),
        ("\n", "a.csv", "The file is empty"),
        ("", "a.csv", "The submitted file is empty"),
    ],
)
def test_a_bad_file_adds_nothing_and_names_line_and_column(api, alice, acme, text, name, message):
    dataset = create_dataset(api, alice, acme, items=[{"variables": {"before": "x"}}])
    response = upload(api, alice, dataset, text, name=name)
    if message is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.json()
    problems = response.json()["errors"]["file"]
    assert any(problem.startswith(message) for problem in problems), problems
    assert Item.objects.filter(dataset=dataset).count() == 1  # nothing half-imported


def test_every_problem_is_listed_up_to_twenty(api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    text = "q,metadata\n" + "x,[]\n" * 30
    problems = upload(api, alice, dataset, text).json()["errors"]["file"]
    assert len(problems) == 20 and problems[0].startswith("Line 2,")
    assert problems[1].startswith("Line 3,")


def test_a_file_too_large_is_refused_unread(api, alice, acme, settings):
    settings.DATASET_IMPORT_MAX_BYTES = 10
    dataset = create_dataset(api, alice, acme)
    response = upload(api, alice, dataset, "q\n" + "x\n" * 10)
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["The file is larger than 10 bytes."]


def test_format_comes_from_the_name_or_must_be_given(api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    unnamed = upload(api, alice, dataset, '{"q": 1}\n', name="data.txt")
    assert unnamed.status_code == 400 and "format" in unnamed.json()["errors"]
    named = upload(api, alice, dataset, '{"q": 1}\n', name="data.txt", format="jsonl")
    assert named.status_code == 201


def test_export_round_trip(api, alice, acme):
    source = create_dataset(api, alice, acme, name="Source")
    upload(api, alice, source, CSV)
    jsonl_source = create_dataset(api, alice, acme, name="Typed")
    typed = {"variables": {"n": 2}, "expected": {"sum": 4}, "tags": ["a"], "metadata": {"k": []}}
    api(alice).post(f"/api/datasets/{jsonl_source.pk}/items/", typed, format="json")
    for dataset, file_format in ((source, "csv"), (jsonl_source, "jsonl")):
        text = export(api, alice, dataset, file_format)
        copy = create_dataset(api, alice, acme, name=f"Copy {file_format}")
        response = upload(api, alice, copy, text, name=f"copy.{file_format}")
        assert response.status_code == 201, response.json()
        assert rows(copy) == rows(dataset)


def test_jsonl_export_names_items_and_revisions(api, alice, acme):
    dataset = create_dataset(api, alice, acme, items=[{"variables": {"q": "x"}}])
    item = Item.objects.get()
    line = json.loads(export(api, alice, dataset, "jsonl"))
    assert (line["id"], line["revision"]) == (str(item.pk), str(item.current_id))


def test_ten_thousand_rows_import_page_and_export(api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    text = "question,expected,tags\n" + "".join(
        f'Question number {n}?,Answer {n},"t{n % 7}, bulk"\n' for n in range(10_000)
    )
    response = upload(api, alice, dataset, text)
    assert response.status_code == 201 and response.json() == {"added": 10_000}
    last = api(alice).get(f"/api/datasets/{dataset.pk}/items/?page=200").json()
    assert last["count"] == 10_000
    assert last["results"][-1]["variables"] == {"question": "Question number 9999?"}
    exported = export(api, alice, dataset, "csv")
    assert exported.count("\n") == 10_001  # how long it takes: make bench-datasets
