"""Secrets stay secret: passwords and tokens in URLs (user info and query string) in every
listing, ``-o json`` and error; secret values never reinterpreted or echoed."""

from __future__ import annotations

import json

import pytest
import yaml

from zen_core.masking import mask_text, mask_url
from zen_core.testing.cli import failed, ok


@pytest.mark.parametrize(("url", "masked"), [
    ("mysql://zenml:pw@db/zenml", "mysql://zenml:***@db/zenml"),
    ("postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"),
    ("mysql://db/zenml?password=pw&charset=utf8", "mysql://db/zenml?password=***&charset=utf8"),
    ("postgresql://h/db?sslmode=require&token=t&api_key=k",
     "postgresql://h/db?sslmode=require&token=***&api_key=***"),
    ("mysql://u:pw@h/db?user=u&passwd=x", "mysql://u:***@h/db?user=u&passwd=***"),
    ("http://u:hunter2@host:8000?x=1@2", "http://u:***@host:8000?x=1@2"),
    ("sqlite:////tmp/zen.db", "sqlite:////tmp/zen.db"),
    ("mysql://h/db?password=", "mysql://h/db?password="),
], ids=["userinfo", "raw-at", "query-password", "query-token-key", "both", "at-in-query",
        "nothing", "empty-value"])
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_mask_text_masks_every_url_in_a_message():
    text = ("Cannot reach mysql://zenml:pw@db/zenml (timeout); tried "
            "'http://host:8000/?token=abc' too.")
    assert mask_text(text) == ("Cannot reach mysql://zenml:***@db/zenml (timeout); tried "
                               "'http://host:8000/?token=***' too.")


@pytest.fixture
def secret_profile(zen, zen_home):
    """A profile whose store URL holds a password and a token (as a hand edit could)."""
    ok(zen("profile list"))
    config = yaml.safe_load((zen_home / "config.yaml").read_text())
    config["profiles"]["db"] = {
        "name": "db", "store_type": "sql", "active_stack": "default",
        "store_url": "mysql://zenml:hunter2@db/zenml?password=hunter3&token=hunter4",
    }
    (zen_home / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return "mysql://zenml:***@db/zenml?password=***&token=***"


def test_profile_list_describe_and_json_mask_the_url(zen, secret_profile):
    for command in ("profile list", "profile list -o json", "profile list -o yaml",
                    "profile describe db", "profile describe db -o json"):
        result = ok(zen(command))
        assert "hunter" not in result.output, command
    data = {p["name"]: p for p in json.loads(ok(zen("profile list -o json")).stdout)}
    assert data["db"]["url"] == secret_profile


@pytest.mark.zen_needs("zen_rest_store")
@pytest.mark.parametrize("url", [
    "http://admin:hunter2@localhost:8000",
    "http://localhost:8000/?token=hunter2",
])
def test_a_refused_service_url_is_masked_in_its_error(zen, url):
    ok(zen("profile list"))
    error = failed(zen(["profile", "create", "shared", "--type", "rest", "--url", url]))
    assert "Invalid URL for store type 'rest'" in error
    assert "hunter2" not in error and "***" in error


@pytest.mark.zen_needs("zen_rest_store")
def test_the_python_api_error_is_masked_too():
    from zen_core.exceptions import InvalidDataError
    from zen_core.plugins import get_plugin_manager

    with pytest.raises(InvalidDataError) as info:
        get_plugin_manager().store_type("rest").validate_url("http://a:hunter2@h:1/x")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize("value", ["{abc", "[1, 2]", "{\"a\": 1}", "[unclosed"])
def test_a_secret_that_looks_like_yaml_stays_text(zen, value):
    ok(zen("profile list"))
    result = ok(zen(["experiment-tracker", "register", "w", "-t", "wandb", f"--api_key={value}",
                     "--entity=e", "--project_name=p"]))
    assert value not in result.output
    shown = json.loads(ok(zen("experiment-tracker describe w -o json")).stdout)
    assert shown["config"]["api_key"] == "{{experiment-tracker-w.api_key}}"
    # kept as a secret of its own, as text
    secret = json.loads(ok(zen("secret describe experiment-tracker-w --show -o json")).stdout)
    assert secret["values"] == {"api_key": value}


def test_list_and_mapping_fields_are_still_read_as_yaml(zen):
    ok(zen("profile list"))
    ok(zen(["orchestrator", "register", "v", "-t", "vertex", "--location=eu",
            "--pipeline_root=gs://b", '--labels={"team": "ml"}']))
    shown = json.loads(ok(zen("orchestrator describe v -o json")).stdout)
    assert shown["config"]["labels"] == {"team": "ml"}
    ok(zen(["orchestrator", "update", "v", "--labels={team: data}"]))
    shown = json.loads(ok(zen("orchestrator describe v -o json")).stdout)
    assert shown["config"]["labels"] == {"team": "data"}
