"""Hand the audit log over to the `audit` app without touching a row.

The table is renamed (review_workflowevent → audit_workflowevent) and the
model leaves review's state; audit 0001 adds it to audit's state over the same
table, so every event, id and foreign key is kept. On PostgreSQL the
append-only trigger follows the table through the rename (audit 0002 renames it).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("review", "0004_decision_reviewer_seat_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("workflowevent", "audit_workflowevent")],
            state_operations=[migrations.DeleteModel("WorkflowEvent")],
        )
    ]
