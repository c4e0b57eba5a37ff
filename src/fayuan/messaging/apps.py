from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "fayuan.messaging"
    verbose_name = "消息发送"
    default_auto_field = "django.db.models.BigAutoField"
