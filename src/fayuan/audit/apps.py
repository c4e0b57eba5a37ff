from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fayuan.audit"
    verbose_name = "审计日志"
