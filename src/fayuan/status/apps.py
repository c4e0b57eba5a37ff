from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "fayuan.status"
    label = "status"
    verbose_name = "进度查询与通知"
