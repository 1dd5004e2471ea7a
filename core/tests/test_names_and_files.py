"""Names that could escape a folder are refused; files are written atomically, privately."""

from __future__ import annotations

import os
import stat

import pytest
import yaml

from zen_core.exceptions import InvalidDataError
from zen_core.fileio import read_yaml, write_text_atomic, write_yaml
from zen_core.models import Component, Stack
from zen_core.names import check_name
from zen_core.testing.require import posix_only

#: The promised longest name (docs/decisions.md), written here: not imported from the code.
MAX_NAME_LENGTH = 100


@pytest.mark.parametrize(
    "name", ["", "../x", "a/b", "a\\b", "a\x00b", ".hidden", "-x", "x" * (MAX_NAME_LENGTH + 1),
             "a b", "ü"],
)
def test_unsafe_names_are_refused(name):
    with pytest.raises(InvalidDataError):
        check_name(name)
    with pytest.raises(InvalidDataError):
        Stack(name)
    with pytest.raises(InvalidDataError):
        Component("orchestrator", "local", name)


@pytest.mark.parametrize("name", ["default", "local_kubeflow_stack", "legacy-repository-dcc5765e",
                                  "v1.2", "x" * MAX_NAME_LENGTH])
def test_ordinary_names_are_accepted(name):
    assert check_name(name) == name


def test_a_nul_in_a_name_is_shown_escaped():
    with pytest.raises(InvalidDataError, match=r"a\\x00b"):
        check_name("a\x00b")


def test_writes_are_private_and_leave_no_temp_files(tmp_path):
    path = tmp_path / "sub" / "config.yaml"
    write_yaml(path, {"b": 1, "a": [1, 2]})
    assert read_yaml(path) == {"a": [1, 2], "b": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]


@posix_only("replacing an open file")
def test_a_write_replaces_the_file_whole_never_changes_it_in_place(tmp_path):
    """Deterministic, unlike a reader racing a writer: a reader that opened the file before
    the write still reads the old content whole, so the new content arrived by a rename,
    and no reader can ever see a half-written file."""
    path = tmp_path / "files" / "config.yaml"
    old = {"old": ["x" * 64] * 2000}
    write_yaml(path, old)
    with open(path, "rb") as reader:
        inode = os.fstat(reader.fileno()).st_ino
        write_yaml(path, {"new": 1})
        write_text_atomic(path, "new: 2\n")
        assert yaml.safe_load(reader.read()) == old
    assert read_yaml(path) == {"new": 2}
    assert path.stat().st_ino != inode
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]


def test_global_config_edits_replace_the_file(tmp_path):
    from zen_core.config import GlobalConfig

    config = GlobalConfig(tmp_path)
    with config.edit() as data:
        data["padding"] = ["x" * 64] * 2000
    with open(config.path, "rb") as reader:
        with config.edit() as data:
            data["padding"] = []
        assert len(yaml.safe_load(reader.read())["padding"]) == 2000


def test_a_broken_yaml_file_is_named_with_its_line(tmp_path):
    path = tmp_path / "stacks.yaml"
    path.write_text("stacks:\n  default: {orchestrator: default\n")
    with pytest.raises(InvalidDataError) as err:
        read_yaml(path)
    assert str(path) in str(err.value)
    assert "line 3" in str(err.value) or "line 2" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_missing_file_reads_as_the_default(tmp_path):
    assert read_yaml(tmp_path / "nope.yaml", default={}) == {}
