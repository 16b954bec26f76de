"""`trendcast db roles | tenant | untenant`: Postgres roles, tenants and their row scopes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
db_app = typer.Typer(help="Postgres roles and row-level security (docs/SECURITY.md).")


@db_app.command("roles")
def roles_command() -> None:
    """Create trendcast_service and trendcast_reader, the scope table and every grant (idempotent)."""
    from flows.dbt import run_dbt
    from trendcast.security import SERVICE_ROLE, scoped_marts, scopes_by_role
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    cfg = Settings.from_env()
    if cfg.target != "postgres":
        console.print(
            "DuckDB has no roles: readers open a published copy of the file (docs/SECURITY.md)."
        )
        return
    run_dbt(["run-operation", "apply_security"], cfg)
    with connect(cfg) as wh:
        scopes = scopes_by_role(wh)
        marts = scoped_marts(wh)
    table = Table(title=f"Roles ({cfg.describe()})")
    for col in ("role", "sees"):
        table.add_column(col)
    table.add_row(SERVICE_ROLE, "every schema, every row (writes)")
    table.add_row("trendcast_reader", "mart schemas only; scoped marts: the rows its scopes name")
    for role, items in scopes.items():
        table.add_row(role, ", ".join(f"{s.kind}={s.value}" for s in items))
    console.print(table)
    console.print(
        f"{len(marts)} scoped marts with row-level security"
        + (" (build the models to add them)" if not marts else "")
    )


@db_app.command("tenant")
def tenant_command(
    role: Annotated[str, typer.Argument(help="Login role of the tenant (lower-case identifier).")],
    region: Annotated[list[str] | None, typer.Option(help="Region code it may see.")] = None,
    platform: Annotated[list[str] | None, typer.Option(help="Platform it may see.")] = None,
    instance: Annotated[
        list[str] | None, typer.Option(help="Mastodon instance it may see.")
    ] = None,
    all_rows: Annotated[
        bool, typer.Option("--all", help="Every row of every scoped mart (a full BI reader).")
    ] = False,
) -> None:
    """Add or change a tenant: a login role in trendcast_reader limited to its scopes."""
    from trendcast.security import ALL, Scope, add_tenant
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    scopes = [Scope(ALL, ALL)] if all_rows else []
    for kind, values in (("region", region), ("platform", platform), ("instance", instance)):
        scopes += [Scope(kind, v) for v in values or []]
    with connect(Settings.from_env()) as wh:
        add_tenant(wh, role, scopes)
    console.print(f"{role}: " + ", ".join(f"{s.kind}={s.value}" for s in scopes))


@db_app.command("untenant")
def untenant_command(role: Annotated[str, typer.Argument(help="Tenant login role.")]) -> None:
    """Remove a tenant's scopes and reader membership (the login role itself is kept)."""
    from trendcast.security import remove_tenant
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    with connect(Settings.from_env()) as wh:
        remove_tenant(wh, role)
    console.print(f"{role}: no scopes, not a reader")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
