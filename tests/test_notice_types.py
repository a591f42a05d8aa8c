"""The seventeen Procurement Act notices, named as Find a Tender names them."""

from notices.notice_types import OCDS_PLACE, NoticeType, notice_type_label


def test_there_are_seventeen_notice_types_each_with_a_place_in_ocds():
    assert NoticeType.values == [f"UK{number}" for number in range(1, 18)]
    assert set(OCDS_PLACE) == set(NoticeType.values)
    assert {section for section, _ in OCDS_PLACE.values()} == {"planning", "tender", "awards", "contracts"}


def test_the_names_are_the_acts():
    assert notice_type_label("UK1") == "UK1 pipeline notice"
    assert notice_type_label("UK2") == "UK2 preliminary market engagement notice"
    assert notice_type_label("UK6") == "UK6 contract award notice"
    assert notice_type_label("UK7") == "UK7 contract details notice"
    assert notice_type_label("UK10") == "UK10 contract change notice"
    assert notice_type_label("UK11") == "UK11 contract termination notice"
    assert notice_type_label("UK17") == "UK17 payments compliance notice"
    assert notice_type_label("UK99") == "UK99"
