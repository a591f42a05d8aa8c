"""The "Import contracts" pages: upload, columns, preview, confirm, summary. Thin: services do the work.

An import is its team's: anyone who may add contracts to that team sees it (access.policy decides
the teams); for anyone else its address answers "not found".
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from access import policy
from common.views import Permission as BasePermission

from . import parsing, reading, services
from .forms import MappingForm, UploadForm
from .models import RegisterImport
from .samples import template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Permission(BasePermission):
    permission_required = "contracts.add_contract"


def imports_for(user):
    return RegisterImport.objects.filter(team__in=policy.teams_for(user)).select_related("team", "officer")


class ImportStartView(Permission, FormView):
    template_name = "registers/start.html"
    form_class = UploadForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        recent = imports_for(self.request.user).defer("preview")[:10]
        return super().get_context_data(recent=recent, fields=parsing.FIELDS, **kwargs)

    def form_valid(self, form):
        upload, team = form.cleaned_data["file"], form.cleaned_data["team"]
        data = upload.read()
        try:
            headers, mapping = services.register_headers(data=data, team=team)
        except reading.UnreadableFile as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        register_import = services.register_import_create(
            team=team, officer=self.request.user, filename=upload.name, data=data, headers=headers, mapping=mapping
        )
        return redirect("registers:import-columns", pk=register_import.pk)


@permission_required("contracts.add_contract", raise_exception=True)
def import_template(request):
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="contracts-register-template.xlsx"'
    return response


class ImportMappingView(Permission, FormView):
    """The columns of the file, each with the field it fills: guessed, shown, correctable, remembered."""

    template_name = "registers/columns.html"
    form_class = MappingForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.register_import = get_object_or_404(imports_for(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        imported = self.register_import
        return {
            **super().get_form_kwargs(),
            "headers": imported.headers,
            "mapping": imported.mapping,
            "examples": self._examples(),
        }

    def _examples(self) -> list[str]:
        try:
            table = reading.read_table(services.register_file(self.register_import), parsing.header_score)
        except (reading.UnreadableFile, services.FileGone):
            return []
        first = next(table.rows, (0, []))[1]
        table.rows.close()
        return [parsing.shown(cell)[:60] if cell is not None else "" for cell in first]

    def get_context_data(self, **kwargs):
        return super().get_context_data(register_import=self.register_import, **kwargs)

    def form_valid(self, form):
        register_import = self.register_import
        if register_import.status not in (
            RegisterImport.Status.UPLOADED,
            RegisterImport.Status.PREVIEWED,
            RegisterImport.Status.FAILED,
        ):
            return redirect("registers:import-preview", pk=register_import.pk)
        register_import.mapping = form.cleaned_data["mapping"]
        register_import.save(update_fields=["mapping", "updated_at"])
        services.mapping_remember(
            team=register_import.team, headers=register_import.headers, mapping=register_import.mapping
        )
        services.register_import_start(register_import=register_import, action="preview")
        return redirect("registers:import-preview", pk=register_import.pk)


class ImportPreviewView(Permission, View):
    """The preview (or the progress bar while it runs), the confirm button, and the summary after."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.register_import = get_object_or_404(imports_for(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return TemplateView.as_view(template_name="registers/preview.html", extra_context=self.context())(request)

    def context(self, **extra) -> dict:
        imported = self.register_import
        preview = imported.preview or {}
        mapping = [
            {"header": header, "field": parsing.FIELDS[key][0] if key else "Not imported"}
            for header, key in zip(imported.headers, imported.mapping)
        ]
        return {
            "register_import": imported,
            "preview": preview,
            "summary": imported.summary,
            "mapping": mapping,
            "errors": [p for p in preview.get("problems", []) if p["severity"] == parsing.ERROR],
            "warnings": [p for p in preview.get("problems", []) if p["severity"] == parsing.WARNING],
            "refresh": imported.is_running,
            "today": timezone.localdate(),
            **extra,
        }

    def post(self, request, pk):
        imported = self.register_import
        if imported.status != RegisterImport.Status.PREVIEWED:
            return redirect("registers:import-preview", pk=imported.pk)
        if "choose" in request.POST:
            # The officer's answers for names that nearly match a known organisation.
            allowed = {c["key"]: {str(o["pk"]) for o in c["near"]} for c in imported.preview.get("near", [])}
            choices = dict(imported.organisation_choices)
            for key, options in allowed.items():
                answer = request.POST.get(f"near-{key}", "")
                if answer == "new" or answer in options:
                    choices[key] = answer
            imported.organisation_choices = choices
            imported.save(update_fields=["organisation_choices", "updated_at"])
            services.register_import_start(register_import=imported, action="preview")
            return redirect("registers:import-preview", pk=imported.pk)
        if not imported.preview.get("can_commit"):
            return redirect("registers:import-preview", pk=imported.pk)
        services.register_import_start(register_import=imported, action="commit")
        return redirect("registers:import-preview", pk=imported.pk)
