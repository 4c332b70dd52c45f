"""Sentence splitting, spans and boilerplate marking on hand-checked texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance import settings
from provenance.models import BODY, BOILERPLATE
from provenance.segment import boilerplate_kind, paragraphs, split_passages

DATA = Path(__file__).parent / "data"
NTREX = [json.loads(line) for line in (DATA / "ntrex_sample.jsonl").read_text(encoding="utf-8").splitlines()]


def texts(passages):
    return [p.text for p in passages]


def assert_spans(text, passages):
    assert [p.idx for p in passages] == list(range(len(passages)))
    for passage in passages:
        assert text[passage.start : passage.end] == passage.text
        assert passage.text == passage.text.strip() and passage.text
    starts = [p.start for p in passages]
    assert starts == sorted(starts)


# --- sentences -----------------------------------------------------------------


def test_vietnamese_sentences_and_abbreviations():
    text = (
        "Bão Yagi đổ bộ vào TP. Hải Phòng sáng 7/9. Ông Nguyễn Văn A. cho biết nhiều nhà bị tốc mái… "
        'Người dân được sơ tán. "Chúng tôi rất lo", bà Lan nói. PGS. TS. Trần Văn Bình nhận định '
        "đây là cơn bão mạnh nhất. Đến năm 2024. 5 người đã thiệt mạng, theo Bộ Y tế."
    )
    passages = split_passages(text, "vi")
    assert texts(passages) == [
        "Bão Yagi đổ bộ vào TP. Hải Phòng sáng 7/9.",
        "Ông Nguyễn Văn A. cho biết nhiều nhà bị tốc mái…",
        "Người dân được sơ tán.",
        '"Chúng tôi rất lo", bà Lan nói.',
        "PGS. TS. Trần Văn Bình nhận định đây là cơn bão mạnh nhất.",
        "Đến năm 2024.",
        "5 người đã thiệt mạng, theo Bộ Y tế.",
    ]
    assert {p.lang for p in passages} == {"vi"}
    assert_spans(text, passages)


def test_english_sentences_and_abbreviations():
    text = (
        "Mr. Smith arrived in Washington at 7 a.m. on Monday. The U.S. Navy said Dr. Jones was safe. "
        '"We were lucky," she said. "Very lucky." Then the storm moved to St. Louis, officials said! '
        "Was it over? Not yet."
    )
    assert texts(split_passages(text, "en")) == [
        "Mr. Smith arrived in Washington at 7 a.m. on Monday.",
        "The U.S. Navy said Dr. Jones was safe.",
        '"We were lucky," she said.',
        '"Very lucky."',
        "Then the storm moved to St. Louis, officials said!",
        "Was it over?",
        "Not yet.",
    ]


def test_german_ordinals_and_abbreviations():
    text = (
        "Am 3. Oktober feiert Deutschland die Einheit. Das Tor fiel in der 89. Minute. "
        "Es kamen ca. 500 Gäste, z. B. aus Berlin. Das war im Jahr 2019. Danach wurde es ruhig."
    )
    assert texts(split_passages(text, "de")) == [
        "Am 3. Oktober feiert Deutschland die Einheit.",
        "Das Tor fiel in der 89. Minute.",
        "Es kamen ca. 500 Gäste, z. B. aus Berlin.",
        "Das war im Jahr 2019.",
        "Danach wurde es ruhig.",
    ]


def test_chinese_keeps_closing_quotes():
    text = "他说：“我们明天出发。”然后他走了。你好吗？我很好！（图为现场。）今天天气很好"
    passages = split_passages(text, "zh")
    assert texts(passages) == [
        "他说：“我们明天出发。”",
        "然后他走了。",
        "你好吗？",
        "我很好！",
        "（图为现场。）",
        "今天天气很好",
    ]
    assert_spans(text, passages)


def test_japanese_quote_followed_by_particle_stays_whole():
    text = "彼は「明日出発する。」と言った。今日は晴れです！そうですか？「行こう。」彼女は笑った。"
    assert texts(split_passages(text, "ja")) == [
        "彼は「明日出発する。」と言った。",
        "今日は晴れです！",
        "そうですか？",
        "「行こう。」",
        "彼女は笑った。",
    ]


def test_thai_is_cut_only_between_long_runs():
    short = "ฝนตกหนัก น้ำท่วม"  # two short clauses: kept together
    assert texts(split_passages(short, "th")) == [short]
    first = "กรมอุตุนิยมวิทยาประกาศเตือนประชาชนให้ระวังฝนตกหนักถึงหนักมากในหลายพื้นที่ของประเทศ"
    second = "เจ้าหน้าที่ได้เตรียมพร้อมรับมือกับสถานการณ์น้ำท่วมที่อาจเกิดขึ้นในช่วงสัปดาห์นี้"
    assert len(first) >= settings.THAI_MIN_SENTENCE_CHARS
    assert texts(split_passages(f"{first} {second}", "th")) == [first, second]


def test_pysbd_language():
    text = "Il sig. Rossi è arrivato a Roma. La tempesta è passata. Tutti stanno bene."
    passages = split_passages(text, "it")
    assert texts(passages) == ["Il sig. Rossi è arrivato a Roma.", "La tempesta è passata.", "Tutti stanno bene."]
    assert_spans(text, passages)


def test_unknown_language_uses_the_punctuation_rules():
    text = "한국 정부는 월요일에 새 예산안을 발표했다. 야당은 이에 반대했다. 국회는 다음 주에 표결한다."
    assert len(split_passages(text, "ko")) == 3


@pytest.mark.parametrize("lang", sorted({doc["lang"] for doc in NTREX}))
def test_ntrex_sentence_ends_are_found_again(lang):
    """Each sample document's lines joined into one paragraph and cut again: every
    line that ends a sentence (a headline has no full stop) ends a passage."""
    joiner = "" if lang in ("zh", "ja") else " "
    for doc in (doc for doc in NTREX if doc["lang"] == lang):
        text = joiner.join(doc["sentences"])
        passages = split_passages(text, lang)
        assert_spans(text, passages)
        passage_ends, offset = {p.end for p in passages}, 0
        for sentence in doc["sentences"][:-1]:
            offset += len(sentence)
            if sentence.rstrip("\"'”’»)」』").endswith(tuple(".!?。！？…")):
                assert offset in passage_ends, sentence
            offset += len(joiner)


# --- paragraphs, spans, long sentences -----------------------------------------


def test_paragraphs_by_blank_lines_else_by_lines():
    assert paragraphs("One. Two.\nStill one.\n\n  \nThree.") == [(0, 20), (25, 31)]
    assert paragraphs("One.\nTwo.\nThree.") == [(0, 4), (5, 9), (10, 16)]
    assert paragraphs("") == [] and paragraphs("\n\n \n") == []


def test_passages_carry_paragraph_numbers_and_spans():
    text = "Headline of the story\n\nFirst sentence here. Second sentence\nwraps onto a line.\n\nLast one."
    passages = split_passages(text, "en")
    assert [(p.para, p.text) for p in passages] == [
        (0, "Headline of the story"),
        (1, "First sentence here."),
        (1, "Second sentence\nwraps onto a line."),
        (2, "Last one."),
    ]
    assert_spans(text, passages)


def test_empty_text_has_no_passages():
    assert split_passages("", "en") == [] and split_passages(" \n\n ", "en") == []


def test_very_long_sentence_is_cut_at_clauses():
    clause = "the council said the harbour wall would be repaired before the winter storms arrive"
    text = "In its report, " + ", ".join([clause] * 20) + "."
    passages = split_passages(text, "en")
    assert len(passages) > 1
    assert all(len(p.text) <= settings.LONG_PASSAGE_CUT_CHARS for p in passages[:-1])
    assert all(len(p.text) <= settings.MAX_PASSAGE_CHARS for p in passages)
    assert all(p.text.endswith((",", ".")) for p in passages)
    assert_spans(text, passages)
    assert "".join(p.text for p in passages).replace(" ", "") == text.replace(" ", "")


def test_very_long_unspaced_text_is_cut_at_the_limit():
    text = "今天天气很好我们去公园散步" * 100
    passages = split_passages(text, "zh")
    assert [len(p.text) for p in passages] == [400, 400, 500]  # the rest fits in MAX_PASSAGE_CHARS
    assert_spans(text, passages)


# --- boilerplate -----------------------------------------------------------------

ENGLISH_PAGE = """Storm hits the coast

