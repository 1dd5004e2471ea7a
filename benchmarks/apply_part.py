"""Stacks as code (issue 19, rows j and k): `zenml diff` and `zenml apply` of a file of
1,000 components and 200 stacks, against a store that holds them (no-op) and one that
holds none, on local, SQLite and PostgreSQL profiles.

The no-op commands run interleaved with `zenml stack list` of the same profile (the
issue: a no-op apply should cost about what one `stack list` does), and each figure is
the median of the paired per-round ratios (CPU beside it). The applies from empty run on a
new profile each (a new PostgreSQL database each), made before and deleted after, untimed.
The full profiles are filled in-process with the domain's own plan and apply, with
``os.fsync`` off while filling only (see stores.py).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import stores
from evaluate import Figure
from timing import Step, interleave, run_command

from zen_core.client import Client

#: The file's size: components of each of three types (1,000 in all), and stacks.
FULL = (334, 333, 333, 200)
SMOKE = (4, 3, 3, 2)


def stacks_file(path: Path, sizes: tuple[int, int, int, int]) -> Path:
    orchestrators, metadata, artifacts, stacks = sizes
    lines = ["set: bench", "components:"]
    lines += [f"  - {{type: orchestrator, flavor: local, name: o{i}, labels: {{i: '{i}'}}}}"
              for i in range(orchestrators)]
    lines += [f"  - {{type: metadata_store, flavor: sqlite, name: m{i}, "
              f"configuration: {{uri: /data/m{i}.db}}}}" for i in range(metadata)]
    lines += [f"  - {{type: artifact_store, flavor: local, name: a{i}, "
              f"configuration: {{path: /data/a{i}}}}}" for i in range(artifacts)]
    lines.append("stacks:")
    lines += [f"  - {{name: s{i}, components: {{orchestrator: o{i}, metadata_store: m{i}, "
              f"artifact_store: a{i}}}, labels: {{env: bench}}}}" for i in range(stacks)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _fill(config: stores.Config, profile: str, path: Path) -> None:
    """Apply ``path`` to ``profile`` in this process (the domain's plan and batch)."""
    from zen_core.services import plan, stackfile

    client = Client(config_directory=config.directory, cwd=config.cwd, profile=profile)
    access = client.access
    desired = stackfile.parse(stackfile.read_texts([str(path)]), access.rules)
    with stores.no_fsync():
        plan.apply(access, plan.make(access, desired, profile=profile))
    again = plan.make(access, stackfile.parse(stackfile.read_texts([str(path)]), access.rules),
                      profile=profile)
    if again.differs:
        raise RuntimeError(f"profile {profile} still differs from the file after applying it")


def part_apply(ctx) -> tuple[list[str], dict[str, Figure]]:
    from run import ZENML, cli_figure, cli_step, count, log, ms, series_lines

    sizes = SMOKE if ctx.args.smoke else FULL
    components, stacks = sum(sizes[:3]), sizes[3]
    config = stores.new(ctx.work / "apply")
    path = stacks_file(ctx.work / "stacks.yaml", sizes)
    kinds = {"local": None, "SQLite": "sql"}
    if ctx.postgres is not None:
        kinds["PostgreSQL"] = "postgres"
    tag = uuid.uuid4().hex[:6]
    made: dict[str, str] = {}  # profile -> PostgreSQL database to drop

    def create(profile: str, kind: str | None) -> None:
        client = Client(config_directory=config.directory, cwd=config.cwd)
        if kind == "postgres":
            database = f"zen_bench_apply_{tag}_{profile.replace('-', '_')}"
            made[profile] = database
            url = ctx.postgres.create(database)
            client.create_profile(profile, store_type="sql", url=url)
        else:
            client.create_profile(profile, store_type=kind)

    def remove(profile: str) -> None:
        Client(config_directory=config.directory, cwd=config.cwd).delete_profile(profile)
        if profile in made:
            ctx.postgres.drop(made.pop(profile))

    steps: dict[str, Step] = {}
    log(f"apply: filling {len(kinds)} profiles with {count(components)} components and "
        f"{count(stacks)} stacks (in-process, one batch each)")
    for label, kind in kinds.items():
        full = f"full-{label.lower()}"
        create(full, kind)
        _fill(config, full, path)
        steps[f"zenml stack list, {label}"] = cli_step(
            [ZENML, "stack", "list", "--profile", full], config)
        steps[f"zenml diff (no-op), {label}"] = cli_step(
            [ZENML, "diff", "-f", str(path), "--profile", full, "-q"], config)
        steps[f"zenml apply (no-op), {label}"] = cli_step(
            [ZENML, "apply", "-f", str(path), "--yes", "--profile", full, "-q"], config)
    # `zenml diff` of a no-op exits 0 (run_command checks that)
    runs = ctx.args.runs
    log(f"apply: {len(steps)} no-op commands x {runs} runs (+1 warm-up round), interleaved")
    noop = interleave(steps, runs)

    empty_steps: dict[str, Step] = {}
    for label, kind in kinds.items():
        def before(i: int, label: str = label, kind: str | None = kind) -> None:
            create(f"empty-{label.lower()}-{i + 2}", kind)

        def action(i: int, label: str = label) -> None:
            run_command([ZENML, "apply", "-f", str(path), "--yes", "-q", "--profile",
                         f"empty-{label.lower()}-{i + 2}"], config.env, config.cwd)

        def after(i: int, label: str = label) -> None:
            remove(f"empty-{label.lower()}-{i + 2}")

        empty_steps[f"zenml apply (from empty), {label}"] = Step(action, before=before,
                                                                 after=after)
    copy_runs = ctx.args.copy_runs
    log(f"apply: from empty, {len(empty_steps)} store types x {copy_runs} runs")
    empty = interleave(empty_steps, copy_runs)
    for profile in list(made):
        remove(profile)
    data = {"runs": runs, "noop": {k: v.to_dict() for k, v in noop.items()},
            "empty": {k: v.to_dict() for k, v in empty.items()},
            "components": components, "stacks": stacks}
    ctx.results["apply"] = data
    figures: dict[str, Figure] = {}
    for label, key in (("local", "local"), ("SQLite", "sqlite"), ("PostgreSQL", "postgres")):
        if label not in kinds:
            for prefix in ("j-apply", "j-diff", "k"):
                figures[f"{prefix}-{key}"] = Figure(skipped=ctx.postgres_note)
            continue
        listing = noop[f"zenml stack list, {label}"]
        for prefix, what in (("j-apply", "apply"), ("j-diff", "diff")):
            series = noop[f"zenml {what} (no-op), {label}"]
            figures[f"{prefix}-{key}"] = cli_figure(series, listing, "`stack list`")
        whole = empty[f"zenml apply (from empty), {label}"]
        figures[f"k-{key}"] = Figure(whole.median_s, whole.errors,
                                     f"median of {copy_runs} run(s): {ms(whole.median_s)}")
    lines = series_lines(f"Stacks as code, {count(components)} components + {count(stacks)} "
                         f"stacks: no-op commands, {runs} interleaved rounds after 1 warm-up "
                         "round", data["noop"])
    lines += ["", *series_lines(f"apply from empty (a new profile each run), {copy_runs} "
                                "rounds", data["empty"])]
    if ctx.postgres is None:
        lines.append(f"   PostgreSQL SKIPPED: {ctx.postgres_note}")
    return lines, figures

