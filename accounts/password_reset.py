"""Password reset by email: refused where its emails would only reach the server log (DEBUG
off and no EMAIL_URL; `check --deploy` fails there too), and throttled per address asked for
and per caller's address, so nobody can flood an inbox."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core import checks

from .throttles import Throttled, client_ip, throttle_check, throttle_count

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"  # EMAIL_URL's default
RESET_WINDOW = 3600  # seconds


def reset_emails_reach_people() -> bool:
    """Whether a reset email goes to its addressee (or, with DEBUG on, to the developer's
    console): with DEBUG off the console is the server log, and the link in it a way in."""
    return settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL


def email_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if reset_emails_reach_people():
        return []
    return [
        checks.Error(
            "Emails go to the server log: password-reset links would be written there, so "
            "password reset is switched off.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
            id="accounts.E001",
        )
    ]


class PasswordResetView(auth_views.PasswordResetView):
    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "unavailable": not reset_emails_reach_people(),
        }

    def form_valid(self, form):
        if not reset_emails_reach_people():
            return self.form_invalid(form)  # the page says why; nothing is sent
        limits = [
            ("reset-email", form.cleaned_data["email"].lower(), settings.PASSWORD_RESETS_PER_EMAIL),
            ("reset-ip", client_ip(self.request), settings.PASSWORD_RESETS_PER_IP),
        ]
        try:
            for scope, who, limit in limits:
                throttle_check(
                    scope,
                    who,
                    limit=limit,
                    window=RESET_WINDOW,
                    message="Too many reset emails asked for: try again in an hour.",
                )
        except Throttled as throttled:
            form.add_error(None, throttled.message)
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(throttled.retry_after)
            return response
        for scope, who, _limit in limits:
            throttle_count(scope, who, window=RESET_WINDOW)
        return super().form_valid(form)
