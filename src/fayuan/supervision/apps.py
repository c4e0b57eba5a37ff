from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "fayuan.supervision"
    label = "supervision"
    verbose_name = "监督与质量"
