"""Privacy of what readers see (docs/SECURITY.md, docs/STAR_SCHEMA.md privacy): names and free
text stay out of the marts readers can read (the Postgres reader role, the published DuckDB
copy), and the user-level and consent marts follow the simulator's planted consent."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.python.test_platform_analytics import CONFIG, _truth
from trendcast.erasure import search
from trendcast.publish import publish
from trendcast.settings import Settings
from trendcast.simulator import simulate
from trendcast.warehouse import connect

# The columns that left the reader's marts for schema `private`: no reader may select a column
# of these names anywhere.
PRIVATE_COLUMNS = {"bio", "creator_handle", "post_text"}
READER = "trendcast_reader"
K = 10  # var privacy_min_group_size (dbt_project.yml)


@pytest.fixture(params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest) -> Settings:
    """The session's built sample warehouse, on both targets (read only)."""
    return request.getfixturevalue(f"built_{request.param}")


# Reader-visible schemas that carry text by design (docs/SECURITY.md): the domain marts (the
# comments domains are harvested from) and, in the published DuckDB copy, the Mastodon marts.
TEXT_BY_DESIGN = {"domains", "mastodon"}
# Keyword lists the uploader publishes (YouTube tags, hashtags) stay readable; a tag may repeat
# the video's title word for word.
KEYWORD_COLUMNS = {"tags", "hashtags"}


def _text_hits(wh, texts: list[str], schemas: set[str]) -> list[tuple[str, str, str]]:
    return [h for h in search(wh, texts, sorted(schemas)) if h[1] not in KEYWORD_COLUMNS]


