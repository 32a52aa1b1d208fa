"""example_for_schema: every example validates against its schema (draft 2020-12)."""

import uuid
from datetime import datetime, time
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from demo.schema_example import example_for_schema
from tests.samples import CITY_SCHEMA as CITY

TREE = {
    "$ref": "#/$defs/node",
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
            "required": ["label", "children"],
            "additionalProperties": False,
        }
    },
}
LINKED_LIST = {  # OpenAI strict-mode style: every property required, recursion through null
    "type": "object",
    "properties": {"head": {"$ref": "#/$defs/item"}},
    "required": ["head"],
    "$defs": {
        "item": {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "next": {"anyOf": [{"$ref": "#/$defs/item"}, {"type": "null"}]},
            },
            "required": ["value", "next"],
            "additionalProperties": False,
        }
    },
}

SCHEMAS = {
    "empty schema": {},
    "true schema": True,
    "string": {"type": "string"},
    "nullable string": {"type": ["string", "null"]},
    "only null": {"type": "null"},
    "boolean": {"type": "boolean"},
    "enum": {"enum": ["red", "green", "blue"]},
    "const": {"const": {"kind": "fixed"}},
    "string lengths": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 30},
            "initials": {"type": "string", "maxLength": 3},
            "blank": {"type": "string", "maxLength": 0},
        },
    },
    "formats": {
        "type": "object",
        "properties": {
            name: {"type": "string", "format": name}
            for name in ("date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6")
        },
    },
    "patterns": {
        "type": "object",
        "properties": {
            "sku": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
            "phone": {"type": "string", "pattern": r"^\+?[0-9]{10,14}$"},
            "slug": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 8},
            "colour": {"type": "string", "pattern": "^(red|green)$"},
            "not_lower": {"type": "string", "pattern": "^[^a-z]+$"},
        },
    },
    "integer bounds and multipleOf": {
        "type": "object",
        "properties": {
            "weeks": {"type": "integer", "minimum": 100, "maximum": 200, "multipleOf": 7},
            "negative": {"type": "integer", "exclusiveMaximum": 0},
            "tiny": {"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 3},
        },
    },
    "number bounds and multipleOf": {
        "type": "object",
        "properties": {
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "price": {"type": "number", "multipleOf": 0.01, "minimum": 0},
            "tenths": {"type": "number", "multipleOf": 0.1, "minimum": 43, "maximum": 44},
        },
    },
    "city (structured output)": CITY,
    "nested objects": {
        "type": "object",
        "properties": {
            "customer": {
                "type": "object",
                "properties": {
                    "firstName": {"type": "string"},
                    "address": {
                        "type": "object",
                        "properties": {
                            "street": {"type": "string"},
                            "zip": {"type": "string", "pattern": r"^\d{5}$"},
                            "country": {"enum": ["NO", "SE", "DK"]},
                        },
                        "required": ["street", "zip", "country"],
                        "additionalProperties": False,
                    },
                },
                "required": ["firstName", "address"],
                "additionalProperties": False,
            }
        },
        "required": ["customer"],
    },
    "array bounds and uniqueness": {
        "type": "object",
        "properties": {
            "pair": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
            "none": {"type": "array", "items": {"type": "integer"}, "maxItems": 0},
            "distinct": {
                "type": "array",
                "items": {"type": "integer", "maximum": 50},
                "minItems": 3,
                "uniqueItems": True,
            },
            "colours": {
                "type": "array",
                "items": {"enum": ["r", "g"]},
                "minItems": 2,
                "uniqueItems": True,
            },
            "tuple": {
                "type": "array",
                "prefixItems": [{"type": "number"}, {"type": "string"}],
                "items": False,
                "minItems": 2,
            },
        },
    },
    "$defs reference": {
        "type": "object",
        "properties": {"home": {"$ref": "#/$defs/place"}, "work": {"$ref": "#/$defs/place"}},
        "required": ["home"],
        "$defs": {"place": {"type": "object", "properties": {"city": {"type": "string"}}}},
    },
    "definitions reference": {
        "type": "array",
        "items": {"$ref": "#/definitions/score"},
        "definitions": {"score": {"type": "integer", "minimum": 1, "maximum": 5}},
    },
    "$ref with sibling keywords": {
        "type": "object",
        "properties": {"age": {"$ref": "#/$defs/count", "maximum": 10}},
        "$defs": {"count": {"type": "integer", "minimum": 0}},
    },
    "anyOf": {"anyOf": [{"type": "integer", "minimum": 1000}, {"type": "string"}]},
    "anyOf null first": {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]},
    "oneOf with discriminator": {
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "kind": {"const": "circle"},
                    "radius": {"type": "number", "minimum": 0},
                },
                "required": ["kind", "radius"],
            },
            {
                "type": "object",
                "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
                "required": ["kind", "side"],
            },
        ]
    },
    "allOf merge": {
        "allOf": [
            {
                "type": "object",
                "properties": {"id": {"type": "integer", "minimum": 5}},
                "required": ["id"],
            },
            {
                "properties": {"id": {"maximum": 6}, "note": {"type": "string"}},
                "required": ["note"],
            },
        ]
    },
    "recursive tree": TREE,
    "recursive linked list": LINKED_LIST,
    "recursive through the root": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "parent": {"$ref": "#"}},
        "required": ["name"],
    },
    "types implied by keywords": {
        "properties": {"size": {"minimum": 3}, "items": {"items": {"type": "boolean"}}},
        "required": ["size", "extra"],
        "additionalProperties": {"type": "integer"},
    },
    "weather tool parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
            "include_hourly": {"type": ["boolean", "null"]},
        },
        "required": ["city", "unit", "days", "include_hourly"],
        "additionalProperties": False,
    },
    "calendar event": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "starts_at": {"type": "string", "format": "date-time"},
            "attendees": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "email": {"type": "string", "format": "email"},
                        "role": {"enum": ["host", "guest"]},
                        "plus_ones": {"type": "integer", "minimum": 0, "maximum": 2},
                    },
                    "required": ["email", "role", "plus_ones"],
                    "additionalProperties": False,
                },
            },
            "location": {"anyOf": [{"$ref": "#/$defs/place"}, {"type": "null"}]},
        },
        "required": ["title", "starts_at", "attendees", "location"],
        "additionalProperties": False,
        "$defs": {
            "place": {
                "type": "object",
                "properties": {"room": {"type": "string"}, "floor": {"type": "integer"}},
                "required": ["room", "floor"],
                "additionalProperties": False,
            }
        },
    },
}


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_example_is_valid(schema):
    example = example_for_schema(schema)
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        example
    )


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_example_is_deterministic(schema):
    assert example_for_schema(schema) == example_for_schema(schema)


