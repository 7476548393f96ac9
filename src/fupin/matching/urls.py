from django.urls import path

from fupin.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/print/", views.round_print, name="round_print"),
    path("postings/", views.postings, name="postings"),
    path("candidates/", views.candidates, name="candidates"),
    path("villages/", views.villages, name="villages"),
]
