from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "fayuan.abuse"
    label = "abuse"
    verbose_name = "防滥用"
