from __future__ import annotations

from django import forms

from common.team_choice import TeamByNameMixin

from . import parsing

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(TeamByNameMixin, forms.Form):
    team = forms.ModelChoiceField(queryset=None, empty_label=None, help_text="The team the contracts belong to")
    file = forms.FileField(
        label="Register file",
        help_text="A CSV or Excel (.xlsx) file: your own register, the template, or your Transparency Code contracts file",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_teams(user, help_text="The team the contracts belong to: type part of its name")

    def clean(self):
        cleaned = super().clean()
        self.team_from_name(cleaned)
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 20 MB")
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("The file must be a CSV or an Excel .xlsx file")
        return upload


FIELD_CHOICES = [("", "Do not import this column")] + [(key, label) for key, (label, _) in parsing.FIELDS.items()]


class MappingForm(forms.Form):
    """One choice per column of the file: which field it fills."""

    def __init__(self, *args, headers: list[str], mapping: list[str], examples: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or f"Column {index + 1} (no heading)",
                choices=FIELD_CHOICES,
                required=False,
                initial=mapping[index] if index < len(mapping) else "",
                help_text=f"For example: {examples[index]}" if index < len(examples) and examples[index] else "",
            )
            self.columns.append(name)

    def clean(self):
        cleaned = super().clean()
        mapping = [cleaned.get(name, "") for name in self.columns]
        chosen = [key for key in mapping if key]
        twice = sorted({parsing.FIELDS[key][0] for key in chosen if chosen.count(key) > 1})
        for label in twice:
            self.add_error(None, f"{label} is chosen for more than one column: choose it once")
        for problem in parsing.mapping_problems(mapping):
            self.add_error(None, problem)
        cleaned["mapping"] = mapping
        return cleaned
