"""Writing a validated file in one transaction, set-based.

New rows go in through core.bulk (ids allocated up front, COPY on PostgreSQL); changed
rows are written by one ``UPDATE … FROM`` a temporary table per table; members missing
from the file leave their household (is_active = False). Every created or changed
household and member gets one history row (action “import”, {field: [old, new]}), except
that the members of a created household are listed in its row (under "members"); the
audit row goes in the same transaction, so a killed import leaves nothing behind.
Nothing here queries per row: the differences are frame expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from fupin.areas.services import areas_load
from fupin.audit.services import audit_write
from fupin.core.bulk import allocate_ids, bulk_insert_frame, insert_frame
from fupin.exchange.validate import INCOME_FIELDS, Validation, registry_areas
from fupin.registry import choices
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from fupin.registry.validation import name_search_keys

Progress = Callable[[int, int], None]
WRITE_CHUNK = 100_000  # households per slice of the write

# (field, default for a new row when the cell is empty)
HOUSEHOLD_VALUES: tuple[tuple[str, Any], ...] = (
    ("number", None), ("area_id", None), ("area_code", None), ("phone", ""),
    ("standard", choices.Standard.NATIONAL), ("household_type", choices.HouseholdType.ORDINARY),
    ("main_cause", None), ("other_causes", ""), ("housing_area", None),
    ("danger_grade", choices.DangerGrade.NONE), ("relocated", False), ("safe_water", True),
    ("has_electricity", True), ("road_distance_km", None),
    ("status", choices.HouseholdStatus.NOT_EXITED), ("identified_year", None),
    ("exited_year", None),
)  # fmt: skip
MEMBER_VALUES: tuple[tuple[str, Any], ...] = (
    ("household_id", None), ("name", None), ("sex", None), ("id_number", None),
    ("relation", None), ("ethnicity", "汉族"), ("education", ""), ("schooling", ""),
    ("health", choices.Health.HEALTHY), ("labour", choices.Labour.ORDINARY),
    ("migrant_status", choices.MigrantStatus.NONE), ("migrant_months", 0),
    ("medical_insurance", True), ("serious_illness_insurance", True),
    ("pension_insurance", False), ("dibao", False), ("tekun", False),
)  # fmt: skip
# Fields whose changes are not history: the area's id follows area_code, which is shown.
_NOT_HISTORY = {"area_id", "household_id"}
_BOOLS = {"relocated", "safe_water", "has_electricity", "medical_insurance",
          "serious_illness_insurance", "pension_insurance", "dibao", "tekun"}  # fmt: skip
_INTS = {"identified_year", "exited_year", "migrant_months", "household_size", "year"}


@dataclass
class WriteCounts:
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_removed: int = 0


# --- JSON of the history, as frame expressions --------------------------------------------


def _json_value(expr: pl.Expr, name: str) -> pl.Expr:
    if name in _BOOLS:
        return (
            pl.when(expr.is_null())
            .then(pl.lit("null"))
            .when(expr)
            .then(pl.lit("true"))
            .otherwise(pl.lit("false"))
        )
    if name in _INTS:
        return expr.cast(pl.String).fill_null("null")
    if name == "other_causes":
        return (
            pl.when(expr.is_null() | (expr == ""))
            .then(pl.lit("[]"))
            .otherwise(pl.lit('["') + expr.str.replace_all(",", '","', literal=True) + pl.lit('"]'))
        )
    escaped = (
        expr.cast(pl.String)
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        .str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
        .str.replace_all("\t", "\\t", literal=True)
    )
    return (
        pl.when(expr.is_null()).then(pl.lit("null")).otherwise(pl.lit('"') + escaped + pl.lit('"'))
    )


def _changes_json(
    fields: Sequence[str], old_prefix: str | None, labels: dict[str, str] | None = None
) -> pl.Expr:
    """{"field": [old, new], …} of the fields that differ (all of them for a new row,
    with old = null). ``old_prefix`` names the old values' columns (``old_<field>``)."""
    parts = []
    for name in fields:
        key = (labels or {}).get(name, name)
        new = pl.col(name)
        if old_prefix is None:
            old_json, differs = pl.lit("null"), pl.lit(True)
        else:
            old = pl.col(old_prefix + name)
            old_json, differs = _json_value(old, name), new.ne_missing(old)
        parts.append(
            pl.when(differs).then(
                pl.lit(f'"{key}":[') + old_json + pl.lit(",") + _json_value(new, name) + pl.lit("]")
            )
        )
    return pl.lit("{") + pl.concat_str(parts, separator=",", ignore_nulls=True) + pl.lit("}")


