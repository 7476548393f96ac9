from django.urls import path

from fupin.procedures import views

app_name = "procedures"

urlpatterns = [
    path("", views.procedure_list, name="list"),
    path("batch/", views.procedure_batch, name="batch"),
    path("exits-from-run/", views.exits_from_run, name="exits_from_run"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("<int:procedure_id>/", views.procedure_detail, name="detail"),
    path("open/<int:household_id>/", views.procedure_open, name="open"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("card/<int:household_id>/", views.household_card, name="card"),
    path("cards/<str:area_code>/", views.village_cards, name="village_cards"),
]