def _private_texts(wh) -> list[str]:
    """Bios, YouTube channel titles and video titles the private marts hold, long enough not to
    be common words."""
    rows = wh.query(
        "select bio from private.creator_profiles union all "
        "select creator_handle from private.creator_profiles where platform = 'youtube' "
        "union all select title from private.youtube_chart_titles"
    )
    texts = sorted({r[0] for r in rows if r[0] and len(r[0]) >= 12})
    assert texts, "the sample holds bios and titles"
    # every table is scanned once per needle set: an even sample of at most 40 keeps it short
    return texts[:: max(1, len(texts) // 40)][:40]


def test_published_copy_holds_no_names_or_free_text(built_duckdb: Settings, tmp_path: Path):
    target = tmp_path / "published.duckdb"
    publish(built_duckdb, target)
    with connect(built_duckdb) as wh:
        texts = _private_texts(wh)
        working = {t for t, _, _ in search(wh, texts, ["private"])}
    assert working  # the needles are real: the working file holds them
    reader = replace(built_duckdb, duckdb_path=target)
    with connect(reader, read_only=True) as wh:
        columns = wh.query(
            "select table_schema, table_name, column_name from information_schema.columns"
        )
        schemas = {s for s, _, _ in columns}
        assert {"trends", "core", "analytics"} <= schemas
        assert not schemas & {"private", "security", "raw", "staging", "intermediate"}
        assert [c for c in columns if c[2] in PRIVATE_COLUMNS] == []
        assert _text_hits(wh, texts, schemas - TEXT_BY_DESIGN) == []


@pytest.mark.postgres
def test_reader_role_cannot_read_names_or_free_text(built_postgres: Settings):
    with connect(built_postgres) as wh:
        texts = _private_texts(wh)
        visible = wh.query(
            "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
            "where c.table_schema not in ('pg_catalog', 'information_schema') "
            "and has_schema_privilege(?, c.table_schema, 'usage') "
            "and has_column_privilege(?, "
            "quote_ident(c.table_schema) || '.' || quote_ident(c.table_name), "
            "c.column_name, 'select')",
            [READER, READER],
        )
        schemas = {s for s, _, _ in visible}
        assert {"trends", "core", "analytics"} <= schemas
        assert not schemas & {"private", "raw", "staging", "intermediate"}, schemas
        assert [c for c in visible if c[2] in PRIVATE_COLUMNS] == []
        # no value of the private mart sits in a table the reader can read
        assert _text_hits(wh, texts, schemas - {"security"} - TEXT_BY_DESIGN) == []
        assert wh.scalar("select count(*) from private.creator_profiles") > 0
    s = built_postgres
    with psycopg.connect(
        host=s.pg_host, port=s.pg_port, user=s.pg_user, password=s.pg_password or None,
        dbname=s.pg_dbname, autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(f"set role {READER}")
        assert conn.execute("select count(*) from trends.creators").fetchone()[0] >= 0
        for sql in (
            "select creator_handle, bio from private.creator_profiles",
            "select post_text from private.hashtag_theme_documents",
            "select title from private.youtube_chart_titles",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute("select bio from trends.creators")


# -- consent against the simulator's planted truth ---------------------------------------------

CONSENT_MARTS = ["user_content_diversity_weekly", "consent_daily", "user_retention"]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("privacy_marts")
    return out, simulate(CONFIG, out)


class PlantedConsent:
    """Each user's analytics consent over time as the simulator planted it (no state yet: no)."""

    def __init__(self, rows: list[dict]) -> None:
        states: dict[str, list[tuple[datetime, bool]]] = defaultdict(list)
        for r in rows:
            states[r["user_id"]].append((_utc(r["changed_at"]), bool(r["analytics_consent"])))
        self.states = {u: sorted(s) for u, s in states.items()}

    def at(self, user: str | None, t: datetime) -> bool:
        states = self.states.get(user or "", [])
        i = bisect.bisect_right([at for at, _ in states], t)
        return bool(i) and states[i - 1][1]


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def test_consent_marts_follow_planted_consent(warehouse: Settings, run) -> None:
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths

    folder, manifest = run
    missing = manifest["sources"]["platform"]["missing_field_events"]
    planted = PlantedConsent(_truth(folder, "consent"))
    with connect(warehouse) as wh:
        load_paths(wh, [folder])
    selection = [f"+{m}" for m in CONSENT_MARTS]
    run_dbt(["build", "--indirect-selection", "cautious", "--select", *selection], warehouse)
    with connect(warehouse) as wh:
        # the events are the warehouse's; whose consent held when is the planted truth's
        impressions = wh.query(
            "select user_id, discovery_timestamp from core.fact_discovery_events"
        )
        activity = impressions + wh.query(
            "select user_id, occurred_at from core.fact_content_engagements "
            "where engagement_type <> 'view' or is_qualified_view"
        )
        diversity = {
            (u, str(w)): n
            for u, w, n in wh.query(
                "select user_id, week_start_date, impressions "
                "from analytics.user_content_diversity_weekly"
            )
        }
        daily = {
            str(r[0]): r[1:]
            for r in wh.query(
                "select activity_date, users_with_consent, events_with_consent, "
                "users_without_consent, events_without_consent, is_with_consent_suppressed, "
                "is_without_consent_suppressed from analytics.consent_daily"
            )
        }
        # users whose warehouse consent states differ from the planted ones (a state whose flag
        # was lost in delivery): the marts follow what arrived, so they are compared apart
        arrived = defaultdict(list)
        for user, at, state in wh.query(
            "select user_id, valid_from, has_analytics_consent "
            "from intermediate.int_platform_consent_periods"
        ):
            arrived[user].append((_utc(at), bool(state)))
    lost = {
        u
        for u in set(planted.states) | set(arrived)
        if sorted(arrived.get(u, [])) != planted.states.get(u, [])
    }
    assert len(lost) <= missing, (len(lost), missing)  # each from an event that lost a field
    assert impressions and any(not planted.at(u, _utc(t)) for u, t in impressions)

    # user level: a week's impressions are exactly those shown while the user consented
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for user, t in impressions:
        t = _utc(t)
        if user is not None and user not in lost and planted.at(user, t):
            week = t.date() - timedelta(days=t.weekday())
            expected[(user, str(week))] += 1
    got = {k: n for k, n in diversity.items() if k[0] not in lost}
    assert got == dict(expected)
    never = {u for u, s in planted.states.items() if not any(state for _, state in s)}
    assert never and not {u for u, _ in diversity} & never

    # the daily consent aggregate: each event on the side of its user's consent at the time
    sides: dict[str, list] = defaultdict(lambda: [set(), 0, set(), 0, 0])
    for user, t in activity:
        t = _utc(t)
        side = sides[str(t.date())]
        side[4] += user in lost
        if planted.at(user, t):
            side[0].add(user)
            side[1] += 1
        else:  # an event without a user counts here, its user does not
            side[2] |= {user} - {None}
            side[3] += 1
    assert set(daily) == set(sides)
    total = 0
    for day, (with_u, with_e, without_u, without_e, off) in sides.items():
        row = daily[day]
        assert (row[4], row[5]) == (len(with_u) < K, len(without_u) < K), day
        if not row[4]:
            assert abs(row[0] - len(with_u)) <= off and abs(row[1] - with_e) <= off, day
            total += row[1]
        if not row[5]:
            assert abs(row[2] - len(without_u)) <= off, day
            assert abs(row[3] - without_e) <= off, day
            total += row[3]
    # nothing is suppressed at this size, so every event is on one side or the other
    assert all(not r[4] and not r[5] for r in daily.values())
    assert total == len(activity)
