"""The usage CSV opens safely in a spreadsheet: no cell is read as a formula."""

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.helpers import make_run

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx"]


def test_cells_a_spreadsheet_would_run_are_escaped(api, alice, acme):
    for model in FORMULAS:
        make_run(alice, acme, datetime(2026, 11, 11, 9, 0, tzinfo=UTC), model=model, cost="0.5")
    query = f"team={acme.pk}&start=2026-11-10&end=2026-11-11&group_by=model"
    response = api(alice).get(f"/api/usage/csv/?{query}")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(line["model"] for line in table) == sorted(f"'{m}" for m in FORMULAS)
    assert all(float(line["cost"]) == 0.5 for line in table)  # numbers stay numbers
