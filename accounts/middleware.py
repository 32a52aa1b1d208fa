import zoneinfo

from django.utils import timezone


def user_timezone_activate(user) -> None:
    """Dates from here on in the signed-in user's own time zone (a profile setting)."""
    if user is not None and user.is_authenticated and user.time_zone != "UTC":
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except zoneinfo.ZoneInfoNotFoundError:
            timezone.deactivate()
    else:
        timezone.deactivate()


class UserTimezoneMiddleware:
    """Show dates in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user_timezone_activate(getattr(request, "user", None))
        return self.get_response(request)
