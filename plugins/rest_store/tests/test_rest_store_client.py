"""The rest store as an HTTP client: URLs, tokens, error mapping, timeouts, connection reuse.

A tiny stub server answers what each test wants; the contract suite and the
CLI tests use a real service.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import (
    AlreadyExistsError,
    AuthenticationError,
    ComponentExistsError,
    ConflictError,
    InUseError,
    InvalidDataError,
    NotPermittedError,
    StackNotFoundError,
    StoreMissingError,
    StoreUnavailableError,
    ZenError,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.plugins import get_plugin_manager
from zen_core.store import StoreContext
from zen_core.writes import DeleteStack, RegisterComponent, UpdateComponent
from zen_rest_store import store as store_module
from zen_rest_store.identity import expected_proof
from zen_rest_store.plugin import check_url
from zen_rest_store.store import RestStore, local_service_token

T = ComponentType


class Stub:
    """An HTTP/1.1 server answering ``(status, body, content_type)`` and recording requests.

    With ``instance`` set, ``/health?challenge=C`` answers the proof a zen service of that
    run would (and is not recorded)."""

    def __init__(self) -> None:
        self.answer: tuple[int, bytes, str] = (
            200, b'{"items": [], "total": 0, "offset": 0, "limit": null}', "application/json")
        self.instance: str | None = None
        self.delay = 0.0
        self.requests: list[dict] = []
        self.client_ports: set[int] = set()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                if self.path.startswith("/health?challenge=") and stub.instance:
                    challenge = self.path.partition("=")[2]
                    body = json.dumps({"proof": expected_proof(stub.instance, challenge)})
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body.encode())
                    return
                length = int(self.headers.get("Content-Length") or 0)
                stub.requests.append({
                    "method": self.command, "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "if_match": self.headers.get("If-Match"),
                    "body": json.loads(self.rfile.read(length)) if length else None,
                })
                stub.client_ports.add(self.client_address[1])
                time.sleep(stub.delay)
                status, body, content_type = stub.answer
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (the timeout test)
                    pass

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def error(self, status: int, name: str, message: str) -> None:
        body = json.dumps({"error": name, "message": message}).encode()
        self.answer = (status, body, "application/json")


@pytest.fixture
def stub():
    stub = Stub()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


# --- the store type --------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "http://localhost:8000", "https://zen.example.com", "http://10.0.0.1:80/",
    "http://[::1]:8000", "HTTP://LOCALHOST:8000",
])
def test_good_urls(url, zen_home):
    assert check_url(url) is None
    assert get_plugin_manager().store_type("rest").validate_url(url) is None
    store = RestStore(url, StoreContext(token="t"))
    assert store.url == url.rstrip("/")  # requests go to URL + "/api/v1/..."
    assert not store.url.endswith("/")


@pytest.mark.parametrize(("url", "problem"), [
    ("localhost:8000", "http://"), ("ftp://localhost", "http://"),
    ("http://localhost:8000/api/v1", "path"), ("http://localhost:8000?x=1", "path"),
    ("http://localhost:99999", "port"), ("http://localhost:port", "port"),
    ("http://u:p@localhost", "--token"), ("http://", "host"),
])
def test_bad_urls(url, problem):
    with pytest.raises(InvalidDataError) as info:
        check_url(url)
    assert str(info.value).startswith(f"Invalid URL for store type 'rest': {url} (")
    assert problem in str(info.value)
    assert "e.g. http://localhost:8000" in str(info.value)


def test_the_store_type(zen_home):
    kind = get_plugin_manager().store_type("rest")
    assert kind.accepts_token and not kind.registers_default_stack
    with pytest.raises(InvalidDataError, match="pass --url"):
        kind.url_for_profile(zen_home / "profiles" / "x")
    store = kind.open("http://localhost:8000/", StoreContext(token="t"))
    assert isinstance(store, RestStore) and store.url == "http://localhost:8000"
    assert store.context.token == "t"


def test_the_plugin_module_imports_no_requests():
    probe = ("import sys, zen_rest_store.plugin; "
             "print('requests' in sys.modules, 'urllib3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


# --- tokens -----------------------------------------------------------------------------------
def _state(zen_home, **fields):
    zen_home.mkdir(parents=True, exist_ok=True)
    data = {"url": "http://localhost:8000/", "host": "127.0.0.1", "port": 8000,
            "profile": "default", "token": "local-token", "pid": 1,
            "instance": "the-secret-of-the-run-0123", **fields}
    (zen_home / "service.json").write_text(json.dumps(data))


@pytest.mark.parametrize(("url", "host", "found"), [
    ("http://localhost:8000", "127.0.0.1", True),
    ("http://127.0.0.1:8000/", "127.0.0.1", True),
    ("http://[::1]:8000", "127.0.0.1", True),
    ("http://localhost:8001", "127.0.0.1", False),
    ("http://zen.example.com:8000", "127.0.0.1", False),
    ("http://zen.example.com:8000", "zen.example.com", True),
    ("http://localhost", "127.0.0.1", False),
])
def test_the_local_service_token(zen_home, url, host, found):
    _state(zen_home, host=host)
    assert local_service_token(url, zen_home) == ("local-token" if found else None)
    assert local_service_token(url, None) is None  # no config folder given: none found


def test_no_or_broken_state_file_means_no_local_token(zen_home):
    assert local_service_token("http://localhost:8000", zen_home) is None
    zen_home.mkdir(parents=True, exist_ok=True)
    (zen_home / "service.json").write_text("{not json")
    assert local_service_token("http://localhost:8000", zen_home) is None


def test_which_token_is_sent(stub, zen_home, monkeypatch):
    _state(zen_home, port=stub.port, token="from-state")
    stub.instance = "the-secret-of-the-run-0123"
    opener = StoreContext(config_directory=zen_home)
    RestStore(stub.url, opener).list_stacks()
    monkeypatch.setenv("ZENML_STORE_TOKEN", "from-env")
    RestStore(stub.url, opener).list_stacks()
    RestStore(stub.url, StoreContext(token="explicit", config_directory=zen_home)).list_stacks()
    # The environment wins over a profile's stored key (as AWS_* variables do)...
    RestStore(stub.url, StoreContext(token="stored", profile="p")).list_stacks()
    monkeypatch.delenv("ZENML_STORE_TOKEN")
    RestStore(stub.url, StoreContext(token="stored", profile="p")).list_stacks()  # ...if set
    assert [r["auth"] for r in stub.requests] == [
        "Bearer from-state", "Bearer from-env", "Bearer explicit", "Bearer from-env",
        "Bearer stored"]


def test_the_local_token_is_looked_for_in_the_contexts_config_folder(stub, zen_home, tmp_path):
    _state(zen_home, port=stub.port, token="of-the-environments-folder")
    other = tmp_path / "other-config"
    _state(other, port=stub.port, token="of-the-openers-folder", instance="other-secret-012345")
    stub.instance = "other-secret-012345"
    RestStore(stub.url, StoreContext(config_directory=other)).list_stacks()
    assert stub.requests[-1]["auth"] == "Bearer of-the-openers-folder"


@pytest.mark.parametrize("instance", [None, "another-run-secret-0123"])
def test_the_local_key_is_sent_only_to_the_service_that_proves_its_run(stub, zen_home,
                                                                        instance):
    """Another program on the service's port (the service stopped, a stale state file) or
    another run of a service gets nothing: one line, and no request but the health check."""
    _state(zen_home, port=stub.port, token="the-local-key")
    stub.instance = instance
    with pytest.raises(StoreUnavailableError) as info:
        RestStore(stub.url, StoreContext(config_directory=zen_home)).list_stacks()
    assert str(info.value) == (
        f"The program answering at {stub.url} is not the zen service this machine started "
        "(it could not prove the instance recorded in service.json), so its key was not "
        "sent. Check with `zenml service status`, and restart it with `zenml service up` if "
        "it is not running.")
    assert all(r["auth"] is None for r in stub.requests)
    assert [r["path"].partition("?")[0] for r in stub.requests] == (
        ["/health"] if instance is None else [])


def test_a_state_file_without_an_instance_sends_nothing(stub, zen_home):
    _state(zen_home, port=stub.port, token="the-local-key", instance=None)
    with pytest.raises(StoreUnavailableError, match="records no instance to check"):
        RestStore(stub.url, StoreContext(config_directory=zen_home)).list_stacks()
    assert stub.requests == []


def test_the_check_is_made_once_per_store(stub, zen_home):
    _state(zen_home, port=stub.port, token="the-local-key")
    stub.instance = "the-secret-of-the-run-0123"
    store = RestStore(stub.url, StoreContext(config_directory=zen_home))
    for _ in range(3):
        store.list_stacks()
    assert [r["auth"] for r in stub.requests] == ["Bearer the-local-key"] * 3


# --- requests and answers ----------------------------------------------------------------------
def _answer(stub, data, status=200):
    stub.answer = (status, json.dumps(data).encode(), "application/json")


def test_reads_return_records_with_their_revision(stub, zen_home):
    store = RestStore(stub.url + "/", StoreContext(token="t"))
    stack = {"name": "s", "components": {"orchestrator": "o"}, "revision": 4,
             "created": "2026-01-01T00:00:00.000000Z", "updated": "2026-01-02T00:00:00.000000Z"}
    _answer(stub, stack)
    got = store.get_stack("s")
    assert got == Stack("s", {T.ORCHESTRATOR: "o"})
    assert (got.revision, got.created, got.updated) == (4, stack["created"], stack["updated"])
    _answer(stub, {"items": [{"type": "orchestrator", "flavor": "local", "name": "o",
                              "uuid": "u", "config": {}, "revision": 2, "created": None,
                              "updated": None}], "total": 1, "offset": 0, "limit": None})
    [component] = store.list_components(T.ORCHESTRATOR)
    assert component.revision == 2
    assert [r["path"] for r in stub.requests] == ["/api/v1/stacks/s",
                                                  "/api/v1/components/orchestrator"]


def test_one_write_is_one_request_to_its_route(stub, zen_home):
    store = RestStore(stub.url + "/", StoreContext(token="t"))
    component = {"type": "orchestrator", "flavor": "local", "name": "p", "uuid": "u",
                 "config": {"k": 1}, "revision": 3, "created": None, "updated": None}
    _answer(stub, component)
    written = store.update_component(
        T.ORCHESTRATOR, "o", ComponentChange(set={"k": 1}, unset=["j"], name="p",
                                             expected_revision=2))
    assert (written.name, written.revision) == ("p", 3)
    store.register_component(Component(T.ORCHESTRATOR, "local", "p", {"k": 1}, uuid="u"))
    stack = {"name": "s", "components": {"orchestrator": "o"}, "revision": 1,
             "created": None, "updated": None}
    _answer(stub, stack)
    store.update_stack("old name", StackChange(set={T.ORCHESTRATOR: "o"},
                                               remove=[T.CONTAINER_REGISTRY]))
    store.register_stack(Stack("s", {T.ORCHESTRATOR: "o"}))
    stub.answer = (204, b"", "application/json")
    store.delete_component(T.ARTIFACT_STORE, "a", expected_revision=5)
    store.delete_stack("s")
    assert [(r["method"], r["path"], r["if_match"], r["body"]) for r in stub.requests] == [
        ("PATCH", "/api/v1/components/orchestrator/o", '"2"',
         {"set": {"k": 1}, "unset": ["j"], "name": "p"}),
        ("POST", "/api/v1/components", None,
         {"type": "orchestrator", "flavor": "local", "name": "p", "uuid": "u",
          "config": {"k": 1}}),
        ("PATCH", "/api/v1/stacks/old%20name", None,
         {"set": {"orchestrator": "o"}, "remove": ["container_registry"]}),
        ("POST", "/api/v1/stacks", None, {"name": "s", "components": {"orchestrator": "o"}}),
        ("DELETE", "/api/v1/components/artifact_store/a", '"5"', None),
        ("DELETE", "/api/v1/stacks/s", None, None),
    ]


def test_several_writes_are_one_batch_request(stub, zen_home):
    store = RestStore(stub.url, StoreContext(token="t"))
    component = {"type": "orchestrator", "flavor": "local", "name": "o", "uuid": "u",
                 "config": {}, "revision": 1, "created": None, "updated": None}
    _answer(stub, {"written": [component, {**component, "revision": 2}, None]})
    writes = [RegisterComponent(Component(T.ORCHESTRATOR, "local", "o", uuid="u")),
              UpdateComponent(T.ORCHESTRATOR, "o", ComponentChange(set={"a": 1},
                                                                   expected_revision=1)),
              DeleteStack("s", expected_revision=3)]
    written = store.apply(writes, rules=object())  # rules are not sent
    assert [w.revision if w else None for w in written] == [1, 2, None]
    assert isinstance(written[0], Component)
    [request] = stub.requests
    assert (request["method"], request["path"]) == ("POST", "/api/v1/batch")
    from zen_core.writes import to_dict

    assert request["body"] == {"writes": [to_dict(w) for w in writes]}
    assert store.apply([]) == [] and len(stub.requests) == 1  # nothing to send


def test_a_batch_answer_that_does_not_fit_is_an_error(stub, zen_home):
    _answer(stub, {"written": [None]})
    with pytest.raises(StoreUnavailableError, match="batch of 2 writes"):
        RestStore(stub.url, StoreContext(token="t")).apply(
            [DeleteStack("a"), DeleteStack("b")])


@pytest.mark.parametrize(("status", "name", "expected"), [
    (404, "StackNotFoundError", StackNotFoundError),
    (409, "ComponentExistsError", ComponentExistsError),
    (409, "InUseError", InUseError),
    (422, "InvalidDataError", InvalidDataError),
    (503, "StoreUnavailableError", StoreUnavailableError),
    (503, "StoreMissingError", StoreMissingError),
    (412, "ConflictError", ConflictError),
    (403, "NotPermittedError", NotPermittedError),
    (409, "SomeFutureConflictError", AlreadyExistsError),
    (412, "SomeFuturePreconditionError", ConflictError),
    (500, "InternalError", StoreUnavailableError),
])
def test_error_answers_become_zen_core_errors(stub, zen_home, status, name, expected):
    stub.error(status, name, "The message, as the service wrote it.")
    with pytest.raises(ZenError) as info:
        RestStore(stub.url, StoreContext(token="t")).list_stacks()
    assert type(info.value) is expected
    assert str(info.value) == "The message, as the service wrote it."


def test_a_401_says_which_token_was_sent(stub, zen_home):
    stub.error(401, "AuthenticationError", "No access token given. Get one so.")
    with pytest.raises(AuthenticationError) as info:
        RestStore(stub.url).list_stacks()
    assert str(info.value).startswith("No access token given. Get one so. This client sent no "
                                      "token (the profile has none, $ZENML_STORE_TOKEN")


@pytest.mark.parametrize(("status", "expected", "words"), [
    (502, StoreUnavailableError, "failed: 502"),
    (200, StoreUnavailableError, "not JSON"),
    (418, ZenError, "is it a zen service?"),
])
def test_answers_that_are_not_from_a_zen_service(stub, zen_home, status, expected, words):
    stub.answer = (status, b"<html>proxy says no</html>", "text/html")
    with pytest.raises(ZenError) as info:
        RestStore(stub.url, StoreContext(token="t")).list_stacks()
    assert type(info.value) is expected
    assert words in str(info.value) and stub.url in str(info.value)


def test_an_unreachable_service_fails_fast_in_one_line(zen_home):
    with socket.socket() as sock:  # a port nothing listens on (zen-service is not needed)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as info:
        RestStore(url, StoreContext(token="t")).list_stacks()
    assert time.monotonic() - started < 3
    assert str(info.value) == (
        f"Cannot reach the zen service at {url} (connection refused). Is it running? Check "
        "with `zenml service status` on its machine, or fix the profile's URL.")


def test_a_service_that_does_not_answer_times_out(stub, zen_home, monkeypatch):
    monkeypatch.setattr(store_module, "READ_TIMEOUT", 0.3)
    stub.delay = 1.0
    with pytest.raises(StoreUnavailableError, match=r"\(no answer within 0.3 s\)"):
        RestStore(stub.url, StoreContext(token="t")).list_stacks()


def test_connections_are_reused(stub, zen_home):
    store = RestStore(stub.url, StoreContext(token="t"))
    for _ in range(10):
        store.list_stacks()
    assert len(stub.requests) == 10
    assert len(stub.client_ports) == 1
    store.close()
    store.list_stacks()  # a closed store opens a new session when used again
    assert len(stub.client_ports) == 2


def test_a_local_service_is_reached_without_the_environments_proxy(stub, zen_home,
                                                                    monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.255.255.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert RestStore(stub.url, StoreContext(token="t")).list_stacks() == []
    assert RestStore("http://zen.example.com", StoreContext(token="t")).session.trust_env


@pytest.mark.zen_needs("zen_service")
def test_a_client_with_its_own_config_folder_finds_its_service_token(tmp_path, monkeypatch):
    """The Python API with an explicit config folder, not $ZENML_CONFIG_PATH's."""
    from zen_core.client import Client
    from zen_service.testing import running_service

    config = tmp_path / "elsewhere"
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(tmp_path / "not-this-one"))
    client = Client(config_directory=config, cwd=tmp_path).prepare()
    with running_service(config, profile="default") as state:
        client.create_profile("remote", store_type="rest",
                              url=f"http://127.0.0.1:{state.port}")
        remote = Client(config_directory=config, cwd=tmp_path, profile="remote")
        assert [s.name for s in remote.list_stacks()] == ["default"]


def test_a_service_that_never_answers_costs_one_timeout(stub, zen, monkeypatch):
    """The CLI's first-run checks and the command itself used to wait one each (20 s where
    the message said 10 s): the command now fails on the first."""
    from zen_core.testing.cli import failed, ok

    ok(zen(f"profile create stubbed --type rest --url {stub.url} --token t"))
    monkeypatch.setattr(store_module, "READ_TIMEOUT", 0.3)
    stub.delay = 1.0
    stub.requests.clear()
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "stubbed")
    error = failed(zen("stack list"))
    assert "no answer within 0.3 s" in error
    assert len(stub.requests) == 1
