"""The house as DESIGN.md draws it, checked on the source: layers, one door, no circles.

- the edges (the CLI, the Python API, the service) never hold a raw store: they reach
  records through the domain's checked readers and operations (``zen_core.services``);
- the service opens its profile through the domain, never through ``Client``;
- no import circle between modules, counting the imports made inside functions;
- the domain layer does not import the legacy migration, a step the CLI runs;
- a store never reads zen's global configuration;
- HTTP status codes are the service's business, not the core exceptions'.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "zen_core": ROOT / "core/src/zen_core",
    "zen_local_store": ROOT / "plugins/local_store/src/zen_local_store",
    "zen_sql_store": ROOT / "plugins/sql_store/src/zen_sql_store",
    "zen_rest_store": ROOT / "plugins/rest_store/src/zen_rest_store",
    "zen_service": ROOT / "plugins/service/src/zen_service",
}


def modules() -> dict[str, Path]:
    found = {}
    for folder in PACKAGES.values():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def tree(path: Path) -> ast.Module:
    """The module's syntax tree without its ``if TYPE_CHECKING:`` blocks (never run)."""
    parsed = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(parsed):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            node.body = []
    return parsed


def imports(module: str) -> set[str]:
    """The modules of ours that ``module`` imports, at its top or inside functions."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], base]).strip(".")
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


def attributes(module: str) -> set[str]:
    return {node.attr for node in ast.walk(tree(MODULES[module]))
            if isinstance(node, ast.Attribute)}


def edges() -> list[str]:
    return [m for m in MODULES if m.startswith(("zen_core.cli", "zen_service"))
            or m == "zen_core.client"]


def test_the_edges_never_hold_a_raw_store():
    """A store reached from an edge skips the role checks and the masking: the edges call
    the domain's readers and operations, which get it through the door."""
    below_the_door = {"_store", "bookkeeping", "checked", "open_store", "store"}
    allowed = {("zen_core.client", "store"), ("zen_core.client", "bookkeeping")}  # Client.store:
    # deprecated, warns
    found = sorted((m, name) for m in edges() for name in attributes(m) & below_the_door
                   if (m, name) not in allowed)
    assert found == []


def test_the_service_opens_its_profile_through_the_domain():
    assert sorted(m for m in MODULES if m.startswith("zen_service")
                  and "zen_core.client" in imports(m)) == []


def test_no_module_imports_itself_through_others():
    graph = {m: imports(m) for m in MODULES}
    circles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert circles == []


def test_the_domain_does_not_import_the_migration():
    """Migrating a pre-0.7 repository is a step the CLI runs, not a service's concern."""
    assert sorted(m for m in MODULES if m.startswith("zen_core.services")
                  and "zen_core.legacy" in imports(m)) == []


def test_stores_never_read_the_global_config():
    """A store is given what it needs in its context (``StoreContext``)."""
    stores = [m for m in MODULES if m.startswith(("zen_local_store", "zen_sql_store",
                                                  "zen_rest_store"))]
    assert sorted(m for m in stores if "zen_core.config" in imports(m)) == []


def test_http_status_codes_are_the_services_business():
    from zen_core import exceptions

    assert [c.__name__ for c in exceptions._subclasses(exceptions.ZenError)
            if "http_status" in vars(c)] == []


def test_the_python_api_is_a_thin_facade():
    """DESIGN.md: ``client.py`` binds the domain to a working directory, at most 150 lines;
    a rule that grows there belongs in ``zen_core.services``."""
    lines = (PACKAGES["zen_core"] / "client.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150


def test_the_local_service_has_one_home():
    """The state file's name, the local host names and the run's proof live in
    ``zen_core.local_service``, for the service and the rest store alike."""
    homes = {name for name, path in MODULES.items()
             if any(text in path.read_text(encoding="utf-8")
                    for text in ('= "service.json"', "hmac.new(", '"::1"'))}
    assert homes == {"zen_core.local_service"}
