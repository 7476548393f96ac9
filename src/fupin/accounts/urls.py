from django.contrib.auth import views as auth_views
from django.urls import path

from fupin.accounts.views import LoginView

app_name = "accounts"
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    # Django 5 logs out on POST only; the header holds the form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
