"""Stacks files: a team's components and stacks as YAML kept in git (``zenml apply -f``).

::

    # yaml-language-server: $schema=stacks.schema.json   (zenml schema stacks > ...)
    set: team-ml                 # the apply set: what `apply --prune` may delete
    components:
      - type: orchestrator
        flavor: kubeflow
        name: kf-prod
        configuration:
          kubernetes_context: prod
        labels: {env: prod}
      - type: metadata_store
        flavor: mysql
        name: meta-prod
        configuration:
          host: db.internal
          password: "{{meta-prod.password}}"   # a reference: never a value in git
    stacks:
      - name: prod
        components: {orchestrator: kf-prod, metadata_store: meta-prod, artifact_store: s3}
        labels: {env: prod}

One or more files (each may hold several YAML documents), a folder (its
``*.yaml`` and ``*.yml`` files, in name order) or ``-`` (standard input) make one
:class:`Desired` state. Each entry is checked as it is read, and every error names
the file, the line and the entry. A secret field must hold a reference
(``{{secret.key}}``): a file that holds a value is refused without echoing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError, ZenError
from zen_core.labels import check_key, check_labels, check_value
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name

if TYPE_CHECKING:
    from zen_core.services.rules import Rules

#: The label apply writes on every record it creates or updates: ``<key>=<set name>``.
OWNER_LABEL = "zen.dev/apply-set"
#: The apply set of files that name none.
DEFAULT_SET = "default"

TOP_KEYS = ("version", "set", "components", "stacks")
COMPONENT_KEYS = ("type", "flavor", "name", "configuration", "labels")
STACK_KEYS = ("name", "components", "labels")


@dataclass
class Entry:
    """A record a file asks for, and where: ``stacks.yaml:12``."""

    record: Component | Stack
    source: str


@dataclass
class Desired:
    """What the files ask for: components by (type, name), stacks by name, the set."""

    components: dict[tuple[ComponentType, str], Entry] = field(default_factory=dict)
    stacks: dict[str, Entry] = field(default_factory=dict)
    set_name: str | None = None
    sources: list[str] = field(default_factory=list)


class _Located(dict):
    """A YAML mapping that knows its line."""

    line = 0


def _loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def mapping(loader: Any, node: Any) -> _Located:
        loader.flatten_mapping(node)
        found = _Located()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in found:
                raise InvalidDataError(
                    f"line {key_node.start_mark.line + 1}: the key '{key}' is given twice.")
            found[key] = loader.construct_object(value_node, deep=True)
        found.line = node.start_mark.line + 1
        return found

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    return Loader


def read_texts(paths: Iterable[str], stdin: Any = None) -> list[tuple[str, str]]:
    """``(name, text)`` of each file named (``-``: standard input; a folder: its YAML
    files in name order)."""
    found: list[tuple[str, str]] = []
    for given in paths:
        if given == "-":
            import sys

            found.append(("<stdin>", (stdin or sys.stdin).read()))
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.suffix in (".yaml", ".yml") and p.is_file())
            if not files:
                raise InvalidDataError(f"The folder {given} holds no .yaml or .yml file.")
        elif path.is_file():
            files = [path]
        else:
            raise InvalidDataError(f"No such file or folder: {given}.")
        for file in files:
            try:
                found.append((str(file), file.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as err:
                raise InvalidDataError(f"Cannot read {file}: {err}.") from None
    if not found:
        raise InvalidDataError("Name at least one stacks file with -f FILE (- for stdin).")
    return found


def parse(texts: Iterable[tuple[str, str]], rules: Rules) -> Desired:
    """The desired state the texts describe, every entry checked (flavors installed here,
    their configuration schemas, references in secret fields)."""
    import yaml

    desired = Desired()
    loader = _loader()
    for name, text in texts:
        desired.sources.append(name)
        try:
            documents = list(yaml.load_all(text, Loader=loader))  # a SafeLoader
        except InvalidDataError as err:
            raise InvalidDataError(f"{name}: {err.message}") from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark is not None else name
            problem = getattr(err, "problem", None) or "not valid YAML"
            raise InvalidDataError(f"{where}: {problem}.") from None
        for document in documents:
            if document is None:
                continue
            _read_document(desired, name, document, rules)
    return desired


def _at(name: str, node: Any, fallback: int = 0) -> str:
    return f"{name}:{getattr(node, 'line', 0) or fallback}"


def _read_document(desired: Desired, name: str, document: Any, rules: Rules) -> None:
    if not isinstance(document, dict):
        raise InvalidDataError(f"{name}: a stacks file is a mapping with `components` and/or "
                               "`stacks`.")
    unknown = sorted(set(map(str, document)) - set(TOP_KEYS))
    if unknown:
        raise InvalidDataError(f"{_at(name, document)}: unknown key '{unknown[0]}' (a stacks "
                               f"file takes {', '.join(TOP_KEYS)}).")
    version = document.get("version", 1)
    if version != 1:
        raise InvalidDataError(f"{_at(name, document)}: version {version!r} is not known "
                               "here: this zen reads version 1.")
    if "set" in document:
        set_name = document["set"]
        try:
            check_value(OWNER_LABEL, set_name)
            if not set_name:
                raise InvalidDataError("empty")
        except InvalidDataError:
            raise InvalidDataError(f"{_at(name, document)}: invalid set name {set_name!r}: use "
                                   "letters, digits, '_', '-' and '.'.") from None
        if desired.set_name not in (None, set_name):
            raise InvalidDataError(f"{_at(name, document)}: set '{set_name}' differs from "
                                   f"'{desired.set_name}' named by another file: one apply "
                                   "applies one set.")
        desired.set_name = set_name
    for key, reader in (("components", _component), ("stacks", _stack)):
        entries = document.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise InvalidDataError(f"{_at(name, document)}: `{key}` is a list of entries.")
        for index, entry in enumerate(entries):
            source = _at(name, entry, getattr(document, "line", 0))
            try:
                reader(desired, source, entry, rules)
            except ZenError as err:
                raise InvalidDataError(
                    f"{source}: {key} entry {index + 1}{_named(entry)}: {err.message}"
                ) from None


def _named(entry: Any) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        kind = entry.get("type")
        return f" ({kind} '{entry['name']}')" if isinstance(kind, str) else \
            f" ('{entry['name']}')"
    return ""


def _keys(entry: Any, allowed: tuple[str, ...], what: str) -> None:
    if not isinstance(entry, dict):
        raise InvalidDataError(f"a {what} is a mapping ({', '.join(allowed)}).")
    unknown = sorted(set(map(str, entry)) - set(allowed))
    if unknown:
        raise InvalidDataError(f"unknown key '{unknown[0]}' (a {what} takes "
                               f"{', '.join(allowed)}).")


def _component(desired: Desired, source: str, entry: Any, rules: Rules) -> None:
    from zen_core.services import references
    from zen_core.services.components import secret_keys

    _keys(entry, COMPONENT_KEYS, "component")
    for key in ("type", "flavor", "name"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise InvalidDataError(f"`{key}` is required (text).")
    ctype = ComponentType.parse(entry["type"])
    name = check_name(entry["name"], f"{ctype.display} name")
    config = entry.get("configuration") or {}
    if not isinstance(config, Mapping):
        raise InvalidDataError("`configuration` is a mapping of the flavor's fields.")
    config = _plain(config)
    rules.plugins.flavor(ctype, entry["flavor"])  # an unknown flavor, with the choices
    shape = Component(ctype, entry["flavor"], name, dict(config))
    secret = secret_keys(shape, rules.plugins)
    held = sorted(k for k in secret & set(config)
                  if config[k] not in (None, "") and not references.is_reference(config[k]))
    if held:
        raise InvalidDataError(
            f"the secret field '{held[0]}' holds a value: a stacks file holds references, "
            f"never values. Store it with `zenml secret create NAME --{held[0]}=...` and "
            f"write '{{{{NAME.{held[0]}}}}}' here.")
    normalised = rules.validated_config(ctype, entry["flavor"], dict(config))
    component = Component(ctype, entry["flavor"], name, normalised,
                          labels=_labels(entry.get("labels")))
    key = (ctype, name)
    if key in desired.components:
        raise InvalidDataError(f"{ctype.display} '{name}' is given twice (also at "
                               f"{desired.components[key].source}).")
    desired.components[key] = Entry(component, source)


def _stack(desired: Desired, source: str, entry: Any, rules: Rules) -> None:
    _keys(entry, STACK_KEYS, "stack")
    if not isinstance(entry.get("name"), str):
        raise InvalidDataError("`name` is required (text).")
    name = check_name(entry["name"], "stack name")
    members = entry.get("components")
    if not isinstance(members, Mapping) or not members:
        raise InvalidDataError("`components` maps component types to names "
                               "(orchestrator, metadata_store and artifact_store at least).")
    stack = Stack(name, {ComponentType.parse(str(t)): check_name(str(n), "component name")
                         for t, n in members.items()}, labels=_labels(entry.get("labels")))
    missing = stack.missing_required()
    if missing:
        raise InvalidDataError(f"stack '{name}' has no {missing[0].display}: a stack needs an "
                               "orchestrator, a metadata store and an artifact store.")
    if name in desired.stacks:
        raise InvalidDataError(f"stack '{name}' is given twice (also at "
                               f"{desired.stacks[name].source}).")
    desired.stacks[name] = Entry(stack, source)


def _labels(labels: Any) -> dict[str, str]:
    found = check_labels(_plain(labels) if isinstance(labels, Mapping) else labels)
    if OWNER_LABEL in found:
        raise InvalidDataError(f"the label '{OWNER_LABEL}' is apply's own (it names the set "
                               "that owns a record): leave it out of the files.")
    return found


def _plain(value: Any) -> Any:
    """YAML's mappings as plain dicts (what the stores and schemas are given)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def owned_labels(labels: Mapping[str, str], set_name: str) -> dict[str, str]:
    """``labels`` with the apply set's ownership label."""
    check_key(OWNER_LABEL)
    return {**labels, OWNER_LABEL: set_name}
