from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    name = "fupin.leadership"
    label = "leadership"
    verbose_name = "村级班子与基层党建"
