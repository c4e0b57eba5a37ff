from django.apps import AppConfig


class ApplyConfig(AppConfig):
    name = "fayuan.apply"
    label = "apply"
    verbose_name = "网上申请"
