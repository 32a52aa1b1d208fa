"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): every /api/ body is
parsed and checked for what cannot be stored (NUL, lone surrogates, NaN, nesting too deep,
completions.input_rules): a 400 naming the field. Its imports stay this light because DRF
imports it while `rest_framework.views` itself is still loading."""

from django.core.exceptions import ValidationError
from rest_framework import exceptions, parsers

from completions.input_rules import json_parse


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # DRF hands over the body already read, so it is within DATA_UPLOAD_MAX_MEMORY_SIZE
        # (over it, reading raised RequestDataTooBig: a 413 from playground.api_errors).
        try:
            return json_parse(stream.read())
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None
