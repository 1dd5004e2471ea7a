"""Several zenml processes at once lose nothing: first runs, profiles, stacks."""

from __future__ import annotations

import json
import shutil

from zen_core.testing.plugin import run_at_once


def run_together(*commands: str) -> list[tuple[int, str, str]]:
    """The commands in processes released at one moment (see ``run_at_once``)."""
    return [(r.exit_code, r.stdout, r.stderr) for r in run_at_once(list(commands))]


#: Rounds of a race that an unlocked step loses nearly every time: together with the
#: release at one moment, a missing lock cannot pass by luck.
ROUNDS = 3


def test_first_runs_at_once_create_one_default_profile(zen_process, zen_home):
    for round in range(ROUNDS):
        shutil.rmtree(zen_home, ignore_errors=True)
        results = run_together(*["stack list"] * 4)
        assert [code for code, _, _ in results] == [0] * 4, results
        assert sum("Creating default profile..." in err for _, _, err in results) == 1, round
        profiles = json.loads(zen_process("profile list --output json").stdout)
        assert [(p["name"], p["active"]) for p in profiles] == [("default", True)]
        stacks = json.loads(zen_process("stack list --output json").stdout)
        assert [s["name"] for s in stacks] == ["default"], round


def test_profiles_created_at_once_are_all_kept(zen_process):
    assert zen_process("profile list").exit_code == 0
    results = run_together(*(f"profile create p{i}" for i in range(4)))
    assert [code for code, _, _ in results] == [0] * 4, results
    names = {p["name"] for p in json.loads(zen_process("profile list --output json").stdout)}
    assert names == {"default", "p0", "p1", "p2", "p3"}


def test_stacks_registered_at_once_are_all_kept(zen_process):
    assert zen_process("profile list").exit_code == 0
    results = run_together(
        *(f"stack register s{i} -o default -m default -a default" for i in range(4)),
        *(f"container-registry register r{i} -t default --uri=localhost:{5000 + i}"
          for i in range(4)),
    )
    assert [code for code, _, _ in results] == [0] * 8, results
    stacks = {s["name"] for s in json.loads(zen_process("stack list --output json").stdout)}
    assert stacks == {"default", "s0", "s1", "s2", "s3"}
    registries = json.loads(zen_process("container-registry list --output json").stdout)
    assert {r["name"] for r in registries} == {"r0", "r1", "r2", "r3"}


#: How many times the racing updates below are repeated: a lost update showed in most trials.
TRIALS = 5


def test_updates_of_different_keys_at_once_are_both_kept(zen_process):
    assert zen_process("profile list").exit_code == 0
    assert zen_process("orchestrator register kf -t kubeflow").exit_code == 0
    for trial in range(TRIALS):
        results = run_together(
            f"orchestrator update kf --kubernetes_context=ctx{trial}",
            f"orchestrator update kf --kubeflow_pipelines_ui_port={9000 + trial}",
            f"orchestrator update kf --custom_docker_base_image_name=img{trial}",
        )
        assert [code for code, _, _ in results] == [0] * 3, results
        config = json.loads(
            zen_process("orchestrator describe kf --output json").stdout)["config"]
        assert (config["kubernetes_context"], config["kubeflow_pipelines_ui_port"],
                config["custom_docker_base_image_name"]) == (
            f"ctx{trial}", 9000 + trial, f"img{trial}"), trial


def test_stack_updates_of_different_components_at_once_are_both_kept(zen_process):
    assert zen_process("profile list").exit_code == 0
    assert zen_process("container-registry register reg -t default "
                       "--uri=localhost:5000").exit_code == 0
    assert zen_process("secrets-manager register sec -t local").exit_code == 0
    for trial in range(TRIALS):
        results = run_together("stack update default -c reg", "stack update default -x sec")
        assert [code for code, _, _ in results] == [0, 0], results
        stack = json.loads(zen_process("stack describe default --output json").stdout)
        assert stack["components"]["container_registry"] == "reg", trial
        assert stack["components"]["secrets_manager"] == "sec", trial
        results = run_together("stack remove-component default -c",
                               "stack remove-component default -x")
        assert [code for code, _, _ in results] == [0, 0], results
        stack = json.loads(zen_process("stack describe default --output json").stdout)
        assert set(stack["components"]) == {"orchestrator", "metadata_store",
                                            "artifact_store"}, trial
