from django.urls import path

from fupin.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("<int:household_id>/", views.household_detail, name="household_detail"),
]