A strong storm reached the coast on Monday. Officials said schools would stay closed.
Rescue workers search a flooded street in the harbour district. Photo: Sky News
Shares of the power company fell 3% after the storm.

By the evening, power was back in most homes (Photo: AFP)

Minh Duc (According to Politico)

Share on Facebook
Subscribe to our newsletter
Follow us on Twitter
Comment (0)
0 comments
Read more: Storm season starts early
Related stories
Source: https://www.politico.eu/article/storm-coast/"""


def test_english_boilerplate_is_marked_and_kept_apart():
    passages = split_passages(ENGLISH_PAGE, "en")
    assert_spans(ENGLISH_PAGE, passages)
    body = [p.text for p in passages if p.kind == BODY]
    boilerplate = [p.text for p in passages if p.kind == BOILERPLATE]
    assert body == [
        "Storm hits the coast",
        "A strong storm reached the coast on Monday.",
        "Officials said schools would stay closed.",
        "Shares of the power company fell 3% after the storm.",
    ]
    assert boilerplate == [
        "Rescue workers search a flooded street in the harbour district. Photo: Sky News",
        "By the evening, power was back in most homes (Photo: AFP)",
        "Minh Duc (According to Politico)",
        "Share on Facebook",
        "Subscribe to our newsletter",
        "Follow us on Twitter",
        "Comment (0)",
        "0 comments",
        "Read more: Storm season starts early",
        "Related stories",
        "Source: https://www.politico.eu/article/storm-coast/",
    ]


