from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "fayuan.roster"
    verbose_name = "名册"
