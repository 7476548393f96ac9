from django.urls import path

from fupin.policy import views

app_name = "policy"
urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
    path("runs/diff/", views.run_diff, name="run_diff"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/retry/", views.run_retry, name="run_retry"),
    path("runs/<int:run_id>/households/", views.run_households, name="run_households"),
    path("runs/<int:run_id>/what-if/", views.what_if, name="what_if"),
    path("standards/", views.standard_list, name="standard_list"),
    path("standards/new/", views.standard_create, name="standard_create"),
    path("standards/<int:standard_id>/", views.standard_detail, name="standard_detail"),
    path("standards/<int:standard_id>/edit/", views.standard_edit, name="standard_edit"),
    path("facts/", views.facts_home, name="facts"),
    path(
        "facts/<int:year>/villages/<str:area_code>/",
        views.village_facts_edit,
        name="village_facts_edit",
    ),
    path(
        "facts/<int:year>/counties/<str:area_code>/",
        views.county_assessment_edit,
        name="county_assessment_edit",
    ),
]
