from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from .models import Role, Scope, User, default_scopes


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="Used for password resets and team invitations.")

    class Meta:
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "time_zone")
        help_texts = {"time_zone": "Dates and daily usage are shown in this time zone."}


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80)


class MemberAddForm(forms.Form):
    user = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InviteLinkForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What uses it, e.g. “nightly eval script”.")
    team = forms.ChoiceField(help_text="Runs made with this token are charged to this team.")
    scopes = forms.MultipleChoiceField(
        choices=[(scope.value, f"{scope.value}: {scope.label.lower()}") for scope in Scope],
        initial=default_scopes,
        widget=forms.CheckboxSelectMultiple,
        help_text="What scripts may do with it. Give a token only what its script needs.",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        team_field = cast(forms.ChoiceField, self.fields["team"])  # the stubs say Field
        team_field.choices = [(str(team.pk), str(team)) for team in teams]
