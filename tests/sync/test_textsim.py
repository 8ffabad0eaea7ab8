"""Character n-gram similarity of report descriptions, Chinese and English."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.textsim import (
    address_agreement,
    address_numbers,
    dominant_script,
    normalize,
    text_similarity,
)


def test_chinese_paraphrase_scores_above_unrelated_text():
    paraphrase = text_similarity("楼下井盖破损", "井盖破了，在楼下")
    unrelated = text_similarity("楼下井盖破损", "路灯不亮")
    assert paraphrase > 0.5
    assert unrelated < 0.1


def test_synonymous_chinese_phrasings_share_some_similarity():
    assert text_similarity("井盖破损", "井盖坏了") > text_similarity("井盖破损", "垃圾堆放") + 0.2


def test_identical_text_scores_one():
    assert text_similarity("路灯不亮", "路灯不亮") == pytest.approx(1.0)


def test_full_width_letters_digits_and_punctuation_fold_to_plain_ones():
    assert normalize("Ｈｅｌｌｏ，　世界！１２３") == "hello世界123"
    assert text_similarity("ＡＢＣ，１２３号楼", "abc 123号楼") == pytest.approx(1.0)


def test_punctuation_and_spaces_do_not_change_similarity():
    assert text_similarity("井盖 破损！！", "井盖破损。") == pytest.approx(1.0)


def test_empty_text_is_similar_to_nothing():
    assert text_similarity("", "") == 0.0
    assert text_similarity("，。！", "井盖破损") == 0.0


def test_shared_filler_characters_count_less_than_shared_content():
    shared_filler = text_similarity("在这里的了有", "在这里的了有路灯坏了")
    shared_content = text_similarity("路灯坏了", "在这里的了有路灯坏了")
    assert shared_content > shared_filler


def test_boilerplate_alone_does_not_make_reports_alike():
    assert text_similarity("发现楼道堆放杂物，存在安全隐患", "发现路面破损，存在安全隐患") < 0.3


def test_english_word_forms_still_match():
    assert text_similarity("street light broken", "streetlight broke") > 0.4
    assert text_similarity("broken manhole cover", "street light not working") < 0.1


def test_different_building_numbers_keep_otherwise_equal_text_apart():
    assert text_similarity("3号楼下井盖破损", "5号楼下井盖破损") < text_similarity("3号楼下井盖破损", "3号楼下井盖破损")


def test_building_and_street_numbers_are_read_from_chinese_and_english():
    assert address_numbers("翠苑二区27号楼旁顶楼违建") == {"b:27"}
    assert address_numbers("18幢单元门口") == {"b:18"}
    assert address_numbers("文三路115号门口") == {"n:115"}
    assert address_numbers("Noise at block 9, outside No. 94") == {"b:9", "n:94"}
    assert address_numbers("停了2辆车") == frozenset()


def test_address_numbers_agree_disagree_or_cannot_be_compared():
    assert address_agreement(address_numbers("3号楼下"), address_numbers("3幢门口")) == 1
    assert address_agreement(address_numbers("3号楼下"), address_numbers("5号楼下")) == -1
    assert address_agreement(address_numbers("3号楼下"), address_numbers("文三路5号")) is None


def test_dominant_script_tells_chinese_from_english():
    assert dominant_script("井盖破损，在3号楼") == "han"
    assert dominant_script("Broken manhole cover near building 3") == "latin"
    assert dominant_script("") == ""


_texts = st.text(alphabet=st.sampled_from("井盖破损路灯不亮楼下了的在，。 abcXYZ123！"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(a=_texts, b=_texts)
def test_similarity_is_symmetric_and_between_zero_and_one(a, b):
    forward, backward = text_similarity(a, b), text_similarity(b, a)
    assert forward == pytest.approx(backward)
    assert 0.0 <= forward <= 1.0
