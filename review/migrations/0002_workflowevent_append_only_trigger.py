"""On PostgreSQL, refuse UPDATE and DELETE on workflow events at the database level."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION review_workflowevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'review_workflowevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER review_workflowevent_append_only
    BEFORE UPDATE OR DELETE ON review_workflowevent
    FOR EACH ROW EXECUTE FUNCTION review_workflowevent_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS review_workflowevent_append_only ON review_workflowevent;
DROP FUNCTION IF EXISTS review_workflowevent_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # params=None: the '%' in RAISE is not a placeholder


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
