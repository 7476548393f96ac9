from django.contrib.auth import views as auth_views
from django.urls import path

from fupin.accounts import views
from fupin.accounts.views import LoginView

app_name = "accounts"
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    # Django 5 logs out on POST only; the header holds the form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/roles/new/", views.role_assign, name="role_assign"),
    path("users/<int:user_id>/password/", views.password_reset, name="password_reset"),
]
