"""``zen_core.plugin`` is the one module plugin authors import: it exports what the guide
shows, the guide's code imports nothing else from zen, and neither does the Redis example."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import zen_core.plugin as surface

ROOT = Path(__file__).parents[2]
GUIDE = ROOT / "docs" / "plugins" / "guide.md"
EXAMPLE = ROOT / "examples" / "zen-redis-store"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.S)


def zen_imports(source: str) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every ``from zen_core... import`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("zen_core"):
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("zen_core")]
    return found


def test_everything_the_surface_names_is_there():
    for name in surface.__all__:
        assert getattr(surface, name) is not None, name
    assert sorted(dir(surface)) == sorted(surface.__all__)
    with pytest.raises(AttributeError):
        surface.no_such_thing  # noqa: B018


def test_the_guide_imports_only_the_surface_and_it_has_every_name():
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    shown = set()
    for block in blocks:
        for module, names in zen_imports(block.replace("...", "pass")):
            assert module == "zen_core.plugin", f"the guide imports {module}"
            shown |= set(names)
    assert shown - set(surface.__all__) == set()
    assert {"hookimpl", "StoreType", "BaseStore", "StoreContract", "Flavor"} <= shown


def test_the_module_docstring_is_the_how_to():
    doc = surface.__doc__ or ""
    for what in ("[project.entry-points.zen]", "@hookimpl", "StoreContract", "BaseStore",
                 "apply(", "ZENML_DISABLE_PLUGINS"):
        assert what in doc, what


def test_importing_the_surface_for_hookimpl_imports_nothing_heavy():
    code = ("import sys; from zen_core.plugin import hookimpl; "
            "print(','.join(m for m in ('pytest', 'zen_core.store', 'pydantic') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


def test_the_redis_example_is_built_on_the_surface_alone():
    sources = sorted((EXAMPLE / "src").rglob("*.py")) + sorted((EXAMPLE / "tests").rglob("*.py"))
    assert len(sources) >= 5
    for path in sources:
        for module, _ in zen_imports(path.read_text(encoding="utf-8")):
            assert module == "zen_core.plugin", f"{path.relative_to(ROOT)} imports {module}"
