"""Migration of repositories written by ZenML before 0.7 (stacks kept in ``.zen``).

The first command run inside such a repository turns its ``.zen`` folder into
a local store (the component files already have the store's layout), records
a profile ``legacy-repository-<8 hex digits>`` for it, derived from the
repository's path so the same repository always gets the same name, and makes
it the repository's local active profile. The legacy config is kept beside the
new one as ``config.legacy.yaml``.

- Names zen refuses (``my stack``, ``ünïcode``) are renamed to the nearest
  valid name, and each rename is reported; a renamed component's file is
  written under its new name (the original stays).
- A pristine legacy ``.zen`` that appears again where one was migrated before
  (a fresh checkout, a restored backup) is migrated again into the same
  profile, and the user is told so.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError
from zen_core.fileio import inside, locked, read_yaml, write_yaml
from zen_core.models import ComponentType
from zen_core.names import MAX_NAME_LENGTH, check_name
from zen_core.repository import ignore_lock_files

if TYPE_CHECKING:
    from zen_core.config import GlobalConfig
    from zen_core.services.access import Reporter
    from zen_core.services.progress import Progress

LEGACY_COPY = "config.legacy.yaml"
INDEX_FILE = "stacks.yaml"


def is_legacy_config(data: Any) -> bool:
    return isinstance(data, dict) and "version" in data and "stacks" in data and (
        "stack_components" in data
    )


def legacy_profile_name(zen_dir: Path) -> str:
    digest = hashlib.sha256(str(zen_dir.resolve()).encode()).hexdigest()
    return f"legacy-repository-{digest[:8]}"


def valid_name(name: str, taken: set[str]) -> str:
    """The nearest name zen accepts (accents dropped, other characters ``_``), not in
    ``taken``."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    candidate = re.sub(r"[^A-Za-z0-9_.-]+", "_", ascii_name)
    candidate = re.sub(r"^[^A-Za-z0-9]+", "", candidate)[:MAX_NAME_LENGTH] or "renamed"
    unique, n = candidate, 2
    while unique in taken:
        suffix = f"_{n}"
        unique = candidate[:MAX_NAME_LENGTH - len(suffix)] + suffix
        n += 1
    return unique


@dataclass
class _Plan:
    """The store index to seed, component files to write under new names, what was renamed."""

    index: dict[str, Any]
    active_stack: str | None
    #: (file to copy from, file to write, new name)
    renamed_files: list[tuple[Path, Path, str]] = field(default_factory=list)
    renames: list[str] = field(default_factory=list)


def _is_valid(name: Any, what: str) -> bool:
    try:
        check_name(name, what)
    except InvalidDataError:
        return False
    return True


def _legacy_index(zen_dir: Path, data: dict, progress: Progress) -> _Plan:
    """Check the legacy config and every component file; plan the store index."""
    source = zen_dir / "config.yaml"
    plan = _Plan({}, None)
    try:
        raw_components = data.get("stack_components") or {}
        total = sum(len(entries or {}) for entries in raw_components.values())
        components: dict[str, dict[str, str]] = {}
        new_names: dict[tuple[ComponentType, str], str] = {}
        with progress(f"Migrating the components in {zen_dir}", total) as advance:
            for type_name, entries in raw_components.items():
                ctype = ComponentType.parse(type_name)
                components[ctype.value] = {}
                folder = zen_dir / ctype.plural
                names = [str(n) for n in (entries or {})]
                for name, flavor in (entries or {}).items():
                    name = str(name)
                    path = folder / f"{name}.yaml"
                    if path.parent != folder:
                        raise InvalidDataError(
                            f"the {ctype.display} name '{name}' cannot be a file name."
                        )
                    inside(folder, path)
                    content = read_yaml(path, default=None)
                    if not isinstance(content, dict):
                        raise InvalidDataError(f"{path} is missing or not a YAML mapping.")
                    new = name
                    if not _is_valid(name, f"{ctype.display} name"):
                        new = valid_name(name, set(names) | set(components[ctype.value]))
                        plan.renamed_files.append((path, folder / f"{new}.yaml", new))
                        plan.renames.append(f"Renamed {ctype.display} '{name}' to '{new}'.")
                    new_names[(ctype, name)] = new
                    components[ctype.value][new] = str(flavor)
                    advance(1)
        stacks: dict[str, dict[str, str]] = {}
        raw_stacks = data.get("stacks") or {}
        stack_names: dict[str, str] = {}
        for stack_name in raw_stacks:
            stack_name = str(stack_name)
            new = stack_name
            if not _is_valid(stack_name, "stack name"):
                taken = {str(s) for s in raw_stacks} | set(stack_names.values())
                new = valid_name(stack_name, taken)
                plan.renames.append(f"Renamed stack '{stack_name}' to '{new}'.")
            stack_names[stack_name] = new
        for stack_name, members in raw_stacks.items():
            new_stack = stack_names[str(stack_name)]
            stacks[new_stack] = {}
            for type_name, component in (members or {}).items():
                if component is None:  # 0.6 wrote explicit nulls for unused types
                    continue
                ctype = ComponentType.parse(type_name)
                member = new_names.get((ctype, str(component)))
                if member is None:
                    raise InvalidDataError(
                        f"Stack '{stack_name}' uses {ctype.display} '{component}', which is "
                        "not registered."
                    )
                stacks[new_stack][ctype.value] = member
    except InvalidDataError as err:
        raise InvalidDataError(
            f"Cannot migrate the legacy repository config {source}: {err.message}"
        ) from None
    except (AttributeError, TypeError):
        raise InvalidDataError(
            f"Cannot migrate the legacy repository config {source}: unexpected structure."
        ) from None
    plan.index = {"stacks": stacks, "stack_components": components}
    active = data.get("active_stack_name")
    active = stack_names.get(str(active)) if active is not None else None
    plan.active_stack = active if active in stacks else None
    return plan


