"""Create the default disclaimers on a site that has none, so pages never go out without one.

The wording lives in publishing.defaults (plain strings), which the demo seed
reads too. Reversing leaves the rows: editors may have relied on or edited them.
"""

from django.db import migrations
from django.utils import timezone

from publishing.defaults import DEFAULT_DISCLAIMERS


def create_default_disclaimers(apps, schema_editor):
    Disclaimer = apps.get_model("publishing", "Disclaimer")
    Audience = apps.get_model("articles", "Audience")
    if Disclaimer.objects.exists():
        return
    now = timezone.now()
    for audience_slug, name, text in DEFAULT_DISCLAIMERS:
        audience = Audience.objects.filter(slug=audience_slug).first() if audience_slug else None
        if audience_slug and audience is None:
            continue  # that audience was removed; the all-audiences disclaimer covers the rest
        Disclaimer.objects.create(name=name, audience=audience, text=text, active=True, effective_from=now)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_audiences_and_groups"),
        ("publishing", "0003_one_live_publication_per_slug"),
    ]

    operations = [
        migrations.RunPython(create_default_disclaimers, migrations.RunPython.noop),
    ]
