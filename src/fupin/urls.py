from django.urls import include, path
from django.views.generic import RedirectView

from fupin.api import api
from fupin.procedures import views as procedure_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="registry:household_list"), name="home"),
    path("accounts/", include("fupin.accounts.urls")),
    path("households/", include("fupin.registry.urls")),
    path("exchange/", include("fupin.exchange.urls")),
    path("policy/", include("fupin.policy.urls")),
    path("procedures/", include("fupin.procedures.urls")),
    path("assistance/", include("fupin.assistance.urls")),
    path("command/", include("fupin.command.urls")),
    path("party/", include("fupin.party.urls")),
    path("leadership/", include("fupin.leadership.urls")),
    path("matching/", include("fupin.matching.urls")),
    path("api/", api.urls),
    # public, without login: notices on the web as on the village board
    path("notices/", procedure_views.public_notice_list, name="public_notice_list"),
    path("notices/<int:notice_id>/", procedure_views.public_notice, name="public_notice"),
    path("i18n/", include("django.conf.urls.i18n")),
]

# fupin's own pages (in Chinese, with an error code) for what Django answers itself.
handler400 = "fupin.core.views.bad_request"
handler403 = "fupin.core.views.permission_denied"
handler404 = "fupin.core.views.page_not_found"
handler500 = "fupin.core.views.crashed"