# --- temporary tables for set-based updates ------------------------------------------------


def _update_from(
    model: Any, frame: pl.DataFrame, fields: Sequence[str], *, bump: bool, where: str = ""
) -> int:
    """UPDATE ``model`` SET fields (from ``frame``, keyed by ``id``) in one statement."""
    if frame.height == 0:
        return 0
    qn = connection.ops.quote_name
    table = model._meta.db_table
    temp = f"fupin_import_upd_{table}"
    columns = [
        model._meta.get_field(f.removesuffix("_id") if f.endswith("_id") else f).column
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        # Same column types as the real table, so values convert exactly as on insert.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} AS SELECT {qn('id')}, "  # noqa: S608
            + ", ".join(qn(c) for c in columns)
            + f" FROM {qn(table)} WHERE 1 = 0"
        )
        insert_frame(temp, ["id", *columns], frame.select(["id", *fields]))
        sets = [f"{qn(c)} = t.{qn(c)}" for c in columns]
        params: list[Any] = []
        if bump:
            sets.append(f"{qn('version')} = {qn(table)}.{qn('version')} + 1")
        if bump and hasattr(model, "updated_at"):
            sets.append(f"{qn('updated_at')} = %s")
            params.append(timezone.now())
        cursor.execute(
            f"UPDATE {qn(table)} SET {', '.join(sets)} FROM {temp} t "  # noqa: S608
            f"WHERE {qn(table)}.{qn('id')} = t.{qn('id')}{where}",
            params,
        )
        count = int(cursor.rowcount)
        cursor.execute(f"DROP TABLE {temp}")
    return count


# --- the write ---------------------------------------------------------------------------


