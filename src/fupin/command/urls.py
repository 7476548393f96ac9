from django.urls import path

from fupin.command import views

app_name = "command"

urlpatterns = [
    path("", views.chart, name="county"),
    path("contacts/", views.contacts, name="contacts"),
    path("leaders/", views.leaders, name="leaders"),
    path("leaders/<int:leader_id>/", views.leader, name="leader"),
    path("<str:area_code>/", views.chart, name="chart"),
]
