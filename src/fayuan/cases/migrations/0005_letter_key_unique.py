"""One case per organ and normalised letter number (the key 0004 filled)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_letter_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="case",
            name="uniq_notification_letter",
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", "notification")),
                fields=("organ", "letter_key"),
                name="uniq_notification_letter_key",
            ),
        ),
    ]
