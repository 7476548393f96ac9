from django.urls import path

from fupin.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("export/", views.export, name="export"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/errors.xlsx", views.job_errors, name="job_errors"),
]
