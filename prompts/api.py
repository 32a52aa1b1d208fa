"""REST endpoints for prompt templates."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken, Scope
from accounts.permissions import TokenScope
from accounts.serializers import validated
from accounts.services import request_team_resolve
from completions.api import RUN_ANSWERS, failure_response, result_response
from completions.models import Run
from completions.services import RunFailed

from . import policy, selectors, services
from .access import template_for_viewer
from .models import TemplateVersion
from .serializers import (
    ForkSerializer,
    LabelPolicyInputSerializer,
    LabelPolicySerializer,
    LabelSetSerializer,
    RenderSerializer,
    RunSerializer,
    TemplateCreateSerializer,
    TemplateQuerySerializer,
    TemplateSerializer,
    TemplateUpdateSerializer,
    VersionDataSerializer,
    VersionSerializer,
)


def _detail(template, access) -> dict:
    summarised = selectors.template_summary_get(template.pk)
    return TemplateSerializer(summarised, context={"access": access}).data


class TemplateListApi(APIView):
    token_scopes = {"GET": Scope.RUN, "POST": Scope.TEMPLATES}

    @extend_schema(parameters=[TemplateQuerySerializer], responses=TemplateSerializer(many=True))
    def get(self, request):
        query = TemplateQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        templates = selectors.template_list(
            request.user,
            q=query.validated_data.get("q", ""),
            scope=query.validated_data.get("scope", "all"),
        )
        return Response(TemplateSerializer(templates, many=True).data)

    @extend_schema(request=TemplateCreateSerializer, responses={201: TemplateSerializer})
    def post(self, request):
        data = validated(TemplateCreateSerializer, request.data)
        team = request_team_resolve(
            user=request.user, auth=request.auth, team_id=data.get("team_id")
        )
        template = services.template_create(
            user=request.user,
            team=team,
            name=data["name"],
            description=data["description"],
            visibility=data["visibility"],
            commit_message=data["commit_message"],
            data={field: data.get(field) for field in TemplateVersion.CONTENT_FIELDS},
        )
        _, access = template_for_viewer(request.user, template.pk)
        return Response(_detail(template, access), status=status.HTTP_201_CREATED)


class TemplateDetailApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, TokenScope]  # a link is enough to read
    token_scopes = {"GET": Scope.RUN, "PATCH": Scope.TEMPLATES, "DELETE": Scope.TEMPLATES}

    @extend_schema(responses=TemplateSerializer)
    def get(self, request, template_id):
        return Response(_detail(*template_for_viewer(request.user, template_id)))

    @extend_schema(request=TemplateUpdateSerializer, responses=TemplateSerializer)
    def patch(self, request, template_id):
        template, access = template_for_viewer(request.user, template_id)
        changes = validated(TemplateUpdateSerializer, request.data)
        template = services.template_update(user=request.user, template=template, **changes)
        return Response(_detail(template, access))

    @extend_schema(responses={204: None})
    def delete(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        services.template_delete(user=request.user, template=template)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionListApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, TokenScope]
    token_scopes = {"GET": Scope.RUN, "POST": Scope.TEMPLATES}

    @extend_schema(responses=VersionSerializer(many=True))
    def get(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        versions = template.versions.select_related("created_by")
        return Response(VersionSerializer(versions, many=True).data)

    @extend_schema(request=VersionDataSerializer, responses={201: VersionSerializer})
    def post(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        data = validated(VersionDataSerializer, request.data)
        version = services.template_version_create(
            user=request.user,
            template=template,
            commit_message=data["commit_message"],
            data={field: data.get(field) for field in TemplateVersion.CONTENT_FIELDS},
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailApi(APIView):
    permission_classes = [AllowAny, TokenScope]
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(responses=VersionSerializer)
    def get(self, request, template_id, number: int):
        template, _ = template_for_viewer(request.user, template_id)
        version = services.template_version_get(template, number=number)
        return Response(VersionSerializer(version).data)


class LabelListApi(APIView):
    permission_classes = [AllowAny, TokenScope]
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(
        responses=inline_serializer(
            "TemplateLabels",
            fields={
                "labels": serializers.DictField(
                    child=serializers.IntegerField(), help_text="Label name: version number."
                ),
                "history": inline_serializer(
                    "LabelMove",
                    fields={
                        "label": serializers.CharField(),
                        "from_version": serializers.IntegerField(allow_null=True),
                        "to_version": serializers.IntegerField(),
                        "moved_by": serializers.CharField(allow_null=True),
                        "moved_at": serializers.DateTimeField(),
                    },
                    many=True,
                ),
            },
        ),
        description="Current labels and the last 100 label moves, newest first.",
    )
    def get(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        moves = selectors.template_label_moves(template)[:100]
        return Response(
            {
                "labels": dict(template.labels.values_list("name", "version__number")),
                "history": [
                    {
                        "label": move.label,
                        "from_version": move.from_version.number if move.from_version else None,
                        "to_version": move.to_version.number,
                        "moved_by": move.moved_by.username if move.moved_by else None,
                        "moved_at": move.moved_at,
                    }
                    for move in moves
                ],
            }
        )


class LabelDetailApi(APIView):
    token_scopes = {"PUT": Scope.TEMPLATES}

    @extend_schema(
        request=LabelSetSerializer,
        responses=inline_serializer(
            "LabelSet",
            fields={"label": serializers.CharField(), "version": serializers.IntegerField()},
        ),
        description="Point a label at a version.",
    )
    def put(self, request, template_id, name):
        template, _ = template_for_viewer(request.user, template_id)
        data = validated(LabelSetSerializer, request.data)
        version = services.template_version_get(template, number=data["version"])
        services.template_label_set(
            user=request.user, template=template, name=name, version=version
        )
        return Response({"label": name, "version": version.number})


def _chosen_version(template, data):
    return services.template_version_get(
        template, number=data.get("version"), label=data.get("label")
    )


class RenderApi(APIView):
    # No upstream call: anyone who can see it may preview it.
    permission_classes = [AllowAny, TokenScope]
    token_scopes = {"POST": Scope.RUN}

    @extend_schema(
        request=RenderSerializer,
        responses=inline_serializer(
            "RenderedRequest",
            fields={
                "version": serializers.IntegerField(),
                "request": serializers.DictField(help_text="The Chat Completions body."),
            },
        ),
        description="Variables in, final request out.",
    )
    def post(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        data = validated(RenderSerializer, request.data)
        version = _chosen_version(template, data)
        body = services.template_render(
            version=version, values=data["variables"], overrides=data["overrides"]
        )
        return Response({"version": version.number, "request": body})


class RunApi(APIView):
    permission_classes = [IsAuthenticated, TokenScope]
    token_scopes = {"POST": Scope.RUN}

    @extend_schema(request=RunSerializer, responses=RUN_ANSWERS)
    def post(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        data = validated(RunSerializer, request.data)
        version = _chosen_version(template, data)
        team = services.template_run_team(
            user=request.user, auth=request.auth, template=template, team_id=data.get("team_id")
        )
        source = Run.Source.API if isinstance(request.auth, ApiToken) else Run.Source.TEMPLATE
        try:
            result = services.template_run(
                user=request.user,
                team=team,
                template=template,
                version=version,
                values=data["variables"],
                overrides=data["overrides"],
                source=source,
            )
        except RunFailed as failure:
            return failure_response(failure)
        return result_response(result)


class ForkApi(APIView):
    permission_classes = [IsAuthenticated, TokenScope]
    token_scopes = {"POST": Scope.TEMPLATES}  # it makes a template

    @extend_schema(request=ForkSerializer, responses={201: TemplateSerializer})
    def post(self, request, template_id):
        template, access = template_for_viewer(request.user, template_id)
        if not access.can_run:
            raise PermissionDenied("Log in to fork this template.")
        data = validated(ForkSerializer, request.data)
        version = _chosen_version(template, data)
        team = request_team_resolve(
            user=request.user, auth=request.auth, team_id=data.get("team_id")
        )
        fork = services.template_fork(
            user=request.user, template=template, version=version, team=team, name=data["name"]
        )
        return Response(_detail(*template_for_viewer(request.user, fork.pk)), status=201)


class LabelPolicyListApi(APIView):
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(
        responses=LabelPolicySerializer(many=True),
        description="Protected labels' policies: the dataset and pass rate a version needs.",
    )
    def get(self, request, template_id):
        template, _ = template_for_viewer(request.user, template_id)
        policies = template.label_policies.select_related("dataset", "updated_by")
        return Response(LabelPolicySerializer(policies, many=True).data)


class LabelPolicyDetailApi(APIView):
    token_scopes = {"PUT": Scope.TEMPLATES, "DELETE": Scope.TEMPLATES}

    @extend_schema(
        request=LabelPolicyInputSerializer,
        responses=LabelPolicySerializer,
        description="Let the label move only to versions with a finished experiment on the "
        "dataset passing at least min_pass_rate (team owners/admins).",
    )
    def put(self, request, template_id, name):
        template, _ = template_for_viewer(request.user, template_id)
        data = validated(LabelPolicyInputSerializer, request.data)
        saved = policy.label_policy_set(
            user=request.user,
            template=template,
            label=name,
            dataset_id=data["dataset_id"],
            min_pass_rate=data["min_pass_rate"],
        )
        return Response(LabelPolicySerializer(saved).data)

    @extend_schema(responses={204: None})
    def delete(self, request, template_id, name):
        template, _ = template_for_viewer(request.user, template_id)
        if not policy.label_policy_delete(user=request.user, template=template, label=name):
            raise Http404("That label has no policy.")
        return Response(status=status.HTTP_204_NO_CONTENT)
