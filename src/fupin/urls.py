from django.urls import include, path
from django.views.generic import RedirectView

from fupin.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="registry:household_list"), name="home"),
    path("accounts/", include("fupin.accounts.urls")),
    path("households/", include("fupin.registry.urls")),
    path("exchange/", include("fupin.exchange.urls")),
    path("policy/", include("fupin.policy.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
