"""PostgreSQL only: prefix search (LIKE 'x%') needs pattern_ops indexes under a non-C
collation. SQLite searches by binary range on the ordinary indexes instead."""

from django.db import migrations

INDEXES = [
    ("member_name_pattern", "registry_member", "name"),
    ("member_initials_pattern", "registry_member", "name_initials"),
    ("member_pinyin_pattern", "registry_member", "name_pinyin"),
    ("member_idrev_pattern", "registry_member", "id_reversed"),
    ("household_number_pattern", "registry_household", "number"),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
