"""Seed the four reader audiences and the three role groups."""

from django.db import migrations

AUDIENCES = [
    # slug, name, help text, order, reading grade, professional
    ("patient", "Patient", "I have this condition or might have it.", 10, 6, False),
    ("caregiver", "Caregiver or family member", "I look after someone who has it.", 20, 8, False),
    ("professional", "Healthcare professional", "I treat or advise patients.", 30, 16, True),
    ("student", "Medical student", "I am studying medicine or a health science.", 40, 14, False),
]
GROUPS = ["Authors", "Medical Advisory Board", "Editors"]


def forwards(apps, schema_editor):
    Audience = apps.get_model("articles", "Audience")
    Group = apps.get_model("auth", "Group")
    for slug, name, help_text, order, grade, professional in AUDIENCES:
        Audience.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "help_text": help_text,
                "order": order,
                "reading_grade": grade,
                "is_professional": professional,
            },
        )
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def backwards(apps, schema_editor):
    apps.get_model("articles", "Audience").objects.filter(slug__in=[a[0] for a in AUDIENCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, backwards)]