def _with_defaults(
    frame: pl.DataFrame, values: Sequence[tuple[str, Any]], existing: bool
) -> pl.DataFrame:
    """New rows: an empty optional cell takes the field's default. Existing rows: an empty
    cell keeps the stored value (``old_<field>``), so a partial file never erases data."""
    exprs = []
    for name, default in values:
        col = pl.col(name)
        if existing:
            exprs.append(pl.coalesce(col, pl.col("old_" + name)).alias(name))
        elif default is not None:
            exprs.append(col.fill_null(pl.lit(default)).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _causes_json(col: str) -> pl.Expr:
    return _json_value(pl.col(col), "other_causes").alias(col)


def _write_chunk(
    hh: pl.DataFrame,
    mm: pl.DataFrame,
    existing_households: pl.DataFrame,
    existing_members: pl.DataFrame,
    existing_incomes: pl.DataFrame,
    *,
    counts: WriteCounts,
    now: Any,
    actor_id: int | None,
    reason: str,
    step: Callable[[int], None],
    dry_run: bool = False,
) -> list[int]:
    """Write one slice of households with their members; returns the ids of the
    households that got history rows. A dry run computes the same differences and
    counts and writes nothing (new rows get stand-in ids)."""
    # Households: new ones, and the existing ones with their stored values beside.
    h_fields = [f for f, _d in HOUSEHOLD_VALUES]
    new_h = _with_defaults(hh.filter(pl.col("existing_id").is_null()), HOUSEHOLD_VALUES, False)
    old_h = existing_households.select(
        pl.col("id").alias("existing_id"), pl.col("version").alias("old_version"),
        *(pl.col(f).alias("old_" + f) for f in h_fields),
    )  # fmt: skip
    cur_h = _with_defaults(
        hh.filter(pl.col("existing_id").is_not_null()).join(old_h, on="existing_id", how="left"),
        HOUSEHOLD_VALUES,
        True,
    )
    ids = _new_ids(Household, new_h.height, dry_run)
    new_h = new_h.with_columns(pl.Series("id", ids, dtype=pl.Int64))
    _insert(
        dry_run,
        Household,
        ["id", *[f.removesuffix("_id") if f == "area_id" else f for f in h_fields],
         "is_active", "version", "created_at", "updated_at"],
        new_h.with_columns(_causes_json("other_causes"), pl.lit(True).alias("_a"),
                           pl.lit(1).alias("_v"), pl.lit(now).alias("_t1"),
                           pl.lit(now).alias("_t2"))
        .select(["id", *h_fields, "_a", "_v", "_t1", "_t2"]),
        step,
    )  # fmt: skip
    counts.households_created += new_h.height
    changed_h = cur_h.with_columns(
        pl.any_horizontal(pl.col(f).ne_missing(pl.col("old_" + f)) for f in h_fields).alias(
            "_changed"
        )
    )

    # Incomes of the year in the file: new records, or the five amounts changed. The
    # size is the member count in the file; an unchanged year keeps its recorded size
    # (it describes that year, and a round trip must change nothing).
    id_map = pl.concat([
        new_h.select("number", pl.col("id").alias("household_id")),
        cur_h.select("number", pl.col("existing_id").alias("household_id")),
    ])  # fmt: skip
    inc = (
        hh.filter(pl.col("income_year").is_not_null())
        .join(id_map, on="number")
        .select("household_id", pl.col("income_year").alias("year"), *INCOME_FIELDS, "household_size")
        .join(existing_incomes.select(pl.col("id").alias("income_id"), "household_id", "year",
                                        pl.col("version").alias("old_version"),
                                        *(pl.col(f).alias("old_" + f) for f in (*INCOME_FIELDS, "household_size"))),
              on=["household_id", "year"], how="left")
    )  # fmt: skip
    inc = inc.with_columns(
        *(
            pl.when(pl.col("income_id").is_null())
            .then(pl.col(f).fill_null("0.00"))
            .otherwise(pl.coalesce(f, "old_" + f))
            .alias(f)
            for f in INCOME_FIELDS
        )
    )
    amounts_changed = pl.any_horizontal(
        pl.col(f).ne_missing(pl.col("old_" + f)) for f in INCOME_FIELDS
    )
    inc = inc.with_columns(
        pl.when(pl.col("income_id").is_not_null() & ~amounts_changed)
        .then(pl.col("old_household_size"))
        .otherwise(pl.col("household_size"))
        .alias("household_size")
    )
    inc = inc.with_columns(
        pl.when(pl.col("income_id").is_null())
        .then(_changes_json([*INCOME_FIELDS, "household_size"], None))
        .otherwise(_changes_json([*INCOME_FIELDS, "household_size"], "old_"))
        .alias("_inc_changes"),
        (pl.col("income_id").is_null() | amounts_changed
         | pl.col("household_size").ne_missing(pl.col("old_household_size"))).alias("_inc_changed"),
    )  # fmt: skip
    # Prefix each income key with its year ("2019.wage"), like income_record_set does.
    inc = inc.with_columns(
        pl.col("_inc_changes")
        .str.replace_all(
            r'"(wage|business|property_income|transfer|business_costs|household_size)":',
            '"YEAR.${1}":',
        )
        .str.replace_all("YEAR", pl.col("year").cast(pl.String), literal=True)
        .alias("_inc_changes")
    )
    new_inc = inc.filter(pl.col("income_id").is_null())
    _insert(
        dry_run,
        IncomeRecord,
        ["household", "year", *INCOME_FIELDS, "household_size", "version"],
        new_inc.with_columns(pl.lit(1).alias("_v"))
        .select(["household_id", "year", *INCOME_FIELDS, "household_size", "_v"]),
    )  # fmt: skip
    upd_inc = inc.filter(pl.col("income_id").is_not_null() & pl.col("_inc_changed"))
    if not dry_run:
        _update_from(IncomeRecord, upd_inc.rename({"income_id": "id"}).drop("household_id"),
                     [*INCOME_FIELDS, "household_size"], bump=True)  # fmt: skip

    # Household history rows (fields, and the income of the year when it changed).
    inc_changes = inc.filter(pl.col("_inc_changed")).select("household_id", "_inc_changes")
    h_history = pl.concat([
        new_h.select(pl.col("id").alias("household_id"),
                     _changes_json([f for f in h_fields if f not in _NOT_HISTORY], None).alias("_h_changes")),
        changed_h.select(pl.col("existing_id").alias("household_id"),
                         pl.when(pl.col("_changed"))
                         .then(_changes_json([f for f in h_fields if f not in _NOT_HISTORY], "old_"))
                         .alias("_h_changes")),
    ]).join(inc_changes, on="household_id", how="left")  # fmt: skip
    h_history = h_history.filter(
        pl.col("_h_changes").is_not_null() | pl.col("_inc_changes").is_not_null()
    ).with_columns(
        pl.concat_str(
            [pl.col("_h_changes").fill_null("{}").str.strip_suffix("}"),
             pl.col("_inc_changes").fill_null("{}").str.strip_prefix("{")],
            separator=",",
        ).str.replace(r"^\{,", "{").str.replace(r",\}$", "}").alias("changes")
    )  # fmt: skip
    upd_h = changed_h.filter(pl.col("_changed")).rename({"existing_id": "id"})
    if not dry_run:
        _update_from(Household, upd_h.with_columns(_causes_json("other_causes")),
                     [f for f in h_fields], bump=True)  # fmt: skip
    touched = set(h_history["household_id"].to_list())
    updated = cur_h.filter(pl.col("existing_id").is_in(list(touched))).height
    counts.households_updated += updated
    counts.households_unchanged += cur_h.height - updated

    # Members.
    m_fields = [f for f, _d in MEMBER_VALUES]
    mm = mm.join(id_map.rename({"number": "household_number"}), on="household_number", how="left")
    old_m = existing_members.select(
        pl.col("id").alias("existing_member_id"),
        *(pl.col(f).alias("old_" + f) for f in m_fields),
    )
    new_m = _with_defaults(mm.filter(pl.col("existing_member_id").is_null()), MEMBER_VALUES, False)
    cur_m = _with_defaults(
        mm.filter(pl.col("existing_member_id").is_not_null()).join(
            old_m, on="existing_member_id", how="left"
        ),
        MEMBER_VALUES,
        True,
    ).with_columns(
        pl.any_horizontal(pl.col(f).ne_missing(pl.col("old_" + f)) for f in m_fields).alias(
            "_changed"
        )
    )
    kept = set(cur_m["existing_member_id"].to_list())
    removed = existing_members.filter(~pl.col("id").is_in(list(kept)))
    # Search keys: computed once per distinct name (names repeat a lot in a county).
    names = new_m.select(pl.col("name").unique())
    keys = [name_search_keys(n) for n in names["name"]]
    names = names.with_columns(
        pl.Series("name_pinyin", [k[0] for k in keys], dtype=pl.String),
        pl.Series("name_initials", [k[1] for k in keys], dtype=pl.String),
    )
    if removed.height and not dry_run:
        _update_from(
            Member,
            removed.select("id", pl.lit(False).alias("is_active")),
            ["is_active"],
            bump=True,
        )
    upd_m = cur_m.filter(pl.col("_changed")).rename({"existing_member_id": "id"})
    if upd_m.height and not dry_run:
        # Names changed: new search keys.
        upd_keys = [name_search_keys(n) for n in upd_m["name"]]
        upd_m = upd_m.with_columns(
            pl.Series("name_pinyin", [k[0] for k in upd_keys], dtype=pl.String),
            pl.Series("name_initials", [k[1] for k in upd_keys], dtype=pl.String),
        )
        # One head per household holds row by row: demote before promoting.
        upd_fields = [f for f in m_fields if f not in ("household_id", "id_number")] + [
            "name_pinyin",
            "name_initials",
        ]
        _update_from(
            Member,
            upd_m.filter(pl.col("relation") != choices.Relation.HEAD),
            upd_fields,
            bump=True,
        )
        _update_from(
            Member,
            upd_m.filter(pl.col("relation") == choices.Relation.HEAD),
            upd_fields,
            bump=True,
        )
    counts.members_updated += upd_m.height
    counts.members_removed += removed.height
    step(cur_m.height)
    new_m = new_m.join(names, on="name", how="left").with_columns(
        pl.col("id_number").str.reverse().alias("id_reversed"),
        pl.Series("id", _new_ids(Member, new_m.height, dry_run), dtype=pl.Int64),
    )
    _insert(
        dry_run,
        Member,
        ["id", *[f.removesuffix("_id") if f == "household_id" else f for f in m_fields],
         "name_pinyin", "name_initials", "id_reversed", "is_active", "version",
         "created_at", "updated_at"],
        new_m.with_columns(pl.lit(True).alias("_a"), pl.lit(1).alias("_v"),
                           pl.lit(now).alias("_t1"), pl.lit(now).alias("_t2"))
        .select(["id", *m_fields, "name_pinyin", "name_initials", "id_reversed", "_a", "_v", "_t1", "_t2"]),
        step,
    )  # fmt: skip
    counts.members_created += new_m.height

    # History: households, then members (added, changed, removed). A created household
    # gets one row, its members listed (name and relation) under "members"; members
    # added to an existing household get one row each.
    hist_fields = [f for f in m_fields if f not in _NOT_HISTORY]
    in_new_h = pl.col("household_id").is_in(new_h["id"].implode())
    listed = (
        new_m.filter(in_new_h)
        .group_by("household_id", maintain_order=True)
        .agg(
            pl.concat_str(
                pl.lit('{"name":'), _json_value(pl.col("name"), "name"),
                pl.lit(',"relation":'), _json_value(pl.col("relation"), "relation"),
                pl.lit("}"),
            ).str.join(",").alias("_listed")
        )
    )  # fmt: skip
    h_history = (
        h_history.join(listed, on="household_id", how="left")
        .with_columns(
            pl.when(pl.col("_listed").is_null())
            .then(pl.col("changes"))
            .otherwise(
                pl.col("changes").str.strip_suffix("}")
                + pl.when(pl.col("changes") == "{}").then(pl.lit("")).otherwise(pl.lit(","))
                + pl.lit('"members":[null,[')
                + pl.col("_listed")
                + pl.lit("]]}")
            )
            .alias("changes")
        )
    )  # fmt: skip
    m_history = pl.concat([
        new_m.filter(~in_new_h).select("household_id", pl.col("id").alias("member_id"),
                                       _changes_json(hist_fields, None).alias("changes")),
        upd_m.select("household_id", pl.col("id").alias("member_id"),
                     _changes_json(hist_fields, "old_").alias("changes")),
        removed.select("household_id", pl.col("id").alias("member_id"),
                       pl.lit('{"is_active":[true,false]}').alias("changes")),
    ])  # fmt: skip
    history = pl.concat([
        h_history.select("household_id", pl.lit(None, dtype=pl.Int64).alias("member_id"), "changes"),
        m_history,
    ])  # fmt: skip
    _insert(
        dry_run,
        HouseholdChange,
        ["household", "member", "at", "actor", "action", "changes", "reason"],
        history.with_columns(pl.lit(now).alias("_at"), pl.lit(actor_id, dtype=pl.Int64).alias("_actor"),
                             pl.lit(str(HouseholdChange.Action.IMPORT)).alias("_action"),
                             pl.lit(reason).alias("_reason"))
        .select(["household_id", "member_id", "_at", "_actor", "_action", "changes", "_reason"]),
    )  # fmt: skip
    return [int(i) for i in history["household_id"].unique().to_list()]


def _new_ids(model: Any, n: int, dry_run: bool) -> list[int]:
    # a dry run allocates nothing: stand-in ids that no stored row has
    return list(range(-1, -n - 1, -1)) if dry_run else allocate_ids(model, n)


def _insert(dry_run: bool, model: Any, columns: list[str], frame: pl.DataFrame,
            step: Callable[[int], None] | None = None) -> None:  # fmt: skip
    if dry_run:
        if step:
            step(frame.height)
        return
    bulk_insert_frame(model, columns, frame, step)


@contextmanager
def _bulk_session() -> Iterator[None]:
    """On SQLite, a large page cache and in-memory temporary tables while the import
    writes: index inserts of millions of rows otherwise thrash a 64 MB cache."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        old_cache = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA temp_store")
        old_temp = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size=-1048576")
        # Not allowed inside a transaction (a caller's, or a test's); then stays as is.
        outside = not connection.in_atomic_block
        if outside:
            cursor.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={old_cache}")
            if outside:
                cursor.execute(f"PRAGMA temp_store={old_temp}")


def write(
    v: Validation,
    *,
    actor: Any,
    reason: str,
    channel: str,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> WriteCounts:
    """Write the file, or with ``dry_run`` count what writing it would do: one
    computation for both, so a dry run's counts are the import's."""
    if dry_run:
        return _write(v, actor=actor, reason=reason, channel=channel, progress=progress,
                      dry_run=True)  # fmt: skip
    with _bulk_session():
        return _write(v, actor=actor, reason=reason, channel=channel, progress=progress)


def _write(
    v: Validation,
    *,
    actor: Any,
    reason: str,
    channel: str,
    progress: Progress | None,
    dry_run: bool = False,
) -> WriteCounts:
    counts = WriteCounts()
    # In the database's own form (text on SQLite): no per-row adaptation of datetimes.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    hh, mm = v.households, v.members
    total = hh.height + mm.height
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    with transaction.atomic():
        step(0)
        if v.new_areas and not dry_run:
            areas_load(actor=actor, rows=v.new_areas, channel=channel)
            found = registry_areas(hh.filter(pl.col("area_id").is_null())["area_code"].to_list())
            hh = hh.join(found.select(pl.col("code").alias("area_code"), pl.col("id").alias("_new_area")),
                         on="area_code", how="left").with_columns(
                pl.coalesce("area_id", "_new_area").alias("area_id"))  # fmt: skip

        # In slices of households (with their members): the frames built for the write
        # (history JSON above all) then stay a slice's size, not the whole file's.
        affected: list[int] = []
        for start in range(0, hh.height, WRITE_CHUNK):
            part = hh.slice(start, WRITE_CHUNK)
            known = part["existing_id"].drop_nulls().implode()
            affected += _write_chunk(
                part,
                mm.join(part.select("number"), left_on="household_number", right_on="number", how="semi"),
                v.existing_households.filter(pl.col("id").is_in(known)),
                v.existing_members.filter(pl.col("household_id").is_in(known)),
                v.existing_incomes.filter(pl.col("household_id").is_in(known)),
                counts=counts, now=now, actor_id=actor_id, reason=reason, step=step,
                dry_run=dry_run,
            )  # fmt: skip
        affected.sort()
        h_fields = [f for f, _d in HOUSEHOLD_VALUES]
        m_fields = [f for f, _d in MEMBER_VALUES]
        if affected and not dry_run:
            audit_write(
                actor=actor,
                action="registry.import",
                object_type="household",
                object_ids=affected[:1000],
                fields=sorted({*h_fields, *m_fields} - _NOT_HISTORY),
                channel=channel,
            )
        step(0)
    return counts
