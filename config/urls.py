"""URL configuration. Every page requires a signed-in officer (LoginRequiredMiddleware)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from access.two_factor import SecondFactorSetupView, SecondFactorVerifyView
from access.views import AuditView
from commissioning.views.dashboard import DashboardView

from .views import SignOutView, ToolsView

urlpatterns = [
    path("contracts/import/", include("registers.urls")),
    path("contracts/", include("contracts.urls")),
    path("reminders/", include("reminders.urls")),
    path("reports/", include("reports.urls")),
    path("notices/", include("notices.urls")),
    path("exports/", include("exports.urls")),
    path("api/", include("api.urls")),
    # The dashboard ("commissioning:dashboard") is at the site root.
    path("", include("commissioning.urls")),
    # "home" is the same page under a short name that any app can link to.
    path("", DashboardView.as_view(), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("tools/", ToolsView.as_view(), name="tools"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("audit/", AuditView.as_view(), name="audit"),
    path("ops/", include("ops.urls")),
    path("accounts/two-step/", SecondFactorSetupView.as_view(), name="two-factor-setup"),
    path("accounts/two-step/verify/", SecondFactorVerifyView.as_view(), name="two-factor-verify"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Commissioning tracker administration"
admin.site.site_title = "Commissioning tracker"

handler403 = "access.views.permission_denied"
handler404 = "access.views.page_not_found"
