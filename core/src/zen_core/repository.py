"""Repositories: a ``.zen`` folder that pins a local active profile and stack.

Found by walking up from the working directory, or exactly at
``$ZENML_REPOSITORY_PATH`` (no parent search there).
"""

from __future__ import annotations

import os
from pathlib import Path

from zen_core import env
from zen_core.exceptions import InvalidDataError
from zen_core.fileio import (
    dump_yaml_as_json,
    locked,
    read_yaml,
    remove_stale_temp_files,
    write_text_atomic,
)
from zen_core.names import check_name

ENV_REPOSITORY_PATH = env.REPOSITORY_PATH
REPOSITORY_DIR = ".zen"
#: What ``.zen/.gitignore`` says: the lock files zen leaves beside ``config.yaml`` (a
#: lock file is never removed: another process may be waiting on it) are not committed.
GITIGNORE = "# zen's lock files: not to commit\n*.lock\n"


def find_repository_root(start: Path | None = None) -> Path | None:
    """The folder holding ``.zen``: at ``$ZENML_REPOSITORY_PATH``, else the nearest parent."""
    explicit = os.environ.get(ENV_REPOSITORY_PATH)
    if explicit:
        root = Path(explicit).expanduser().resolve()
        return root if (root / REPOSITORY_DIR).is_dir() else None
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / REPOSITORY_DIR).is_dir():
            return folder
    return None


class Repository:
    """The repository at ``root`` and its ``.zen/config.yaml``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.zen_dir = root / REPOSITORY_DIR
        self.config_path = self.zen_dir / "config.yaml"
        self._data = self._read()

    def _read(self) -> dict:
        data = read_yaml(self.config_path, default={})
        if not isinstance(data, dict):
            raise InvalidDataError(f"{self.config_path} is not a YAML mapping. Fix that file.")
        if "stacks" in data and "stack_components" in data:
            return data  # a pre-0.7 config: the legacy migration reads it
        for key, what in (("active_profile_name", "profile name"),
                          ("active_stack_name", "stack name")):
            value = data.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise InvalidDataError(
                    f"'{key}' in {self.config_path} must be a {what}, not {value!r}. "
                    "Fix that file, or run `zenml profile set` / `zenml stack set` there."
                )
            try:
                check_name(value, what)
            except InvalidDataError as err:
                raise InvalidDataError(
                    f"'{key}' in {self.config_path}: {err.message} Fix that file."
                ) from None
        return data

    @property
    def active_profile_name(self) -> str | None:
        return self._data.get("active_profile_name")

    @property
    def active_profile_id(self) -> str | None:
        """The identity of the profile chosen (``Profile.identity``), if recorded: the
        repository follows that profile through renames. ZenML 0.7 ignores the key."""
        value = self._data.get("active_profile_id")
        return value if isinstance(value, str) and value else None

    @property
    def active_stack_name(self) -> str | None:
        return self._data.get("active_stack_name")

    def set_active(self, profile: str | None = None, stack: str | None = None,
                   *, clear_stack: bool = False, profile_id: str | None = None) -> None:
        """Update the local active profile (its name and identity) and/or stack (locked,
        atomic; other keys kept)."""
        ignore_lock_files(self.zen_dir)
        with locked(self.config_path):
            remove_stale_temp_files(self.zen_dir, self.config_path.name)
            data = self._read()
            if profile is not None:
                data["active_profile_name"] = profile
                if profile_id:
                    data["active_profile_id"] = profile_id
                else:
                    data.pop("active_profile_id", None)
            if stack is not None or clear_stack:
                data["active_stack_name"] = stack
            write_text_atomic(self.config_path, dump_yaml_as_json(data), mode=0o644)
            self._data = data

    @classmethod
    def initialize(cls, root: Path, profile: str, stack: str | None,
                   profile_id: str | None = None) -> Repository:
        zen_dir = root / REPOSITORY_DIR
        if zen_dir.exists():
            raise InvalidDataError(f"Found existing ZenML repository at path '{root}'.")
        zen_dir.mkdir(parents=True)  # exclusive: a second init at once fails here
        # NOTE: no lock: nobody else writes into a folder this process just made.
        ignore_lock_files(zen_dir)
        data = {"active_profile_name": profile, "active_stack_name": stack}
        if profile_id:
            data["active_profile_id"] = profile_id
        write_text_atomic(zen_dir / "config.yaml", dump_yaml_as_json(data), mode=0o644)
        return cls(root)


def ignore_lock_files(zen_dir: Path) -> None:
    """Write ``.zen/.gitignore`` (:data:`GITIGNORE`) unless the folder has one: a folder
    made before zen wrote it gets it on its next change. One a person edited is kept."""
    path = zen_dir / ".gitignore"
    if not path.exists():
        write_text_atomic(path, GITIGNORE, mode=0o644)
