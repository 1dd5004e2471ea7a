"""``zenml plugin init``: write a new plugin distribution from the template beside this file.

The template is plain files with ``$package``-style placeholders (:class:`string.Template`),
so it needs nothing besides the standard library (no copier, no cookiecutter: see
docs/decisions.md). Each kind is a folder here; ``.tmpl`` is dropped from the file names
and ``PACKAGE`` in a path is the import package's name.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from zen_core.exceptions import InvalidDataError

HERE = Path(__file__).resolve().parent
#: The kinds of plugin the template writes: a component flavor, or a store type (one JSON
#: file, on zen_core.plugin's TableTransaction) that passes the whole store contract.
KINDS = ("flavor", "store")
#: A distribution's name as the command takes it: lower case, words joined by ``-`` or ``_``.
NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


@dataclass(frozen=True)
class PluginNames:
    distribution: str  # my-plugin
    package: str       # my_plugin: the import package, the entry point's, flavor's, store type's
    title: str         # MyPlugin: the flavor's configuration class is MyPluginConfig

    @property
    def scheme(self) -> str:
        """my-plugin: the store's URL scheme (``_`` is not allowed in one)."""
        return self.package.replace("_", "-")

    @property
    def store_class(self) -> str:
        """MyPluginStore; MyStore for my-store (not MyStoreStore)."""
        return self.title if self.title.endswith("Store") else f"{self.title}Store"

    @classmethod
    def of(cls, name: str) -> PluginNames:
        if not NAME.fullmatch(name):
            raise InvalidDataError(
                f"'{name}' is not a plugin name: use lower-case letters, digits, '-' and '_', "
                "starting with a letter (e.g. my-plugin).")
        package = name.replace("-", "_")
        if keyword.iskeyword(package) or importlib.util.find_spec(package) is not None:
            raise InvalidDataError(
                f"A module named '{package}' already exists here: pick another plugin name.")
        return cls(name, package, "".join(part.title() for part in package.split("_")))


def render(name: str, kind: str = "flavor", path: Path | None = None) -> Path:
    """Write the plugin ``name`` of ``kind`` into ``path`` (default ``./name``); return it.

    Refuses a bad name and a ``path`` that is a file or a folder with anything in it,
    before writing anything."""
    if kind not in KINDS:
        raise InvalidDataError(f"No plugin template of kind '{kind}': the kinds are "
                               f"{', '.join(KINDS)}.")
    names = PluginNames.of(name)
    target = (path or Path.cwd() / name).resolve()
    if target.is_file() or (target.is_dir() and any(target.iterdir())):
        raise InvalidDataError(f"{target} already exists and is not empty: pick another "
                               "--path, or remove it first.")
    values = {"distribution": names.distribution, "package": names.package,
              "title": names.title, "scheme": names.scheme,
              "store_class": names.store_class}
    source = HERE / kind
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = str(file.relative_to(source)).removesuffix(".tmpl")
        out = target / relative.replace("PACKAGE", names.package)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(Template(file.read_text(encoding="utf-8")).substitute(values),
                       encoding="utf-8")
    return target
