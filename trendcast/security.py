"""Postgres roles, tenants and the row scopes that row-level security reads (docs/SECURITY.md).

The roles, grants and row policies themselves are dbt's job (macros/security/roles_and_grants.sql), so
every rebuild puts them back; this module holds what a person does by hand: set them up on a
server before the first build, add or change a tenant (a login role with row scopes), and show
who sees what. Role names are validated identifiers and scope values are bound parameters, so
nothing a caller passes is spliced into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from trendcast.warehouse import Warehouse, WarehouseError, ident

SERVICE_ROLE = "trendcast_service"
READER_ROLE = "trendcast_reader"
SCOPE_KINDS = ("region", "platform", "instance")
ALL = "*"


@dataclass(frozen=True)
class Scope:
    kind: str  # region, platform, instance or * (any kind)
    value: str  # the value, or * for every value

    def __post_init__(self) -> None:
        if self.kind not in (*SCOPE_KINDS, ALL):
            raise WarehouseError(
                f"unknown scope kind {self.kind!r}: use one of {', '.join(SCOPE_KINDS)} or *"
            )
        if not self.value or len(self.value) > 200:
            raise WarehouseError("a scope value must be 1 to 200 characters (or * for all)")


def require_postgres(wh: Warehouse) -> None:
    """Roles and row-level security exist on Postgres only; on DuckDB say where readers go
    instead rather than silently doing nothing."""
    if wh.target != "postgres":
        raise WarehouseError(
            "roles and row-level security exist on Postgres only: on DuckDB readers open a "
            "published copy of the file (docs/SECURITY.md)"
        )


def role_exists(wh: Warehouse, role: str) -> bool:
    return bool(wh.scalar("select count(*) from pg_roles where rolname = ?", [role]))


def add_tenant(wh: Warehouse, role: str, scopes: list[Scope]) -> None:
    """Create (or keep) a login role in `trendcast_reader` and replace its row scopes.

    The role gets no password here: a credential never passes through trendcast's arguments,
    logs or tables; the administrator sets it with `alter role ... password` (or uses the
    server's own authentication).
    """
    require_postgres(wh)
    role = ident(role)
    if role in (SERVICE_ROLE, READER_ROLE):
        raise WarehouseError(f"{role} is a group role; a tenant is its own login role")
    if not scopes:
        raise WarehouseError("a tenant needs at least one scope (--region, --platform, --instance)")
    if not role_exists(wh, READER_ROLE):
        raise WarehouseError(f"{READER_ROLE} does not exist: run `trendcast db roles` first")
    with wh.transaction():
        if not role_exists(wh, role):
            wh.execute(f"create role {role} login")
        wh.execute(f"grant {READER_ROLE} to {role}")
        wh.execute("delete from security.reader_scopes where role_name = ?", [role])
        for scope in sorted(set(scopes), key=lambda s: (s.kind, s.value)):
            wh.execute(
                "insert into security.reader_scopes (role_name, scope_kind, scope_value) "
                "values (?, ?, ?)",
                [role, scope.kind, scope.value],
            )


def remove_tenant(wh: Warehouse, role: str) -> None:
    """Drop a tenant's scopes (it then sees no scoped row) and its membership of the reader role."""
    require_postgres(wh)
    role = ident(role)
    with wh.transaction():
        wh.execute("delete from security.reader_scopes where role_name = ?", [role])
        if role_exists(wh, role):
            wh.execute(f"revoke {READER_ROLE} from {role}")


def scopes_by_role(wh: Warehouse) -> dict[str, list[Scope]]:
    require_postgres(wh)
    if not wh.table_exists("security", "reader_scopes"):
        return {}
    out: dict[str, list[Scope]] = {}
    for role, kind, value in wh.query(
        "select role_name, scope_kind, scope_value from security.reader_scopes order by 1, 2, 3"
    ):
        out.setdefault(role, []).append(Scope(kind, value))
    return out


def scoped_marts(wh: Warehouse) -> list[tuple[str, str]]:
    """The (schema, table) pairs that have row-level security on, as the server reports them."""
    require_postgres(wh)
    return [
        (r[0], r[1])
        for r in wh.query(
            "select n.nspname, c.relname from pg_class as c "
            "join pg_namespace as n on n.oid = c.relnamespace "
            "where c.relrowsecurity and c.relkind in ('r', 'p') and n.nspname <> 'security' "
            "order by 1, 2"
        )
    ]
