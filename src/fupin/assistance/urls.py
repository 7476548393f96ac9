from django.urls import path

from fupin.assistance import views

app_name = "assistance"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("pair/", views.pair, name="pair"),
    path("norms/", views.norms, name="norms"),
    path("cadres/", views.cadres, name="cadres"),
    path("units/", views.units, name="units"),
    path("visit/", views.visit, name="visit"),
    path("concerns/", views.concern_list, name="concerns"),
    path("concerns/<int:concern_id>/", views.concern_detail, name="concern"),
    path("agenda/<str:area_code>/", views.agenda, name="agenda"),
    path("todo/", views.todo, name="todo"),
    path("notifications/", views.notifications, name="notifications"),
    path("plans/<int:household_id>/", views.plan, name="plan"),
    path("measures/new/", views.measure_new, name="measure_new"),
    path("teams/", views.teams, name="teams"),
    path("leaves/", views.leaves, name="leaves"),
    path("photos/<int:photo_id>/", views.visit_photo, name="visit_photo"),
]
