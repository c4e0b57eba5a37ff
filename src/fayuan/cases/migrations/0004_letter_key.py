"""Notification letters compared by a normalised key (`fayuan.cases.letters.letter_key`):
the column, filled for the cases already there. The unique constraint moves to it in 0005
(its own transaction: PostgreSQL builds the index after these rows are written)."""

import re
import unicodedata

from django.db import migrations, models

# A frozen copy of fayuan.cases.letters.letter_key as of this migration.
_DASH = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d]")
_OPEN = re.compile(r"[〔［【〖(\[]")
_CLOSE = re.compile(r"[〕］】〗)\]]")
_SPACE = re.compile(r"\s+")


def _key(number):
    text = unicodedata.normalize("NFKC", number).casefold()
    text = _DASH.sub("-", text)
    text = _OPEN.sub("(", text)
    text = _CLOSE.sub(")", text)
    return _SPACE.sub("", text)


def fill_keys(apps, schema_editor):
    """Every case gets its letter's key. Two notifications of one organ whose numbers differ
    only in how they were typed were two cases before: both stay (nothing is merged or
    deleted); the later one's key gets "#<case number>" so the constraint holds, and a new
    submission of that letter answers with the earlier case."""
    Case = apps.get_model("cases", "Case")
    seen = set()
    changed = []
    rows = Case.objects.exclude(letter_number="").order_by("organ_id", "created_at", "id")
    for case in rows.only("id", "organ_id", "source", "letter_number", "number"):
        key = _key(case.letter_number)[:100]
        if case.source == "notification":
            if (case.organ_id, key) in seen:
                key = f"{key[: 99 - len(case.number)]}#{case.number}"
            seen.add((case.organ_id, key))
        case.letter_key = key
        changed.append(case)
    Case.objects.bulk_update(changed, ["letter_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_encrypt_id_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="letter_key",
            field=models.CharField(
                blank=True, editable=False, max_length=100, verbose_name="公函文号（规范化）"
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
    ]
