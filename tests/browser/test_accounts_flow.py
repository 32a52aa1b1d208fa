"""The foundation's promise, in a real browser: sign up, create a team, invite, tokens."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken, Membership
from accounts.services import invite_link_create
from tests.helpers import PASSWORD, log_in, resize, screenshot, screenshots

pytestmark = pytest.mark.browser


def sign_up(page, username: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name=f"Hello, {username}")).to_be_visible()


def test_new_user_signs_up_creates_team_invites_and_manages_tokens(page, staff, bob):
    sign_up(page, "erin")
    screenshot(page, "home")

    page.goto("/teams/")
    page.get_by_label("Name").fill("Rocket Lab")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Rocket Lab")).to_be_visible()
    # The new team became the active one in the switcher.
    expect(page.locator("#team-switch option:checked")).to_have_text("Rocket Lab")

    page.get_by_label("Username or email").fill("bob@example.com")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("bob added as member")).to_be_visible()
    assert Membership.objects.filter(team__name="Rocket Lab", user=bob).exists()
    # erin is Rocket Lab's only owner: she is told how to leave, not offered to.
    expect(page.get_by_role("button", name="Leave team")).to_have_count(0)
    expect(page.get_by_text("You are the only owner")).to_be_visible()
    screenshots(page, "team-detail")
    resize(page, 390, 844)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the team page scrolls sideways on a phone ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/accounts/tokens/")
    page.get_by_label("Name").fill("nightly evals")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text()
    assert re.fullmatch(r"oct_[\w-]{40,}", secret)
    screenshot(page, "token-created")

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("revoked. Scripts using it now get 401")).to_be_visible()
    assert not ApiToken.objects.get(name="nightly evals").is_active


def test_team_switcher_changes_active_team_without_a_button(page, acme, bob):
    log_in(page, "bob")
    expect(page.get_by_role("button", name="Switch")).to_be_hidden()
    page.locator("#team-switch").select_option(label="Acme")
    expect(page.locator("#team-switch option:checked")).to_have_text("Acme")
    bob.refresh_from_db()
    assert bob.active_team == acme


def test_layout_stacks_on_a_phone(page, alice):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, "alice")
    page.goto("/teams/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "teams-phone")


def test_api_docs_render_under_the_strict_csp(page, alice):
    log_in(page, "alice")
    page.goto("/api/docs/")
    expect(page.get_by_text("/api/teams/{team_id}/members/").first).to_be_visible()
    screenshot(page, "api-docs")


def test_an_invite_opened_signed_out_survives_sign_up(page, acme, alice, staff):
    _, secret = invite_link_create(actor=alice, team=acme)
    page.goto(f"/teams/join/{secret}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("You are invited to join Acme as member")
    screenshots(page, "login-pending-invite")

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("You are invited to join Acme")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Email").fill("erin@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    page.get_by_role("button", name="Join Acme").click()
    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    expect(page.get_by_text("You joined Acme.")).to_be_visible()
    assert Membership.objects.get(team=acme, user__username="erin").role == "member"


def test_an_invite_opened_signed_out_survives_log_in(page, acme, alice, charlie):
    _, secret = invite_link_create(actor=alice, team=acme)
    page.goto(f"/teams/join/{secret}/")
    page.get_by_label("Username").fill("charlie")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
