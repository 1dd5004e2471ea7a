"""The five distributions as installed: one version, sibling bounds, licence and metadata.

The name ``zen-core`` on the public index belongs to an unrelated project
(0.2.1 to 0.2.7, import name ``zen_core`` too): every requirement on a zen
sibling must exclude all of its releases, so pip never picks it.
``nox -s wheels`` checks the same on built wheels installed from a wheelhouse.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import zen_core
from zen_core.testing.require import PLUGINS, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
#: distribution -> (its folder, its import package)
DISTRIBUTIONS = {
    "zen-core": ("core", "zen_core"),
    "zen-local-store": ("plugins/local_store", "zen_local_store"),
    "zen-sql-store": ("plugins/sql_store", "zen_sql_store"),
    "zen-rest-store": ("plugins/rest_store", "zen_rest_store"),
    "zen-service": ("plugins/service", "zen_service"),
}
#: Every release of the unrelated project called zen-core on the public index.
UNRELATED_ZEN_CORE = [f"0.2.{i}" for i in range(1, 8)]


def installed(name: str):
    """The installed distribution; a skip without it (a failure under ZEN_REQUIRE_PLUGINS)."""
    try:
        return distribution(name)
    except PackageNotFoundError:
        skip_or_fail(f"needs {name}, which is not installed", PLUGINS)


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_every_distribution_has_the_one_version(name):
    assert installed(name).version == zen_core.__version__


@pytest.mark.parametrize("name", ["zen-local-store", "zen-sql-store", "zen-rest-store",
                                  "zen-service"])
def test_a_plugins_version_is_its_distributions(name):
    module = importlib.import_module(DISTRIBUTIONS[name][1])
    assert module.__version__ == installed(name).version
    with pytest.raises(AttributeError):
        module.no_such_attribute  # noqa: B018


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_siblings_are_required_within_a_range_the_unrelated_project_cannot_meet(name):
    siblings = [
        Requirement(text) for text in installed(name).requires or ()
        if Requirement(text).name in DISTRIBUTIONS
    ]
    if name in ("zen-core", "zen-local-store"):  # they require each other
        assert [r.name for r in siblings] == [
            "zen-local-store" if name == "zen-core" else "zen-core"]
    else:
        assert "zen-core" in [r.name for r in siblings]
    for requirement in siblings:
        assert requirement.specifier, f"{name} requires {requirement.name} without a bound"
        assert requirement.specifier.contains(zen_core.__version__), requirement
        for version in UNRELATED_ZEN_CORE:
            assert not requirement.specifier.contains(version), (requirement, version)


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_metadata_for_an_index(name):
    metadata = installed(name).metadata
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Author-email"]
    assert metadata["Keywords"]
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    assert metadata["Requires-Python"] == ">=3.10"


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_licence_and_py_typed_in_every_distribution(name):
    folder, package = DISTRIBUTIONS[name]
    licence = ROOT / "LICENSE"
    assert "Apache License" in licence.read_text()
    # a copy per distribution: an sdist only holds files below its own folder
    assert (ROOT / folder / "LICENSE").read_bytes() == licence.read_bytes()
    assert (ROOT / folder / "src" / package / "py.typed").is_file()
    files = [str(f) for f in installed(name).files or ()]
    assert any(f.endswith("licenses/LICENSE") for f in files), files
