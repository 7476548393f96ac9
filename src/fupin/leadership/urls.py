from django.urls import path

from fupin.leadership import views

app_name = "leadership"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("villages/<str:code>/", views.village, name="village"),
    path("weak/", views.weak_cases, name="weak_cases"),
    path("weak/<int:case_id>/", views.weak_case, name="weak_case"),
    path("weak/items/<int:item_id>/evidence/", views.item_evidence, name="item_evidence"),
    path("building/", views.building, name="building"),
    path("building/goals/", views.goals, name="goals"),
    path("trainings/", views.trainings, name="trainings"),
    path("trainings/untrained/", views.untrained, name="untrained"),
    path("trainings/<int:course_id>/", views.course, name="course"),
]
