"""Restore "one active head per household" on PostgreSQL.

0003 altered ``Member.household`` (db_index off); on PostgreSQL Django's AlterField
dropped every index on that column, including this partial unique index, while the
migration state kept it. Removing (``DROP INDEX IF EXISTS`` there) and adding it again
makes both databases hold it; on SQLite it is simply rebuilt.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_member_policy_indexes")]

    operations = [
        migrations.RemoveConstraint(model_name="member", name="member_one_head"),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_active", True), ("relation", "head")),
                fields=("household",),
                name="member_one_head",
            ),
        ),
    ]
