"""Registers the ``local`` store type. Imported on every command, so it stays light."""

from __future__ import annotations

from pathlib import Path

from zen_core import hookimpl
from zen_core.exceptions import InvalidDataError
from zen_core.records import StoreType


def path_from_url(url: str) -> Path:
    """The folder behind a ``file://`` URL or a plain path."""
    if url.startswith("file://"):
        url = url[len("file://") :]
    return Path(url)


def check_url(url: str) -> None:
    scheme, sep, _ = url.partition("://")
    if sep and scheme != "file":
        raise InvalidDataError(
            f"Invalid URL for store type 'local': {url}. Use a folder path or file:///path."
        )
    if not path_from_url(url).is_absolute():
        raise InvalidDataError(
            f"Invalid URL for store type 'local': {url}. The folder must be an absolute path."
        )


def default_url(profile_dir: Path) -> str:
    return f"file://{profile_dir}"


@hookimpl
def zen_store_types():
    yield StoreType(
        name="local",
        description="YAML files in a folder on this machine (the default).",
        store_class="zen_local_store.store:LocalStore",
        default_url=default_url,
        check_url=check_url,
    )
