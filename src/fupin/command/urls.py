from django.urls import URLPattern

app_name = "command"

urlpatterns: list[URLPattern] = []
