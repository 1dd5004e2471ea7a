"""`zenml plugin init` (issue 22): the plugin it writes installs and passes its own tests.

A plugin of each kind is rendered, installed into a fresh venv (``--system-site-packages``, and a
``.pth`` that adds this interpreter's site folders: a venv made from a venv does not see
its parent's packages otherwise) with ``pip install --no-deps --no-build-isolation -e``
(no network), and its tests run with that venv's python: the store's are zen's whole
store contract. Without hatchling, the build back-end it names, those tests skip, and
fail under ZEN_REQUIRE_PLUGINS=1 (CI)."""

from __future__ import annotations

import ast
import os
import py_compile
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from zen_core.testing.cli import failed, ok, usage_error
from zen_core.testing.require import require_modules


def installed_and_tested(plugin: Path, tmp_path: Path) -> str:
    """Install the rendered ``plugin`` into a fresh venv and run its tests there, as its
    author would; return pytest's output (the tests must pass and leave the author's own
    zen config alone)."""
    require_modules("hatchling", "pip")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    parents = [p for p in (*site.getsitepackages(), site.getusersitepackages())
               if Path(p).is_dir()]
    own = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    Path(own, "zen_parent.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in parents), encoding="utf-8")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-e", str(plugin)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    users_config = tmp_path / "users-config"  # the author's own zen: its tests leave it alone
    tests = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(plugin)],
                           capture_output=True, text=True, cwd=plugin, timeout=300,
                           env={**os.environ, "ZENML_CONFIG_PATH": str(users_config)})
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert not users_config.exists()
    return tests.stdout


def test_the_rendered_plugin_installs_and_passes_its_tests(zen, zen_home, tmp_path):
    ok(zen("plugin init zen-acme-flavor"))
    assert "2 passed" in installed_and_tested(Path.cwd() / "zen-acme-flavor", tmp_path)


def test_the_rendered_store_installs_and_passes_the_whole_contract(zen, zen_home, tmp_path):
    ok(zen("plugin init zen-acme-store --kind store"))
    # the contract suite (kill -9 and several processes included), and a profile on the store
    assert "105 passed" in installed_and_tested(Path.cwd() / "zen-acme-store", tmp_path)


@pytest.mark.parametrize(("kind", "modules", "hook", "imports"), [
    ("flavor", ["config.py", "plugin.py"],
     ['name="zen_other"', 'config_model="zen_other.config:ZenOtherConfig"'],
     {"__future__", "zen_core.plugin"}),
    ("store", ["plugin.py", "store.py"],
     ['name="zen_other"', 'store_class="zen_other.store:ZenOtherStore"',
      'SCHEME = "zen-other"'],
     {"__future__", "collections.abc", "contextlib", "fcntl", "json", "os", "pathlib",
      "typing", "zen_core.plugin", "zen_other.plugin"}),
])
def test_the_files_it_writes(zen, zen_home, tmp_path, kind, modules, hook, imports):
    target = tmp_path / "elsewhere"
    ok(zen(["plugin", "init", "zen_other", "--kind", kind, "--path", str(target)]))
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert written == ["README.md", "pyproject.toml", "src/zen_other/__init__.py",
                       *(f"src/zen_other/{m}" for m in modules), "tests/test_zen_other.py"]
    for module in target.rglob("*.py"):
        py_compile.compile(str(module), doraise=True)
    pyproject = (target / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.zen]\nzen_other = "zen_other.plugin"' in pyproject
    assert 'dependencies = ["zen-core>=1.0,<2"]' in pyproject
    plugin = (target / "src" / "zen_other" / "plugin.py").read_text(encoding="utf-8")
    assert [line for line in hook if line not in plugin] == []
    found = set()
    for module in (target / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    assert found == imports  # zen_core.plugin, the standard library and itself: no more


@pytest.mark.parametrize(("args", "error"), [
    ("plugin init My-Plugin", "Error: 'My-Plugin' is not a plugin name: use lower-case letters, "
     "digits, '-' and '_', starting with a letter (e.g. my-plugin)."),
    ("plugin init 1plugin", "Error: '1plugin' is not a plugin name: use lower-case letters, "
     "digits, '-' and '_', starting with a letter (e.g. my-plugin)."),
    ("plugin init zen-core", "Error: A module named 'zen_core' already exists here: pick "
     "another plugin name."),
    ("plugin init class", "Error: A module named 'class' already exists here: pick another "
     "plugin name."),
])
def test_a_bad_name_is_refused_and_nothing_is_written(zen, zen_home, args, error):
    assert failed(zen(args)) == error
    assert list(Path.cwd().iterdir()) == []


def test_a_folder_with_files_is_refused_and_left_alone(zen, zen_home):
    (Path.cwd() / "mine").mkdir()
    (Path.cwd() / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert failed(zen("plugin init mine")) == (
        f"Error: {Path.cwd() / 'mine'} already exists and is not empty: pick another --path, "
        "or remove it first.")
    assert [p.name for p in (Path.cwd() / "mine").iterdir()] == ["notes.txt"]
    (Path.cwd() / "empty").mkdir()
    ok(zen("plugin init mine --path empty"))
    assert (Path.cwd() / "empty" / "pyproject.toml").is_file()


def test_an_unknown_kind_is_a_usage_error(zen, zen_home):
    assert "'command' is not one of 'flavor', 'store'" in usage_error(
        zen("plugin init mine --kind command"))
    assert list(Path.cwd().iterdir()) == []
