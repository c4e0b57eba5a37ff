from django.apps import AppConfig


class WorkstationsConfig(AppConfig):
    name = "fayuan.workstations"
    label = "workstations"
    verbose_name = "工作站与联络点"
