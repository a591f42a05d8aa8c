"""Notice pages: the list, one notice, one release, importing OCDS, recording a notice, the
duties' actions, choosing between disagreeing sources, and OCDS downloads.

Thin: reads and look-ups go through ``access.policy``, so another team's notice answers 404;
writes come from ``services`` and ``ocds.loader``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, TemplateView

from access import policy
from commissioning import services as cover_services
from commissioning.models import CommissioningCycle
from commissioning.views.gaps import warn_of_gaps_opened
from common.keyset import Key, keyset_page_asked
from common.views import Permission, ServiceFormMixin
from contracts.models import Contract
from exports.filenames import download_name, set_download_name

from . import services
from .forms import ImportForm, LimitedUpload, NotApplicableForm, RecordNoticeForm
from .models import Conflict, Duty
from .ocds import exporter, jsontext
from .ocds.loader import ImportLimits, ImportOptions, Outcome, import_releases, survey
from .ocds.reader import HostileFile

NOTICES_PAGE_SIZE = 50
# The list's order, newest first, for ``common.keyset.keyset_page``.
NOTICE_KEYS = [Key("published_at", descending=True), Key("pk", descending=True)]
# The result page lists this many releases of each kind; the rest are counted.
SHOWN_OUTCOMES = services.SHOWN_OUTCOMES
# An upload of more releases than this is imported by a worker (some 40 releases a second,
# docs/benchmarks.md: 20 take about half a second). Setting OCDS_UPLOAD_INLINE_RELEASES.
DEFAULT_INLINE_RELEASES = 20
# ... or a few releases that hold many notices, milestones or lots (a seed release holds about 10).
INLINE_WORK_PER_RELEASE = 10


def inline_releases() -> int:
    return int(getattr(settings, "OCDS_UPLOAD_INLINE_RELEASES", DEFAULT_INLINE_RELEASES))


def _pretty(raw: str) -> str:
    try:
        return jsontext.dumps(jsontext.loads(raw), indent=2)
    except ValueError:
        return raw


class NoticeListView(Permission, TemplateView):
    permission_required = "notices.view_notice"
    template_name = "notices/notice_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        notices = policy.notices_visible_to(user).select_related("cycle")
        # Keyset pagination, newest first: never OFFSET (common.keyset).
        page = keyset_page_asked(
            notices,
            NOTICE_KEYS,
            size=NOTICES_PAGE_SIZE,
            query=self.request.GET,
        )
        return super().get_context_data(
            page=page,
            can_import=user.has_perm("notices.add_notice"),
            open_conflicts=policy.conflicts_visible_to(user)
            .filter(status=Conflict.Status.OPEN)
            .select_related("cycle")[:50],
            **kwargs,
        )


class NoticeDetailView(Permission, DetailView):
    permission_required = "notices.view_notice"
    template_name = "notices/notice_detail.html"
    context_object_name = "notice"

    def get_queryset(self):
        return policy.notices_visible_to(self.request.user).select_related("cycle", "source_release", "recorded_by")

    def get_context_data(self, **kwargs):
        notice = self.object
        return super().get_context_data(
            contracts=policy.contracts_visible_to(self.request.user, notice.contracts.all()).order_by("reference"),
            duties=notice.duties_met.select_related("contract", "cycle"),
            history=notice.history.select_related("history_user").order_by("-history_date", "-history_id"),
            **kwargs,
        )


class ReleaseDetailView(Permission, DetailView):
    permission_required = "notices.view_notice"
    template_name = "notices/release_detail.html"
    context_object_name = "release"

    def get_queryset(self):
        return policy.releases_visible_to(self.request.user).select_related("cycle", "buyer", "imported_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(pretty_json=_pretty(self.object.raw_json), **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
class ImportView(Permission, View):
    """Upload an OCDS file; each release is imported on its own and the page lists what happened.

    Django reads an upload before the view runs. To refuse a file over the limit without
    writing it to disk, the upload handlers are replaced first, which must happen before the
    CSRF check reads the form: hence csrf_exempt here and csrf_protect on ``post``
    (https://docs.djangoproject.com/en/5.2/topics/http/file-uploads/#modifying-upload-handlers-on-the-fly).
    """

    permission_required = "notices.add_notice"
    template_name = "notices/import_form.html"

    def get(self, request):
        return self._form(request, ImportForm(user=request.user))

    def _form(self, request, form):
        # The officer's own background imports, so that one they left can be found again.
        jobs = policy.import_jobs_visible_to(request.user).filter(officer=request.user)[:10]
        return render(request, self.template_name, {"form": form, "jobs": jobs}, status=200)

    def post(self, request):
        limiter = LimitedUpload(request)
        request.upload_handlers = [limiter, MemoryFileUploadHandler(request), TemporaryFileUploadHandler(request)]
        return csrf_protect(self._post)(request, limiter)

    def _post(self, request, limiter: LimitedUpload):
        data, files = request.POST, request.FILES  # reads the upload through the limiter
        too_big = (limiter.size or True) if limiter.too_big else False
        form = ImportForm(data, files, user=request.user, too_big=too_big)
        if not form.is_valid():
            return self._form(request, form)
        # The officer's own rights (access.policy) decide what the import may change.
        options = ImportOptions(
            officer=request.user,
            team=form.cleaned_data["team"],
            create_buyers=form.cleaned_data["create_buyers"],
        )
        upload = form.cleaned_data["file"]
        stream = upload.open("rb")
        # Read once, writing nothing: a file nested too deeply or over the limits is refused whole.
        try:
            counted = survey(stream, ImportLimits.from_settings())
        except HostileFile as error:
            form.add_error("file", str(error))
            return self._form(request, form)
        stream.seek(0)
        if counted.releases > inline_releases() or counted.work > INLINE_WORK_PER_RELEASE * inline_releases():
            # Too long to import while the officer waits: a worker imports it, the page shows progress.
            job = services.import_job_start(
                upload=upload,
                officer=request.user,
                team=options.team,
                create_buyers=options.create_buyers,
                total=counted.releases,
            )
            return redirect(job)
        counts = {Outcome.IMPORTED: 0, Outcome.UNCHANGED: 0, Outcome.REFUSED: 0, Outcome.UNREADABLE: 0}
        shown: dict[str, list[Outcome]] = {key: [] for key in counts}
        # A notice moving a start date may leave a service with no contract: the page names each gap.
        with stream, cover_services.gaps_opened_by_change(officer=request.user) as opened:
            for outcome in import_releases(stream, options):
                counts[outcome.status] += 1
                if len(shown[outcome.status]) < SHOWN_OUTCOMES:
                    shown[outcome.status].append(outcome)
        return render(
            request,
            "notices/import_result.html",
            {
                "file_name": upload.name,
                "counts": counts,
                "shown": shown,
                "limit": SHOWN_OUTCOMES,
                "gaps_opened": [gap.words for gap in opened],
            },
        )


class ImportProgressView(Permission, DetailView):
    """How far a worker has got with an uploaded file; once it is over, what happened to each release."""

    permission_required = "notices.view_notice"  # and only the uploader's own (access.policy)
    template_name = "notices/import_progress.html"
    context_object_name = "job"

    def get_queryset(self):
        return policy.import_jobs_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        job = self.object
        return super().get_context_data(
            file_name=job.file_name,
            counts=job.counts,
            shown=job.shown,
            limit=SHOWN_OUTCOMES,
            gaps_opened=job.gaps_opened,
            **kwargs,
        )


def _subject_from_query(request) -> tuple[Contract | None, CommissioningCycle | None, Duty | None]:
    """The contract, cycle or duty a notice is recorded for (?contract=, ?cycle= or ?duty=)."""
    user = request.user
    try:
        if duty_id := request.GET.get("duty"):
            duty = get_object_or_404(policy.duties_visible_to(user), pk=int(duty_id))
            if duty.contract_id:
                return policy.editable_contract_or_deny(user, pk=duty.contract_id), None, duty
            return None, policy.visible_cycle_or_404(user, pk=duty.cycle_id), duty
        if contract_id := request.GET.get("contract"):
            return policy.editable_contract_or_deny(user, pk=int(contract_id)), None, None
        if cycle_id := request.GET.get("cycle"):
            return None, policy.visible_cycle_or_404(user, pk=int(cycle_id)), None
    except ValueError:
        raise Http404("No such contract, cycle or duty") from None
    return None, None, None


def _subject_url(contract, cycle) -> str:
    url = (contract or cycle).get_absolute_url()
    return f"{url}#duties" if cycle is not None else f"{url}#notices"


class RecordNoticeView(Permission, ServiceFormMixin, FormView):
    """Record a notice the team published, for a contract or a cycle, or for one duty."""

    permission_required = "notices.add_notice"
    template_name = "notices/record_form.html"
    form_class = RecordNoticeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.contract, self.cycle, self.duty = _subject_from_query(request)
            if self.contract is None and self.cycle is None:
                if request.method != "GET":
                    raise Http404("Record a notice from a contract's or a cycle's page")
                return render(request, "notices/record_choose.html")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"notice_type": self.duty.notice_type} if self.duty else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.contract or self.cycle, duty=self.duty, **kwargs)

    def call_service(self, form):
        return services.notice_record(
            contract=self.contract,
            cycle=self.cycle,
            duty=self.duty,
            officer=self.request.user,
            today=timezone.localdate(),
            **form.cleaned_data,
        )

    def service_succeeded(self, form, notice):
        messages.success(self.request, f"{notice.get_notice_type_display()} recorded")
        return redirect(_subject_url(self.contract, self.cycle))


def _editable_duty(request, pk: int) -> Duty:
    duty = get_object_or_404(policy.duties_visible_to(request.user), pk=pk)
    if duty.contract_id:
        policy.editable_contract_or_deny(request.user, pk=duty.contract_id)
    return duty


class DutyNotApplicableView(Permission, ServiceFormMixin, FormView):
    """Record that a duty does not apply, and why; the reason stays on the duty and in its history."""

    permission_required = "notices.change_duty"
    template_name = "notices/not_applicable_form.html"
    form_class = NotApplicableForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.duty = _editable_duty(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(duty=self.duty, **kwargs)

    def call_service(self, form):
        return services.duty_not_applicable(
            duty=self.duty, reason=form.cleaned_data["reason"], officer=self.request.user, today=timezone.localdate()
        )

    def service_succeeded(self, form, duty):
        messages.success(self.request, f"Recorded that it does not apply: {self.duty.title}")
        return redirect(_subject_url(self.duty.contract, self.duty.cycle))


class DutyReopenView(Permission, View):
    permission_required = "notices.change_duty"

    def get(self, request, pk):
        # Only a POST reopens; a GET says so, once it is clear the duty is one the user may see.
        _editable_duty(request, pk)
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, pk):
        duty = _editable_duty(request, pk)
        try:
            services.duty_reopen(duty=duty, officer=request.user, today=timezone.localdate())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The duty applies again: {duty.title}")
        return redirect(_subject_url(duty.contract, duty.cycle))


class ConflictDetailView(Permission, DetailView):
    """Both values side by side, and the two choices (each a POST)."""

    permission_required = "notices.view_conflict"
    template_name = "notices/conflict_detail.html"
    context_object_name = "conflict"

    def get_queryset(self):
        return policy.conflicts_visible_to(self.request.user).select_related(
            "cycle", "contract", "milestone", "release", "resolved_by"
        )

    def get_context_data(self, **kwargs):
        conflict = self.object
        can_change = self.request.user.has_perm("notices.change_conflict") and (
            conflict.contract_id is None
            or policy.contracts_editable_by(self.request.user).filter(pk=conflict.contract_id).exists()
        )
        can_resolve = can_change and conflict.is_open
        return super().get_context_data(
            can_resolve=can_resolve,
            # What the notice's value would change, checked as the save will be, shown before the button.
            consequence=services.conflict_consequences(conflict=conflict) if can_resolve else None,
            history=conflict.history.select_related("history_user").order_by("-history_date", "-history_id"),
            **kwargs,
        )


class ConflictResolveView(Permission, View):
    permission_required = "notices.change_conflict"

    def get(self, request, pk):
        get_object_or_404(policy.conflicts_visible_to(request.user), pk=pk)
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, pk):
        conflict = get_object_or_404(policy.conflicts_visible_to(request.user), pk=pk)
        if conflict.contract_id:
            policy.editable_contract_or_deny(request.user, pk=conflict.contract_id)
        choice = request.POST.get("choice")
        if choice not in ("notice", "tracker"):
            messages.error(request, "Choose which value to keep")
            return redirect(conflict)
        try:
            # A notice's new start date may leave a service with no contract: say which.
            with cover_services.gaps_opened_by_change(officer=request.user) as opened:
                services.conflict_resolve(
                    conflict=conflict, use_notice=choice == "notice", officer=request.user, today=timezone.localdate()
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(conflict)
        conflict.refresh_from_db()
        messages.success(request, f"Saved: {conflict.theirs if choice == 'notice' else conflict.ours}")
        warn_of_gaps_opened(request, opened)
        if conflict.milestone_id:
            return redirect(conflict.milestone)
        return redirect(conflict.contract if conflict.contract_id else conflict.cycle)


# --- OCDS downloads -----------------------------------------------------------------------


def _download(request, package: dict, file_name: str) -> HttpResponse:
    response = HttpResponse(exporter.to_json(package), content_type="application/json; charset=utf-8")
    return set_download_name(response, file_name)


class ExportCycleView(Permission, View):
    permission_required = "notices.view_notice"

    def get(self, request, pk):
        cycle = policy.visible_cycle_or_404(request.user, pk=pk)
        release = exporter.cycle_release(cycle)
        if release is None:  # no OCID, and no registered OCID prefix to give it one
            return render(request, "notices/nothing_to_export.html", {"no_ocid": True})
        package = exporter.release_package([release], uri=request.build_absolute_uri())
        return _download(request, package, download_name("cycle", str(cycle.pk), "ocds", extension="json"))


class ExportContractView(Permission, View):
    permission_required = "notices.view_notice"

    def get(self, request, pk):
        contract = policy.visible_contract_or_404(request.user, pk=pk)
        release = exporter.contract_release(contract)
        if release is None:  # no OCID, and no registered OCID prefix to give it one
            return render(request, "notices/nothing_to_export.html", {"no_ocid": True})
        package = exporter.release_package([release], uri=request.build_absolute_uri())
        return _download(request, package, download_name("contract", contract.reference, "ocds", extension="json"))


class ExportAllView(Permission, View):
    permission_required = "notices.view_notice"

    def get(self, request):
        user = request.user
        cycles = policy.cycles_visible_to(user).order_by("pk")
        contracts = (
            policy.contracts_visible_to(user)
            .select_related("buyer", "provider")
            .prefetch_related("options")
            .order_by("reference")
        )
        releases = exporter.releases_for_all(cycles, contracts)
        if not releases:
            # A release package must hold at least one release: say so instead of writing an invalid one.
            return render(request, "notices/nothing_to_export.html")
        package = exporter.release_package(releases, uri=request.build_absolute_uri())
        return _download(request, package, "commissioning-tracker-ocds.json")
