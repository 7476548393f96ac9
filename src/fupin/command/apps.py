from django.apps import AppConfig


class CommandConfig(AppConfig):
    name = "fupin.command"
    label = "command"
    verbose_name = "作战指挥"