def migrate_if_legacy(config: GlobalConfig, zen_dir: Path, report: Reporter,
                      progress: Progress | None = None) -> bool:
    """Migrate the repository at ``zen_dir`` if its config is a legacy one (once, locked).

    Returns whether it was a legacy repository (migrated here or, meanwhile, by
    another process): then the global config has changed.
    """
    from zen_core.services.progress import no_progress

    config_path = zen_dir / "config.yaml"
    if not is_legacy_config(read_yaml(config_path, default=None)):
        return False
    with locked(config_path):
        data = read_yaml(config_path, default=None)
        if not is_legacy_config(data):
            return True  # another process migrated it meanwhile
        plan = _legacy_index(zen_dir, data, progress or no_progress)
        name = _profile_name(config, zen_dir)
        if not config.has_profile(name):
            report(_message(zen_dir, name, config.activated_profile))
            _report_renames(plan, report)
            _create_profile(config, zen_dir, name, plan, report)
        elif not (zen_dir / INDEX_FILE).exists():
            report(_again_message(zen_dir, name))
            _report_renames(plan, report)
            _seed(zen_dir, plan)
        else:
            report(f"The legacy ZenML repository config at `{config_path}` was migrated before, "
                   f"to profile `{name}`: using that profile again.")
        shutil.copyfile(config_path, zen_dir / LEGACY_COPY)
        write_yaml(
            config_path,
            {"active_profile_name": name,
             "active_stack_name": plan.active_stack or config.get_profile(name).active_stack},
            mode=0o644,
        )
        ignore_lock_files(zen_dir)  # migrated: its lock files are zen's from now on
    return True


def _profile_name(config: GlobalConfig, zen_dir: Path) -> str:
    """The repository's profile name; another suffix if a profile of that name is not this
    repository's (made by hand, or a hash collision)."""
    base = legacy_profile_name(zen_dir)
    name, n = base, 2
    url = f"file://{zen_dir}"
    while config.has_profile(name) and config.get_profile(name).store_url != url:
        name = f"{base}-{n}"
        n += 1
    return name


def _report_renames(plan: _Plan, report: Reporter) -> None:
    if plan.renames:
        report("zen names use letters, digits, '_', '-' and '.', starting with a letter or "
               "digit; these were renamed:")
        for line in plan.renames:
            report(f"  {line}")


def _seed(zen_dir: Path, plan: _Plan) -> list[Path]:
    """Write component files under their new names, then the index; return what was
    written (to undo). Nothing is left half written if a write fails."""
    written: list[Path] = []
    try:
        for source, target, new in plan.renamed_files:
            content = dict(read_yaml(source, default={}) or {})
            content["name"] = new
            write_yaml(target, content)
            written.append(target)
        write_yaml(zen_dir / INDEX_FILE, plan.index)
        written.append(zen_dir / INDEX_FILE)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _create_profile(config: GlobalConfig, zen_dir: Path, name: str, plan: _Plan,
                    report: Reporter) -> None:
    """Seed ``.zen/stacks.yaml`` and record the profile; undo the seeding if that fails."""
    from zen_core.services import profiles

    seeded = [] if (zen_dir / INDEX_FILE).exists() else _seed(zen_dir, plan)
    try:
        _, store = profiles.create(config, name, store_type="local", url=f"file://{zen_dir}",
                                   report=report)
        store.close()
    except BaseException:
        for path in seeded:
            path.unlink(missing_ok=True)
        raise
    if plan.active_stack:
        config.set_profile_stack(name, plan.active_stack)


def _delete_hint(name: str, global_profile: str | None) -> str:
    # Inside the repository the new profile is active, and an active profile cannot be
    # deleted: the hint first gives the repository the global profile back.
    if global_profile and global_profile != name:
        return f"`zenml profile set {global_profile} && zenml profile delete {name}`"
    return f"`zenml profile delete {name}` (from outside this repository)"


def _message(zen_dir: Path, name: str, global_profile: str | None) -> str:
    return (
        f"A legacy ZenML repository with locally configured stacks was found at `{zen_dir}`.\n"
        "The stacks configured in this repository will be automatically migrated to a newly "
        f"created profile: `{name}`.\n\n"
        "If you no longer need to use the stacks configured in this repository, please delete "
        "the profile using the following command:\n\n"
        f"{_delete_hint(name, global_profile)}\n\n"
        "This warning will not be shown again."
    )


def _again_message(zen_dir: Path, name: str) -> str:
    return (
        f"A legacy ZenML repository with locally configured stacks was found at `{zen_dir}`, "
        f"where one was migrated before to the profile `{name}` (a fresh checkout or a "
        "restored backup?). Its stacks are migrated into that profile again."
    )
