"""Search at 100,000 articles (issue 21): filters inside the index, and the prior-ordered index split in two tiers.

1. ``publishing.catalogue.LEAD_VECTOR_SQL`` now appends "~a:<audience>",
   "~c:<condition>" and "~d:<drug>" lexemes to the lead's ``tsv`` (no positions,
   so no rank changes); ``publishing.selectors.search`` ANDs the chosen filter to
   the words, so the index answers a filtered search. Every lead is rewritten here,
   in chunks (about 2.5 minutes at 100,000 on the shared benchmark machine).
2. With RUM, ``catalogue_lead_prior`` (every match, in prior order, inside the
   index) is replaced by two partial indexes of the same kind: the leads with a
   prior of at least PRIOR_SPLIT, and the rest. A search reads the high tier first
   and the low one only when the high tier has fewer matches than it ranks, so a
   common term sorts the matches of the well-kept tier only.

Nothing to do outside PostgreSQL. Reversing puts the single index back and leaves
the filter lexemes (nothing reads them then).
"""

from django.db import migrations

CHUNK = 5000
# The same value as publishing.selectors.search.SEARCH_PRIOR_SPLIT (the planner matches the predicates).
PRIOR_SPLIT = "0.7"
PRIOR_INDEX = "catalogue_lead_prior"
PRIOR_HIGH_INDEX = "catalogue_lead_prior_high"
PRIOR_LOW_INDEX = "catalogue_lead_prior_low"
RUM_PRIOR = "USING rum (tsv rum_tsvector_addon_ops, prior) WITH (attach = 'prior', to = 'tsv')"


def _has_index(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'i'", [name])
        return cursor.fetchone() is not None


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from publishing.catalogue import LEAD_VECTOR_SQL

    CatalogueLead = apps.get_model("publishing", "CatalogueLead")
    ids = list(CatalogueLead.objects.order_by("entry_id").values_list("entry_id", flat=True))
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            cursor.execute(LEAD_VECTOR_SQL, [ids[start : start + CHUNK]])
    if _has_index(schema_editor, PRIOR_INDEX):  # RUM is installed (migration 0016)
        schema_editor.execute(f"DROP INDEX {PRIOR_INDEX}")
        schema_editor.execute(
            f"CREATE INDEX {PRIOR_HIGH_INDEX} ON publishing_cataloguelead {RUM_PRIOR} WHERE prior >= {PRIOR_SPLIT}"
        )
        schema_editor.execute(
            f"CREATE INDEX {PRIOR_LOW_INDEX} ON publishing_cataloguelead {RUM_PRIOR} WHERE prior < {PRIOR_SPLIT}"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if _has_index(schema_editor, PRIOR_HIGH_INDEX):
        schema_editor.execute(f"DROP INDEX {PRIOR_HIGH_INDEX}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {PRIOR_LOW_INDEX}")
        schema_editor.execute(f"CREATE INDEX {PRIOR_INDEX} ON publishing_cataloguelead {RUM_PRIOR}")


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0020_catalogue_language_index"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
