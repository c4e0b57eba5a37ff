from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "fayuan.workflow"
    verbose_name = "指派流程"