def test_strings_are_worded_from_property_names():
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "firstName": {}, "zip_code": {"type": "string"}},
    }
    assert example_for_schema(schema) == {
        "city": "example city",
        "firstName": "example first name",
        "zip_code": "example zip code",
    }


def test_all_listed_properties_are_included_not_only_required_ones():
    assert set(example_for_schema(CITY | {"required": ["name"]})) == {"name", "population", "tags"}


def test_arrays_default_to_one_item_and_unique_items_differ():
    assert example_for_schema({"type": "array", "items": {"type": "string"}}) == ["example"]
    tags = {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": True}
    assert example_for_schema({"type": "object", "properties": {"tags": tags}}) == {
        "tags": ["example tags", "example tags 2", "example tags 3"]
    }


def test_recursion_stops_at_a_modest_depth():
    def depth(node):
        return 1 + max((depth(child) for child in node["children"]), default=0)

    assert 2 <= depth(example_for_schema(TREE)) <= 4

    def length(item):
        return 1 + (length(item["next"]) if item["next"] else 0)

    assert 2 <= length(example_for_schema(LINKED_LIST)["head"]) <= 4


def test_unsatisfiable_pattern_falls_back_to_a_string():
    assert isinstance(example_for_schema({"type": "string", "pattern": "^(?=a)b$"}), str)
    assert isinstance(example_for_schema({"type": "string", "pattern": "(unclosed"}), str)


def test_schema_without_any_instance_gives_none():
    assert example_for_schema(False) is None
    endless = {
        "$ref": "#/$defs/a",
        "$defs": {
            "a": {"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}, "required": ["a"]}
        },
    }
    assert example_for_schema(endless) is None


def test_formats_jsonschema_leaves_unchecked_are_still_well_formed():
    """jsonschema only checks date-time, time and uri with optional packages; parse them here."""
    example = example_for_schema(SCHEMAS["formats"])
    datetime.fromisoformat(example["date-time"])
    time.fromisoformat(example["time"])
    assert urlsplit(example["uri"]).scheme == "https"
    assert uuid.UUID(example["uuid"]).version == 4
