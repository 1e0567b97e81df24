"""On PostgreSQL, the trigger refusing UPDATE and DELETE on the audit log, under the audit app's names.

review 0002 created it as review_workflowevent_append_only; the table rename
(review 0004) kept it attached. Here it is replaced by the same rule named
after the new table. Other databases rely on the model's refusal.
"""

from django.db import migrations

OLD = """
DROP TRIGGER IF EXISTS review_workflowevent_append_only ON {table};
DROP FUNCTION IF EXISTS review_workflowevent_refuse_change();
"""
NEW = """
CREATE OR REPLACE FUNCTION audit_workflowevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_workflowevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_workflowevent_append_only
    BEFORE UPDATE OR DELETE ON audit_workflowevent
    FOR EACH ROW EXECUTE FUNCTION audit_workflowevent_refuse_change();
"""
DROP_NEW = """
DROP TRIGGER IF EXISTS audit_workflowevent_append_only ON audit_workflowevent;
DROP FUNCTION IF EXISTS audit_workflowevent_refuse_change();
"""
RESTORE_OLD = """
CREATE OR REPLACE FUNCTION review_workflowevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'review_workflowevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER review_workflowevent_append_only
    BEFORE UPDATE OR DELETE ON audit_workflowevent
    FOR EACH ROW EXECUTE FUNCTION review_workflowevent_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the '%' in RAISE is not a placeholder.
        schema_editor.execute(OLD.format(table="audit_workflowevent"), params=None)
        schema_editor.execute(NEW, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_NEW, params=None)
        schema_editor.execute(RESTORE_OLD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
