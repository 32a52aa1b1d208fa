"""Team budgets over the API: members read them; team owners/admins set and remove them."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Scope
from accounts.selectors import team_for_user
from accounts.serializers import StrictSerializer

from . import services
from .models import Budget
from .selectors import budget_status


@extend_schema_field({"type": "string", "pattern": r"^\d{1,10}(\.\d{1,6})?$", "example": "50000"})
class LimitField(serializers.DecimalField):
    """A limit of at most 10 whole digits and 6 decimals, as a string (as it is answered)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=16, decimal_places=6, min_value=0, **kwargs)


class BudgetSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    metric = serializers.ChoiceField(choices=Budget.Metric.choices, default=Budget.Metric.TOKENS)
    limit = LimitField()
    period = serializers.ChoiceField(choices=Budget.Period.choices, default=Budget.Period.MONTHLY)
    used = serializers.DecimalField(max_digits=16, decimal_places=6, read_only=True)
    reserved = serializers.DecimalField(max_digits=16, decimal_places=6, read_only=True)
    resets_at = serializers.DateTimeField(read_only=True)


def _data(budget: Budget) -> dict:
    state = budget_status(budget, timezone.now())
    budget.used, budget.reserved, budget.resets_at = state.used, state.reserved, state.resets_at
    return BudgetSerializer(budget).data


class TeamBudgetListApi(APIView):
    token_scopes = {"GET": Scope.USAGE}  # setting them: manage

    @extend_schema(responses=BudgetSerializer(many=True))
    def get(self, request, team_id):
        team = team_for_user(request.user, team_id)
        return Response([_data(budget) for budget in team.budgets.all()])

    @extend_schema(request=BudgetSerializer, responses={201: BudgetSerializer})
    def post(self, request, team_id):
        team = team_for_user(request.user, team_id)
        serializer = BudgetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        budget = services.budget_create(actor=request.user, team=team, **serializer.validated_data)
        return Response(_data(budget), status=status.HTTP_201_CREATED)


class TeamBudgetDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, team_id, budget_id):
        team = team_for_user(request.user, team_id)
        services.budget_delete(
            actor=request.user, budget=get_object_or_404(team.budgets, pk=budget_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
