"""The pages every signed-in person has whatever their role: the secondary area of the
navigation ("Settings and tools") and signing out."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.views.generic import TemplateView

from .navigation import tools_for


class ToolsView(TemplateView):
    """Settings and technical pages, kept out of the main navigation (issue 25). Signed-in
    people only (LoginRequiredMiddleware); each link is one the person may open."""

    template_name = "tools.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tools=tools_for(self.request.user), **kwargs)


class SignOutView(auth_views.LogoutView):
    """Sign out, and say so on the page it lands on (issue 25: nothing confirmed it)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out")
        return response
