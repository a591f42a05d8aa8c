"""Detail addresses per row come from one reversal per URL name (issue 24), and are the
addresses ``reverse`` gives, under any script prefix or URL configuration."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings
from django.urls import reverse, set_script_prefix

from common.urls import reverse_pk

NAMES = ["contracts:detail", "commissioning:cycle-detail", "commissioning:milestone-detail", "notices:notice-detail"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 42, 918273645, 10**12])
def test_reverse_pk_gives_what_reverse_gives(name, pk):
    assert reverse_pk(name, pk) == reverse(name, args=[pk])


def test_a_script_prefix_is_kept():
    try:
        set_script_prefix("/tracker/")
        assert reverse_pk("contracts:detail", 7) == "/tracker/contracts/7/" == reverse("contracts:detail", args=[7])
    finally:
        set_script_prefix("/")
    assert reverse_pk("contracts:detail", 7) == "/contracts/7/"


@override_settings(ROOT_URLCONF="bench.urls")
def test_another_url_configuration_is_reversed_on_its_own():
    assert reverse_pk("contracts:detail", 7) == reverse("contracts:detail", args=[7])


@pytest.mark.parametrize("name", ["contracts:organisation-detail", "notices:duty-status", "notices:duty-status-reopen"])
def test_the_url_pk_tag_gives_what_the_url_tag_gives(name):
    from django.template import Context, Template

    both = Template("{% load govuk %}{% url_pk name pk %}|{% url name pk %}").render(Context({"name": name, "pk": 31}))
    tagged, plain = both.split("|")
    assert tagged == plain == reverse(name, args=[31])
