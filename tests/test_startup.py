"""Start-up stays light: `zenml stack list` on a local or SQLite profile, and listing or
describing components, import no heavy library, nor the write machinery (a read does not
need it)."""

from __future__ import annotations

from zen_core.testing.imports import zenml_imports

HEAVY = ("sqlalchemy", "psycopg", "flask", "requests", "pydantic", "zen_core.writes")
#: Loaded only for what the plain tables cannot draw exactly (zen_core.cli.table).
RICH = ("rich",)
#: Records a read of stacks makes none of: each class costs ~0.6 ms to make.
RECORDS = ("zen_core.hook_records", "zen_core.account_records", "zen_core.changes",
           "zen_core.secret_records", "zen_core.services.secrets")


def loaded_modules(*args: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    return zenml_imports(*args, watched=watched, timeout=60).loaded


def test_stack_list_on_a_local_profile_imports_no_heavy_library():
    loaded_modules("profile", "list")  # first run: creates the default profile
    assert loaded_modules("stack", "list") == []
    assert loaded_modules("profile", "list") == []


def test_stack_list_makes_no_record_class_it_does_not_read():
    loaded_modules("profile", "list")
    assert loaded_modules("stack", "list", watched=RECORDS) == []
    # The probe sees them where they are needed:
    assert set(loaded_modules("secret", "list", watched=RECORDS)) >= {
        "zen_core.secret_records", "zen_core.services.secrets"}
    assert "zen_core.account_records" in loaded_modules("user", "list", watched=RECORDS)


def test_listing_and_describing_components_load_no_flavor_schema():
    """Masking needs only the names of a flavor's secret fields (``Flavor.secrets``)."""
    loaded_modules("profile", "list")
    loaded_modules("metadata-store", "register", "db", "-t", "mysql", "--host=h",
                   "--port=3306", "--username=u", "--password=p", "--database=d")
    assert loaded_modules("orchestrator", "list") == []
    assert loaded_modules("metadata-store", "list") == []
    assert loaded_modules("metadata-store", "describe", "db") == []


def test_describing_draws_its_titled_table_without_rich():
    loaded_modules("profile", "list")
    assert loaded_modules("orchestrator", "describe", "default", watched=HEAVY + RICH) == []
    assert loaded_modules("stack", "describe", watched=HEAVY + RICH) == []
    assert loaded_modules("stack", "list", watched=HEAVY + RICH) == []


def test_the_probe_would_notice_a_heavy_import():
    # Registering a component validates its config with pydantic: the probe sees it.
    assert {"pydantic", "zen_core.writes"} <= set(
        loaded_modules("orchestrator", "register", "o", "-t", "local"))


def test_stack_list_on_a_sqlite_profile_imports_no_heavy_library():
    """SQLite's stack reads run on the stdlib's sqlite3 (zen_sql_store.sqlite_reads)."""
    loaded_modules("profile", "create", "db", "--store-type", "sql")
    assert loaded_modules("--profile", "db", "stack", "list") == []
    assert loaded_modules("--profile", "db", "stack", "describe", "default") == []
