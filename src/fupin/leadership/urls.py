from django.urls import URLPattern

app_name = "leadership"

urlpatterns: list[URLPattern] = []
