"""Migration of repositories written by ZenML before 0.7 (stacks kept in ``.zen``).

The first command run inside such a repository turns its ``.zen`` folder into
a local store (the component files already have the store's layout), records
a profile ``legacy-repository-<8 hex digits>`` for it, derived from the
repository's path so the same repository always gets the same name, and makes
it the repository's local active profile. The legacy config is kept beside the
new one as ``config.legacy.yaml``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError
from zen_core.fileio import locked, read_yaml, write_yaml
from zen_core.models import ComponentType
from zen_core.names import check_name

if TYPE_CHECKING:
    from zen_core.config import GlobalConfig
    from zen_core.services.access import Reporter

LEGACY_COPY = "config.legacy.yaml"


def is_legacy_config(data: Any) -> bool:
    return isinstance(data, dict) and "version" in data and "stacks" in data and (
        "stack_components" in data
    )


def legacy_profile_name(zen_dir: Path) -> str:
    digest = hashlib.sha256(str(zen_dir.resolve()).encode()).hexdigest()
    return f"legacy-repository-{digest[:8]}"


def _legacy_index(zen_dir: Path, data: dict) -> tuple[dict, str | None]:
    """Check the legacy config and every component file; return the store index."""
    source = zen_dir / "config.yaml"
    try:
        raw_components = data.get("stack_components") or {}
        components: dict[str, dict[str, str]] = {}
        for type_name, entries in raw_components.items():
            ctype = ComponentType.parse(type_name)
            components[ctype.value] = {}
            for name, flavor in (entries or {}).items():
                check_name(name, f"{ctype.display} name")
                path = zen_dir / ctype.plural / f"{name}.yaml"
                if not isinstance(read_yaml(path, default=None), dict):
                    raise InvalidDataError(f"{path} is missing or not a YAML mapping.")
                components[ctype.value][name] = str(flavor)
        stacks: dict[str, dict[str, str]] = {}
        for stack_name, members in (data.get("stacks") or {}).items():
            check_name(stack_name, "stack name")
            stacks[stack_name] = {}
            for type_name, component in (members or {}).items():
                if component is None:  # 0.6 wrote explicit nulls for unused types
                    continue
                ctype = ComponentType.parse(type_name)
                if component not in components.get(ctype.value, {}):
                    raise InvalidDataError(
                        f"Stack '{stack_name}' uses {ctype.display} '{component}', which is "
                        "not registered."
                    )
                stacks[stack_name][ctype.value] = component
    except InvalidDataError as err:
        raise InvalidDataError(
            f"Cannot migrate the legacy repository config {source}: {err.message}"
        ) from None
    except (AttributeError, TypeError):
        raise InvalidDataError(
            f"Cannot migrate the legacy repository config {source}: unexpected structure."
        ) from None
    active = data.get("active_stack_name")
    return {"stacks": stacks, "stack_components": components}, active if active in stacks else None


def migrate_if_legacy(config: GlobalConfig, zen_dir: Path, report: Reporter) -> bool:
    """Migrate the repository at ``zen_dir`` if its config is a legacy one (once, locked).

    Returns whether it was a legacy repository (migrated here or, meanwhile, by
    another process): then the global config has changed.
    """
    config_path = zen_dir / "config.yaml"
    if not is_legacy_config(read_yaml(config_path, default=None)):
        return False
    with locked(config_path):
        data = read_yaml(config_path, default=None)
        if not is_legacy_config(data):
            return True  # another process migrated it meanwhile
        index, active_stack = _legacy_index(zen_dir, data)
        name = legacy_profile_name(zen_dir)
        if not config.has_profile(name):
            report(_message(zen_dir, name))
            _create_profile(config, zen_dir, name, index, active_stack, report)
        shutil.copyfile(config_path, zen_dir / LEGACY_COPY)
        write_yaml(
            config_path,
            {"active_profile_name": name,
             "active_stack_name": active_stack or config.get_profile(name).active_stack},
            mode=0o644,
        )
    return True


def _create_profile(config: GlobalConfig, zen_dir: Path, name: str, index: dict,
                    active_stack: str | None, report: Reporter) -> None:
    """Seed ``.zen/stacks.yaml`` and record the profile; undo the seeding if that fails."""
    from zen_core.services import profiles

    index_path = zen_dir / "stacks.yaml"
    seeded = not index_path.exists()
    if seeded:
        write_yaml(index_path, index)
    try:
        _, store = profiles.create(config, name, store_type="local", url=f"file://{zen_dir}",
                                   report=report)
        store.close()
    except BaseException:
        if seeded:
            index_path.unlink(missing_ok=True)
        raise
    if active_stack:
        config.set_profile_stack(name, active_stack)


def _message(zen_dir: Path, name: str) -> str:
    return (
        f"A legacy ZenML repository with locally configured stacks was found at `{zen_dir}`.\n"
        "The stacks configured in this repository will be automatically migrated to a newly "
        f"created profile: `{name}`.\n\n"
        "If you no longer need to use the stacks configured in this repository, please delete "
        f"the profile using the following command:\n\n`zenml profile delete {name}`\n\n"
        "This warning will not be shown again."
    )
