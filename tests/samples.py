"""Sample payloads shared by the tests: a tool, a JSON schema, a template's content.

Data only; what does something with it lives in tests/helpers.py."""

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}

CITY_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "population": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
    "required": ["name", "population", "tags"],
    "additionalProperties": False,
}

# A prompt as a template version holds it: two variables, one with a default and a description.
PROMPT = {
    "model": "octo-demo-small",
    "messages": [
        {"role": "system", "content": "You write for {{audience}}."},
        {"role": "user", "content": "Explain {{ topic }} briefly."},
    ],
    "params": {"temperature": 0.2},
    "variables": {"audience": {"default": "engineers", "description": "Who reads it"}},
}

# A judge's prompt template: the three variables a judge may use.
JUDGE_PROMPT = {
    "messages": [
        {"role": "system", "content": "Score the answer from 0 to 1."},
        {"role": "user", "content": "Q: {{input}}\nA: {{output}}\nWanted: {{expected}}"},
    ],
    "variables": {},
}
