from django.urls import path, re_path

from . import openai_api

# Mounted at /v1/: the OpenAI-compatible endpoint. Anything else under /v1/ answers a 404 in
# OpenAI's error shape rather than the site's HTML one.
urlpatterns = [
    path("chat/completions", openai_api.chat_completions, name="v1_chat_completions"),
    path("models", openai_api.models, name="v1_models"),
    re_path(r"^(?P<path>.*)$", openai_api.not_found),
]
