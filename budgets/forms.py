from django import forms

from .models import Budget


class BudgetForm(forms.Form):
    metric = forms.ChoiceField(choices=Budget.Metric.choices)
    limit = forms.DecimalField(min_value=0, max_digits=16, decimal_places=6)
    period = forms.ChoiceField(choices=Budget.Period.choices, initial=Budget.Period.MONTHLY)
