from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "fupin.party"
    label = "party"
    verbose_name = "党组织与党员"
