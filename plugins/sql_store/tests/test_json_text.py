"""json_text's encoders write json.dumps' text, and fail where it fails."""

from __future__ import annotations

import json

import pytest

from zen_sql_store import json_text

VALUES = [
    {}, [], "", 0, None, True, 1.5, -0.0, float("inf"), float("nan"), 10**30,
    {"flavor": "local", "config": {}, "labels": {}},
    {"components": {"orchestrator": "o", "artifact_store": "a"}, "labels": {"team": "ml"}},
    {"b": [1, 2.25, None, {"é": "ü\n\"\\\t\u2028"}], "a": {"z": [], "y": {}}},
    {3: "int key", True: "bool key", None: "none key", 2.5: "float key"},
]


@pytest.mark.parametrize("options", [
    {}, {"ensure_ascii": False, "separators": (",", ":")},
    {"ensure_ascii": False, "separators": (",", ":"), "sort_keys": True},
])
def test_the_text_is_json_dumps(options):
    encode = json_text.encoder(**options)
    assert getattr(encode, "__func__", None) is not json.JSONEncoder.encode  # CPython: fast
    for value in VALUES:
        try:
            expected = json.dumps(value, **options)
        except TypeError:  # keys of mixed types cannot be sorted
            with pytest.raises(TypeError):
                encode(value)
            continue
        assert encode(value) == expected
    assert json_text.dumps({"x": ["é"]}) == json.dumps({"x": ["é"]})


def test_a_value_json_has_no_form_for_is_refused_as_json_dumps_refuses_it():
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_text.dumps({"when": object()})
    circular: list = []
    circular.append(circular)
    with pytest.raises(RecursionError):  # json.dumps: ValueError (module doc)
        json_text.dumps(circular)
    assert json_text.dumps({"after": "errors"}) == '{"after": "errors"}'


def test_without_the_c_encoder_it_is_json_encoder_encode(monkeypatch):
    monkeypatch.setattr(json_text._encoder, "c_make_encoder", None)
    encode = json_text.encoder(ensure_ascii=False)
    assert encode({"é": 1}) == '{"é": 1}'
    assert encode.__func__ is json.JSONEncoder.encode
