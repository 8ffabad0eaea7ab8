"""Character n-gram similarity of report descriptions, Chinese and English."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.textsim import (
    address_agreement,
    address_numbers,
    dominant_script,
    normalize,
    profile_similarity,
    text_profile,
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


@pytest.mark.parametrize("character", ["\u4e00", "\u9fff", "\u3400", "\u4dbf"])
def test_cjk_unified_ideographs_and_extension_a_count_as_han_up_to_their_ends(character):
    assert dominant_script(character) == "han"


def test_a_script_dominates_from_exactly_two_thirds_of_the_letters():
    assert dominant_script("井盖a") == "han"
    assert dominant_script("ab井") == "latin"
    assert dominant_script("井a") == ""
    assert dominant_script("路灯坏ab") == ""


def test_only_han_and_ascii_letters_are_counted_towards_a_script():
    assert dominant_script("井盖123 !") == "han"
    assert dominant_script("井盖éé") == "han"
    assert dominant_script("ééé") == ""
    assert dominant_script("ＡＢ井") == "latin"


def test_han_characters_weigh_as_unigrams_and_adjacent_pairs_as_bigrams():
    profile = text_profile("井盖坏")
    assert dict(profile.weights) == pytest.approx(
        {"1:井": 0.4, "1:盖": 0.4, "1:坏": 0.4, "2:井盖": 1.0, "2:盖坏": 1.0}
    )
    assert profile.total == pytest.approx(3.2)
    assert profile.content == {"2:井盖", "2:盖坏"}


def test_a_feature_that_recurs_counts_once_per_occurrence():
    profile = text_profile("路灯路灯")
    assert dict(profile.weights) == pytest.approx({"1:路": 0.8, "1:灯": 0.8, "2:路灯": 2.0, "2:灯路": 1.0})
    assert profile.total == pytest.approx(4.6)


def test_filler_character_and_the_bigram_touching_it_weigh_a_quarter():
    profile = text_profile("井盖的")
    assert dict(profile.weights) == pytest.approx(
        {"1:井": 0.4, "1:盖": 0.4, "1:的": 0.1, "2:井盖": 1.0, "2:盖的": 0.25}
    )
    assert profile.total == pytest.approx(2.15)
    assert profile.content == {"2:井盖"}


def test_boilerplate_bigram_makes_both_its_characters_filler():
    profile = text_profile("发现井盖")
    assert dict(profile.weights) == pytest.approx(
        {"1:发": 0.1, "1:现": 0.1, "1:井": 0.4, "1:盖": 0.4, "2:发现": 0.25, "2:现井": 0.25, "2:井盖": 1.0}
    )
    assert profile.total == pytest.approx(2.5)
    assert profile.content == {"2:井盖"}


def test_boilerplate_alone_has_no_distinctive_content():
    profile = text_profile("存在安全隐患")
    assert profile.total == pytest.approx(6 * 0.1 + 5 * 0.25)
    assert profile.content == frozenset()


def test_latin_words_add_character_trigrams_and_pair_with_a_space():
    profile = text_profile("broken tap")
    assert dict(profile.weights) == pytest.approx(
        {
            "1:broken": 0.4,
            "3:^br": 0.3,
            "3:bro": 0.3,
            "3:rok": 0.3,
            "3:oke": 0.3,
            "3:ken": 0.3,
            "3:en$": 0.3,
            "1:tap": 0.4,
            "3:^ta": 0.3,
            "3:tap": 0.3,
            "3:ap$": 0.3,
            "2:broken tap": 1.0,
        }
    )
    assert profile.total == pytest.approx(4.5)
    assert profile.content == {"1:broken", "1:tap", "2:broken tap"}


def test_latin_words_of_two_letters_get_no_trigrams_and_are_not_content():
    profile = text_profile("tv broken")
    assert dict(profile.weights) == pytest.approx(
        {
            "1:tv": 0.4,
            "1:broken": 0.4,
            "3:^br": 0.3,
            "3:bro": 0.3,
            "3:rok": 0.3,
            "3:oke": 0.3,
            "3:ken": 0.3,
            "3:en$": 0.3,
            "2:tv broken": 1.0,
        }
    )
    assert profile.total == pytest.approx(3.6)
    assert profile.content == {"1:broken", "2:tv broken"}


def test_english_filler_word_is_down_weighted_and_gets_no_trigrams():
    profile = text_profile("the pipe")
    assert dict(profile.weights) == pytest.approx(
        {
            "1:the": 0.1,
            "1:pipe": 0.4,
            "3:^pi": 0.3,
            "3:pip": 0.3,
            "3:ipe": 0.3,
            "3:pe$": 0.3,
            "2:the pipe": 0.25,
        }
    )
    assert profile.total == pytest.approx(1.95)
    assert profile.content == {"1:pipe"}


def test_a_run_of_digits_is_one_symbol_without_trigrams():
    profile = text_profile("井盖123")
    assert dict(profile.weights) == pytest.approx(
        {"1:井": 0.4, "1:盖": 0.4, "1:123": 0.4, "2:井盖": 1.0, "2:盖 123": 1.0}
    )
    assert profile.content == {"2:井盖", "2:盖 123"}


def test_content_holds_the_address_numbers_too():
    profile = text_profile("文三路115号漏水")
    assert profile.addresses == {"n:115"}
    assert profile.content == {"2:文三", "2:三路", "2:路 115", "2:115 号", "2:号漏", "2:漏水", "n:115"}


def test_a_single_character_is_a_description_of_its_own():
    assert text_profile("灯")
    assert not text_profile("，。！")
    assert text_similarity("灯", "灯") == pytest.approx(1.0)


def test_similarity_is_the_weighted_dice_coefficient():
    # Shared: 井, 盖 (0.4 each) and 井盖 (1.0) out of 3.2 on each side.
    assert text_similarity("井盖坏", "井盖破") == pytest.approx(2 * 1.8 / 6.4)
    assert text_similarity("井盖坏", "路灯不亮") == 0.0
    assert profile_similarity(text_profile("井盖坏"), text_profile("")) == 0.0


def test_a_shared_feature_counts_at_the_smaller_of_its_two_weights():
    # 路, 灯 and 路灯 are shared; the text that says it once holds them at 0.4, 0.4 and 1.0.
    assert text_similarity("路灯路灯", "路灯") == pytest.approx(2 * 1.8 / (4.6 + 1.8))
    assert text_similarity("路灯", "路灯路灯") == pytest.approx(2 * 1.8 / (4.6 + 1.8))
    # 漏水漏水漏水 holds 漏, 水 at 1.2 and 漏水 at 3.0 (total 7.4); 楼下漏水了 at 0.4, 0.4, 1.0
    # (total 4.95); 水漏 is not shared.
    assert text_similarity("漏水漏水漏水", "楼下漏水了") == pytest.approx(2 * 1.8 / (7.4 + 4.95))
    assert text_similarity("楼下漏水了", "漏水漏水漏水") == pytest.approx(2 * 1.8 / (7.4 + 4.95))


def test_same_words_in_another_order_score_exactly_one_never_more():
    # The same features summed in another order can round above 1.
    assert text_similarity("路灯不亮路灯3号楼不亮", "路灯3号楼不亮路灯不亮") == 1.0


_texts = st.text(alphabet=st.sampled_from("井盖破损路灯不亮楼下了的在，。 abcXYZ123！"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(a=_texts, b=_texts)
def test_similarity_is_symmetric_and_between_zero_and_one(a, b):
    forward, backward = text_similarity(a, b), text_similarity(b, a)
    assert forward == pytest.approx(backward)
    assert 0.0 <= forward <= 1.0