VIETNAMESE_PAGE = """Bão Yagi gây thiệt hại nặng ở miền Bắc

Bão Yagi đổ bộ vào TP. Hải Phòng sáng 7/9. Hàng nghìn cây xanh bị quật đổ.
Lực lượng cứu hộ tìm kiếm người mất tích. Ảnh: Reuters

Minh Đức (Theo Politico)

Bình luận (0)
Chia sẻ
Xem thêm: Bão số 3 gây mưa lớn
Nguồn: https://vnexpress.net/bao-yagi-4789.html"""


def test_vietnamese_boilerplate_is_marked_and_kept_apart():
    passages = split_passages(VIETNAMESE_PAGE, "vi")
    assert_spans(VIETNAMESE_PAGE, passages)
    assert [(p.kind, p.text) for p in passages] == [
        (BODY, "Bão Yagi gây thiệt hại nặng ở miền Bắc"),
        (BODY, "Bão Yagi đổ bộ vào TP. Hải Phòng sáng 7/9."),
        (BODY, "Hàng nghìn cây xanh bị quật đổ."),
        (BOILERPLATE, "Lực lượng cứu hộ tìm kiếm người mất tích. Ảnh: Reuters"),
        (BOILERPLATE, "Minh Đức (Theo Politico)"),
        (BOILERPLATE, "Bình luận (0)"),
        (BOILERPLATE, "Chia sẻ"),
        (BOILERPLATE, "Xem thêm: Bão số 3 gây mưa lớn"),
        (BOILERPLATE, "Nguồn: https://vnexpress.net/bao-yagi-4789.html"),
    ]


@pytest.mark.parametrize(
    "line, kind",
    [
        ("Foto: dpa", "caption"),
        ("Photo : AFP", "caption"),
        ("（图片来源：新华社）", "caption"),
        ("Image copyright Getty Images", "caption"),
        ("Kommentare (12)", "comments"),
        ("12 条评论", "comments"),
        ("Folgen Sie uns auf Facebook", "share"),
        ("Suivez-nous sur Instagram", "share"),
        ("Nguồn: VnExpress", "source"),
        ("Như Tâm (tổng hợp)", "byline"),
        ("Lire aussi : La tempête arrive", "read_more"),
        ("Читайте также: Шторм на побережье", "read_more"),
    ],
)
def test_boilerplate_in_other_languages(line, kind):
    assert boilerplate_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "Shares of Apple rose 3% on Monday.",
        "Related stocks fell sharply in early trading.",
        "The photo was taken by a tourist on the pier.",
        "Ông nói về hình ảnh: một đất nước đang thay đổi.",
        "officials said (according to Reuters)",
        "Subscribers can read the full report online.",
        "Following the storm, the council met on Monday.",
        "Comments from the minister were not available.",
    ],
)
def test_story_sentences_are_not_boilerplate(line):
    assert boilerplate_kind(line) is None


# a .txt suspect with its photo captions pasted in: a caption that says more than its
# credit, a credit on a line of its own, and story text on the line after each
CAPTIONED_TEXT = """Le conseil municipal a voté mardi une aide de 4,7 millions aux familles sinistrées.

Photo : Des habitants devant la mairie de Millbrook, lundi. (Millbrook Gazette)
Le maire a promis une réponse avant la fin du mois.

Photo : Des sinistrés attendent devant la mairie.
(Millbrook Gazette)
Les familles recevront l'aide en mars."""


def test_a_pasted_caption_and_its_credit_are_marked_and_kept_off_the_story():
    passages = split_passages(CAPTIONED_TEXT, "fr")
    assert_spans(CAPTIONED_TEXT, passages)
    assert [(p.kind, p.text) for p in passages] == [
        (BODY, "Le conseil municipal a voté mardi une aide de 4,7 millions aux familles sinistrées."),
        (BOILERPLATE, "Photo : Des habitants devant la mairie de Millbrook, lundi. (Millbrook Gazette)"),
        (BODY, "Le maire a promis une réponse avant la fin du mois."),
        (BOILERPLATE, "Photo : Des sinistrés attendent devant la mairie."),
        (BOILERPLATE, "(Millbrook Gazette)"),
        (BODY, "Les familles recevront l'aide en mars."),
    ]
    assert boilerplate_kind("Image caption: Workers repair the harbour wall. (Millbrook Gazette)") == "caption"


def test_foreign_quote_gets_its_own_language():
    text = (
        "Bộ trưởng phát biểu tại cuộc họp báo ở Hà Nội vào chiều thứ Sáu. "
        "We are not going to accept this deal under any circumstances, he told reporters in English."
    )
    assert [p.lang for p in split_passages(text, "vi")] == ["vi", "en"]
