"""Smoke tests of the built distributions, run by ``nox -s wheels`` (not by pytest).

Usage::

    python tests/wheel_smoke.py check-dist DIST            # the sdists and wheels themselves
    python tests/wheel_smoke.py check-wheelhouse WHEELHOUSE
    python tests/wheel_smoke.py run core|core-sql|all      # inside a venv with the wheels
    python tests/wheel_smoke.py refuse-unrelated WHEELHOUSE VENV

``run`` uses only the installed ``zenml`` and the standard library, in a fresh
config folder and working folder: the user guide's local transcript, a SQLite
profile, ``service up``/``down`` with a rest profile, ``zenml plugins``.
``refuse-unrelated`` puts a stand-in for the unrelated ``zen-core`` 0.2.7 of the
public index beside the wheels and checks that pip refuses it for zen-sql-store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

#: distribution -> import package
PACKAGES = {
    "zen-core": "zen_core",
    "zen-local-store": "zen_local_store",
    "zen-sql-store": "zen_sql_store",
    "zen-rest-store": "zen_rest_store",
    "zen-service": "zen_service",
}
NAME = re.compile(r"[A-Za-z0-9._-]+")


def fail(message: str) -> None:
    sys.exit(f"wheel smoke: FAILED: {message}")


def check(condition: object, message: str) -> None:
    if not condition:
        fail(message)


# --- the distributions ------------------------------------------------------------------
def _metadata(text: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        if ": " in line and not line.startswith(" "):
            key, value = line.split(": ", 1)
            fields.setdefault(key, []).append(value)
    return fields


def check_dist(dist: Path) -> None:
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    check(len(wheels) == len(PACKAGES) == len(sdists), f"expected 5 wheels and 5 sdists in {dist}")
    versions = set()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            info = next(n for n in names if n.endswith(".dist-info/METADATA"))
            meta = _metadata(archive.read(info).decode())
        name = meta["Name"][0]
        package = PACKAGES[name]
        versions.add(meta["Version"][0])
        check(wheel.name.endswith("-py3-none-any.whl"), f"{wheel.name}: not a pure py3 wheel")
        check(meta.get("License-Expression") == ["Apache-2.0"], f"{name}: licence expression")
        check(any(n.endswith(".dist-info/licenses/LICENSE") for n in names),
              f"{name}: no LICENSE in the wheel")
        check(f"{package}/py.typed" in names, f"{name}: no py.typed")
        check(not any(n.startswith(("tests/", "src/")) for n in names), f"{name}: stray files")
        for requirement in meta.get("Requires-Dist", []):
            sibling = NAME.match(requirement)
            if sibling and sibling.group(0) in PACKAGES:
                check(">=1.0" in requirement and "<2" in requirement,
                      f"{name}: requirement {requirement!r} is not bounded to >=1,<2")
        print(f"ok  {wheel.name}: licence, py.typed, metadata, sibling bounds")
    check(len(versions) == 1, f"the wheels have several versions: {sorted(versions)}")
    for sdist in sdists:
        with tarfile.open(sdist) as archive:
            names = archive.getnames()
        top = names[0].split("/")[0]
        for needed in ("LICENSE", "PKG-INFO", "README.md", "pyproject.toml"):
            check(f"{top}/{needed}" in names, f"{sdist.name}: no {needed}")
        print(f"ok  {sdist.name}: LICENSE, PKG-INFO, README.md")


def check_wheelhouse(wheelhouse: Path) -> None:
    cores = sorted(p.name for p in wheelhouse.glob("zen_core-*.whl"))
    check(len(cores) == 1 and not cores[0].startswith("zen_core-0."),
          f"the wheelhouse holds {cores}: pip picked another zen-core than ours")
    print(f"ok  wheelhouse: {cores[0]} (ours) and {len(list(wheelhouse.iterdir()))} wheels")


# --- in a venv with the wheels installed ------------------------------------------------------
class Zenml:
    """Runs the venv's ``zenml`` in a fresh config folder and working folder."""

    def __init__(self, root: Path) -> None:
        self.config = root / "config"
        self.work = root / "work"
        self.work.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ZENML_")}
        self.env.update(ZENML_CONFIG_PATH=str(self.config), NO_COLOR="1", COLUMNS="200")
        self.exe = str(Path(sys.executable).parent / ("zenml.exe" if os.name == "nt" else "zenml"))

    def __call__(self, *args: str, code: int = 0, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([self.exe, *args], capture_output=True, text=True, timeout=120,
                              cwd=cwd or self.work, env={**self.env, **(env or {})})
        check(done.returncode == code,
              f"`zenml {' '.join(args)}` exited {done.returncode}, not {code}:\n"
              f"{done.stderr}{done.stdout}")
        return done


def expect_lines(text: str, *wanted: str) -> None:
    lines = [line.strip() for line in text.splitlines()]
    for line in wanted:
        check(line in lines, f"missing line {line!r} in:\n{text}")


def active_row(table: str) -> str:
    rows = [line for line in table.splitlines() if "👉" in line]
    check(len(rows) == 1, f"not one active row in:\n{table}")
    return rows[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(name: str) -> None:
    import zen_core

    installed = {dist: _installed_version(dist) for dist in PACKAGES}
    expected = {"core": {"zen-core", "zen-local-store"},
                "core-sql": {"zen-core", "zen-local-store", "zen-sql-store"},
                "all": set(PACKAGES)}[name]
    check({d for d, v in installed.items() if v} == expected, f"installed: {installed}")
    check(Path(zen_core.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()),
          f"zen_core comes from {zen_core.__file__}, not from the venv: an editable install?")
    with tempfile.TemporaryDirectory() as folder:
        zenml = Zenml(Path(folder))
        check(zenml("--version").stdout.strip() == f"zen, version {zen_core.__version__}",
              "zenml --version")
        local_transcript(zenml)
        plugins(zenml, expected)
        if "zen-sql-store" in expected:
            sqlite_profile(zenml, Path(folder))
        else:
            refused = zenml("profile", "create", "--store-type", "sql", "nosql", code=1)
            check("--find-links WHEELHOUSE zen-sql-store" in refused.stderr, refused.stderr)
            print("ok  without zen-sql-store, a sql profile names the package to install")
        if name == "all":
            service_and_rest_profile(zenml)
    print(f"wheel smoke: {name}: passed")


def _installed_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def local_transcript(zenml: Zenml) -> None:
    """The user guide's local transcript, from the first run to a repository."""
    first = zenml("profile", "list")
    expect_lines(first.stderr, "Creating default profile...", "Initializing profile `default`...",
                 "Registered stack with name 'default'.", "Created and activated default profile.",
                 "Running with active profile: 'default' (global)")
    check("default" in active_row(first.stdout), first.stdout)
    expect_lines(zenml("profile", "create", "zenml").stderr,
                 "Profile 'zenml' successfully created.")
    zenml("profile", "set", "zenml")
    zenml("stack", "register", "local", "-m", "default", "-a", "default", "-o", "default")
    zenml("stack", "set", "local")
    listed = zenml("stack", "list")
    expect_lines(listed.stderr, "Running with active profile: 'zenml' (global)")
    check(" local " in active_row(listed.stdout), listed.stdout)
    repository = zenml.work / "repo"
    repository.mkdir()
    zenml("init", cwd=repository)
    inside = zenml("stack", "list", cwd=repository)
    expect_lines(inside.stderr, "Running with active profile: 'zenml' (local)")
    print("ok  the user guide's local transcript")


def plugins(zenml: Zenml, expected: set[str]) -> None:
    found = json.loads(zenml("plugins", "--output", "json").stdout)
    by_distribution = {p["distribution"]: p for p in found}
    for dist in expected - {"zen-core"}:
        check(dist in by_distribution, f"{dist} missing from `zenml plugins`: {found}")
    for plugin in found:
        check(plugin["error"] is None, f"plugin {plugin['name']} failed: {plugin['error']}")
        check(not plugin.get("problems"), f"plugin {plugin['name']}: {plugin.get('problems')}")
        check(plugin["distribution"] in expected, f"unexpected plugin {plugin}")
        check(plugin["version"] == _installed_version(plugin["distribution"]), plugin)
    print(f"ok  zenml plugins: {sorted(by_distribution)}")


def sqlite_profile(zenml: Zenml, root: Path) -> None:
    database = root / "db" / "zenml.db"
    created = zenml("profile", "create", "--store-type", "sql", "--url",
                    f"sqlite:///{database}", "sqlite_profile")
    expect_lines(created.stderr, "Profile 'sqlite_profile' successfully created.")
    zenml("profile", "set", "sqlite_profile")
    zenml("artifact-store", "register", "bucket", "-t", "local", "--path=/tmp/zen-artifacts")
    zenml("stack", "register", "db_stack", "-o", "default", "-m", "default", "-a", "bucket")
    zenml("stack", "set", "db_stack")
    listed = zenml("stack", "list")
    check(" db_stack " in active_row(listed.stdout), listed.stdout)
    check(database.is_file() and database.stat().st_mode & 0o077 == 0, "the SQLite file")
    zenml("profile", "set", "zenml")
    print("ok  a SQLite profile")


def service_and_rest_profile(zenml: Zenml) -> None:
    port = free_port()
    up = zenml("service", "up", "--port", str(port))
    expect_lines(up.stderr, "Provisioning resources for service 'zen_service'.",
                 f"Zenml Service running at 'http://localhost:{port}/'.")
    try:
        zenml("service", "status")
        created = zenml("profile", "create", "remote", "--type=rest",
                        f"--url=http://localhost:{port}")
        expect_lines(created.stderr, "Profile 'remote' successfully created.")
        zenml("profile", "set", "remote")
        zenml("container-registry", "register", "reg", "-t", "default", "--uri=localhost:5000")
        listed = json.loads(zenml("container-registry", "list", "--output", "json").stdout)
        check([c["name"] for c in listed] == ["reg"], listed)
        # the served profile (the active one when the service went up) has it too
        served = zenml("container-registry", "list", "--output", "json",
                       env={"ZENML_ACTIVATED_PROFILE": "zenml"})
        check([c["name"] for c in json.loads(served.stdout)] == ["reg"], served.stdout)
        zenml("profile", "set", "zenml")
    finally:
        zenml("service", "down")
    stopped = zenml("service", "status", code=3)  # 3: not running (docs/cli.md's exit codes)
    check("is not running" in stopped.stdout + stopped.stderr, "service status after down")
    print("ok  service up/down, with a rest profile")


# --- pip refuses the unrelated zen-core ---------------------------------------------------
def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _fake_wheel(folder: Path, name: str, version: str) -> Path:
    """A minimal wheel standing for the unrelated project of the public index."""
    tag = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{name.replace('-', '_')}/__init__.py": b"# not zen\n",
        f"{tag}.dist-info/METADATA":
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{tag}.dist-info/WHEEL":
            b"Wheel-Version: 1.0\nGenerator: smoke\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()
    ]
    record.append(f"{tag}.dist-info/RECORD,,")
    files[f"{tag}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"{tag}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def refuse_unrelated(wheelhouse: Path, venv: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        others = Path(folder)
        for wheel in wheelhouse.glob("*.whl"):
            if not wheel.name.startswith(("zen_core-", "zen_local_store-")):
                (others / wheel.name).write_bytes(wheel.read_bytes())
        _fake_wheel(others, "zen-core", "0.2.7")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
        done = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--find-links",
                               str(others), "zen-sql-store"], capture_output=True, text=True)
    check(done.returncode != 0, f"pip installed zen-sql-store over the unrelated zen-core:\n"
                                f"{done.stdout}")
    check("No matching distribution found for zen-core" in done.stderr
          and "0.2.7" in done.stderr, f"not pip's own message:\n{done.stderr}")
    print("ok  pip refuses the unrelated zen-core:",
          next(line for line in done.stderr.splitlines() if "from versions" in line))


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "check-dist":
        check_dist(Path(args[0]))
    elif command == "check-wheelhouse":
        check_wheelhouse(Path(args[0]))
    elif command == "run":
        run(args[0])
    elif command == "refuse-unrelated":
        refuse_unrelated(Path(args[0]), Path(args[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
