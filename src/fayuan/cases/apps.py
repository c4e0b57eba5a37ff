from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fayuan.cases"
    verbose_name = "案件"
