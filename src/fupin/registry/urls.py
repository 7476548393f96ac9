from django.urls import path

from fupin.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("export.csv", views.household_export, name="household_export"),
    path("new/", views.household_create, name="household_create"),
    path("<int:household_id>/", views.household_detail, name="household_detail"),
    path("<int:household_id>/edit/", views.household_edit, name="household_edit"),
    path("<int:household_id>/head/", views.head_change, name="head_change"),
    path("<int:household_id>/income/", views.income_set, name="income_set"),
    path("<int:household_id>/expense/", views.expense_set, name="expense_set"),
    path("<int:household_id>/hardship/", views.hardship_add, name="hardship_add"),
    path("<int:household_id>/members/new/", views.member_add, name="member_add"),
    path("<int:household_id>/members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path(
        "<int:household_id>/members/<int:member_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
]
