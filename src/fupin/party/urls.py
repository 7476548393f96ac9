from django.urls import path

from fupin.party import views

app_name = "party"

urlpatterns = [
    path("", views.organisations, name="organisations"),
    path("organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path("bodies/", views.bodies, name="bodies"),
    path("members/<int:member_id>/", views.member, name="member"),
    path("vanguard/", views.vanguard, name="vanguard"),
]
