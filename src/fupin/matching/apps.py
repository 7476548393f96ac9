from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "fupin.matching"
    label = "matching"
    verbose_name = "第一书记选派"
