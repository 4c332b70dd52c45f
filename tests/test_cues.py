"""Attribution cues: the phrases of eleven languages, the names they yield, the ones they
must not yield, and the uses retrieval and the report make of them."""

import json
import time
from importlib import resources

import pytest

from provenance.cues import (
    ACCORDING_TO,
    BYLINE,
    REPORTED,
    SOURCE,
    TOLD,
    extract_cues,
    translation_hints,
)
from provenance.models import BOILERPLATE, Cue, Passage
from provenance.outlets import outlet_matches, source_language


def cues_in(*texts: str, lang: str | None = None) -> list[Cue]:
    return extract_cues([Passage(idx=i, para=i, text=text, lang=lang) for i, text in enumerate(texts)])


def only_cue(text: str, lang: str | None = None) -> Cue:
    found = cues_in(text, lang=lang)
    assert len(found) == 1, [(cue.kind, cue.outlet, cue.text) for cue in found]
    return found[0]


@pytest.mark.parametrize(
    "lang, text, kind, outlet",
    [
        (
            "en",
            "According to Politico, the European Commission will propose new tariffs on Chinese steel.",
            ACCORDING_TO,
            "Politico",
        ),
        ("en", "The plan was first reported by POLITICO's Brussels bureau on Wednesday.", REPORTED, "Politico"),
        ("en", "The talks have stalled, Politico reported on Thursday, citing three diplomats.", REPORTED, "Politico"),
        ("en", '"We are not there yet," a senior EU official told Politico.', TOLD, "Politico"),
        ("en", "According to the New York Times, the deal was signed in secret.", ACCORDING_TO, "The New York Times"),
        (
            "en",
            "The memo, first obtained by reporters, was later published by the Washington Post.",
            REPORTED,
            "The Washington Post",
        ),
        (
            "vi",
            "Theo Politico, Ủy ban châu Âu sẽ đề xuất áp thuế mới đối với thép Trung Quốc.",
            ACCORDING_TO,
            "Politico",
        ),
        ("vi", "Theo báo Dân trí, vụ tai nạn xảy ra lúc 9h sáng nay trên quốc lộ 1A.", ACCORDING_TO, "Dân trí"),
        ("vi", "Một quan chức EU nói với Politico rằng thỏa thuận sắp hoàn tất.", TOLD, "Politico"),
        (
            "vi",
            "Tờ Thời báo New York đưa tin Rosenstein đã thảo luận về việc ghi âm các cuộc trò chuyện.",
            REPORTED,
            "The New York Times",
        ),
        (
            "fr",
            "Selon Le Monde, le gouvernement prépare une réforme des retraites pour l'automne.",
            ACCORDING_TO,
            "Le Monde",
        ),
        ("fr", "« Nous sommes prêts », a déclaré à l'AFP un responsable du ministère.", TOLD, "AFP"),
        ("fr", "D'après le quotidien Le Figaro, le projet de loi sera présenté en juin.", ACCORDING_TO, "Le Figaro"),
        ("de", "Laut Spiegel plant die Bundesregierung ein neues Klimagesetz.", ACCORDING_TO, "Der Spiegel"),
        ("de", "Dem „Spiegel“ zufolge wurde der Plan Anfang der Woche gestoppt.", ACCORDING_TO, "Der Spiegel"),
        ("de", "Das sagte er der FAZ am Rande des Gipfels.", TOLD, "Frankfurter Allgemeine Zeitung"),
        ("es", "Según El País, el Gobierno aprobará la ley de vivienda antes del verano.", ACCORDING_TO, "El País"),
        ("es", "El acuerdo se firmó el martes, informó la agencia EFE.", REPORTED, "EFE"),
        ("ru", "По данным ТАСС, переговоры продолжатся в четверг в Стамбуле.", ACCORDING_TO, "ТАСС"),
        ("ru", "Как сообщает РБК со ссылкой на источники, сделка уже закрыта.", REPORTED, "РБК"),
        ("ru", "По данным Интерфакса, в офисах компании прошли обыски.", ACCORDING_TO, "Интерфакс"),
        ("ru", "Об этом пишет «Коммерсантъ».", REPORTED, "Коммерсантъ"),
        (
            "uk",
            "За даними Української правди, уряд ухвалив рішення на закритому засіданні.",
            ACCORDING_TO,
            "Українська правда",
        ),
        ("uk", "Як повідомляє Укрінформ, засідання відбулося у вівторок.", REPORTED, "Укрінформ"),
        ("zh", "据新华社报道，中国国务院总理周二在北京会见了来访的德国总理。", ACCORDING_TO, "新华社"),
        ("zh", "据美国《纽约时报》报道，谈判已陷入僵局。", ACCORDING_TO, "The New York Times"),
        ("zh", "据美国国家广播公司(NBC)报道，选举结果将于周三公布。", ACCORDING_TO, "NBC News"),
        ("zh", "他在接受新华社采访时表示，合作前景广阔。", TOLD, "新华社"),
        ("ja", "共同通信によると、首相は年内に衆院を解散する意向を固めた。", ACCORDING_TO, "共同通信"),
        ("ja", "米紙ニューヨーク・タイムズが報じた。", REPORTED, "The New York Times"),
        ("ja", "NHKの取材に対し、担当者は「検討する」と述べた。", TOLD, "NHK"),
        ("ar", "وفقا لـ رويترز، فإن المحادثات ستستمر حتى نهاية الأسبوع.", ACCORDING_TO, "Reuters"),
        ("ar", "وفقاً للجزيرة، وصل الوفد إلى الدوحة مساء الثلاثاء.", ACCORDING_TO, "Al Jazeera"),
        ("ar", "حسبما ذكرت صحيفة نيويورك تايمز، فإن الخطة تأجلت.", REPORTED, "The New York Times"),
        ("ar", "نقلا عن وكالة الأنباء الفرنسية، قال المسؤول إن الحدود ستفتح.", ACCORDING_TO, "AFP"),
        ("id", "Menurut Kompas, banjir melanda sebagian besar wilayah Jakarta Utara.", ACCORDING_TO, "Kompas"),
        ("id", "Seperti dilansir Reuters, harga minyak mentah naik dua persen.", ACCORDING_TO, "Reuters"),
        ("id", "Hal itu disampaikan juru bicara kepolisian kepada Tempo, Senin.", TOLD, "Tempo"),
    ],
)
def test_cue_phrase_names_the_outlet(lang, text, kind, outlet):
    cue = only_cue(text, lang)
    assert (cue.kind, cue.outlet, cue.lang) == (kind, outlet, lang)
    assert cue.text in text
    assert cue.passage == 0


def test_unknown_outlets_need_evidence_of_being_publications():
    assert only_cue("The minister resigned, Semafor reported.").outlet == "Semafor"
    assert only_cue("Chad Hammel told KSWB-TV in San Diego he had been diving.").outlet == "KSWB-TV"
    metro = only_cue("According to the West Virginia Metro News, the road is closed.")
    assert metro.outlet == "West Virginia Metro News"
    assert only_cue("Por su parte, el ministro dijo al diario Clarín que no renunciará.").outlet == "Clarín"
    assert only_cue("据《波士顿环球报》报道，该市将提高最低工资。").outlet == "波士顿环球报"


def test_a_name_written_as_a_domain_gives_the_domain():
    cue = only_cue("Seperti dilansir Kompas.com, banjir melanda Jakarta.")
    assert (cue.outlet, cue.domain) == ("Kompas", "kompas.com")
    cue = only_cue('"It was a good point," Sturridge told LiverpoolFC.com.')
    assert (cue.outlet, cue.domain) == ("LiverpoolFC.com", "liverpoolfc.com")


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Minh Duc (According to Politico)", "en"),
        ("Minh Đức (Theo Politico)", "vi"),
        ("Minh Đức - Theo Politico", "vi"),
        ("Theo Politico", "vi"),
    ],
)
def test_bylines(text, lang):
    cue = only_cue(text)
    assert (cue.kind, cue.outlet, cue.lang) == (BYLINE, "Politico", lang)


def test_a_cue_inside_a_sentence_is_not_a_byline():
    assert only_cue("Theo Politico, EU sẽ áp thuế mới.").kind == ACCORDING_TO
    assert only_cue("Nobody was hurt, according to Reuters.").kind == ACCORDING_TO


@pytest.mark.parametrize(
    "text, url, domain, outlet, lang",
    [
        (
            "Source: https://www.politico.eu/article/eu-sanctions-russia/.",
            "https://www.politico.eu/article/eu-sanctions-russia/",
            "politico.eu",
            "Politico",
            "en",
        ),
        (
            "Nguồn: https://vnexpress.net/eu-ap-thue-thep-trung-quoc-4791234.html",
            "https://vnexpress.net/eu-ap-thue-thep-trung-quoc-4791234.html",
            "vnexpress.net",
            "VnExpress",
            "vi",
        ),
        (
            "Quelle: https://www.spiegel.de/politik/klimagesetz-a-1234.html",
            "https://www.spiegel.de/politik/klimagesetz-a-1234.html",
            "spiegel.de",
            "Der Spiegel",
            "de",
        ),
        ("Источник: https://tass.ru/politika/1234567", "https://tass.ru/politika/1234567", "tass.ru", "ТАСС", "ru"),
        (
            "来源：https://www.news.cn/politics/2024-09/11/c_1130.htm",
            "https://www.news.cn/politics/2024-09/11/c_1130.htm",
            "news.cn",
            "新华社",
            "zh",
        ),
        (
            "出典：https://www3.nhk.or.jp/news/html/20240912/k1001.html",
            "https://www3.nhk.or.jp/news/html/20240912/k1001.html",
            "nhk.or.jp",
            "NHK",
            "ja",
        ),
        (
            "المصدر: https://www.aljazeera.net/news/2024/9/12/x",
            "https://www.aljazeera.net/news/2024/9/12/x",
            "aljazeera.net",
            "Al Jazeera",
            "ar",
        ),
        (
            "Source: https://www.example-daily.org/world/story-1",
            "https://www.example-daily.org/world/story-1",
            "example-daily.org",
            None,
            "en",
        ),
    ],
)
def test_source_lines_with_a_url(text, url, domain, outlet, lang):
    cue = only_cue(text)
    assert (cue.kind, cue.url, cue.domain, cue.outlet, cue.lang) == (SOURCE, url, domain, outlet, lang)


@pytest.mark.parametrize(
    "text, outlet",
    [
        ("Source: Reuters", "Reuters"),
        ("Read the full story (Source: AFP).", "AFP"),
        ("Nguồn: VnExpress", "VnExpress"),
        ("Quelle: dpa", "dpa"),
        ("Fuente: EFE", "EFE"),
        ("Источник: РИА Новости", "РИА Новости"),
        ("Джерело: Укрінформ", "Укрінформ"),
        ("来源：新华网", "新华社"),
        ("出典：NHK", "NHK"),
        ("Sumber: Kompas.com", "Kompas"),
        ("المصدر: الجزيرة", "Al Jazeera"),
    ],
)
def test_source_lines_with_a_name(text, outlet):
    cue = only_cue(text)
    assert (cue.kind, cue.outlet) == (SOURCE, outlet)


@pytest.mark.parametrize(
    "text",
    [
        "According to the police, three people died in the crash.",
        "According to him, nothing has changed since March.",
        "According to officials, the bridge will reopen next week.",
        "According to John Smith, a spokesman for the ministry, talks continue.",
        "According to NASA, the launch window opens on Friday.",
        "He told reporters on Monday that the plan was dead.",
        '"NO, NOT AGAIN," wrote one user on the forum.',
        "Theo đó, các nước thành viên EU sẽ áp thuế bổ sung.",
        "Theo ông Nguyễn Văn Nam, giá xăng sẽ còn tăng.",
        "Theo PGS.TS Trần Văn Bình, điều này hoàn toàn hợp lý.",
        "Theo Bộ Y tế, số ca mắc mới đã giảm.",
        "Nguồn: Tổng hợp",
        "Selon moi, c'est une erreur.",
        "Selon lui, les bars ont presque disparu.",
        "Selon les autorités, un requin a blessé un adolescent.",
        "Selon Trump, ses efforts ont payé.",
        "Laut Polizei gab es keine Verletzten.",
        "Lokalen Medienberichten zufolge wurde ein Bauer getötet.",
        "Wie die örtliche Presse meldete, wurden vierzehn Personen festgenommen.",
        "Según las autoridades, no hubo heridos.",
        "«Мы готовы к переговорам», — заявил Песков.",
        "По словам эксперта, ситуация стабилизировалась.",
        "За словами експертів, ситуація стабільна.",
        "据了解，该项目已于上月完工。",
        "据报道，很多人受困于废墟中。",
        "据该电视台报道，现场有数百人。",
        "関係者によると、計画は延期された。",
        "専門家によれば、影響は限定的だという。",
        "وفقا للشرطة، قتل ثلاثة أشخاص.",
        "Menurut dia, hal itu wajar saja.",
        "Menurut Polri, pelaku sudah ditangkap.",
        "Hal itu disampaikan kepada antara lain para wartawan.",
        "according to politico",
    ],
)
def test_no_outlet_in_these(text):
    assert cues_in(text) == []


def test_names_are_normalised():
    assert only_cue("according to NYT the talks stalled").outlet == "The New York Times"
    assert only_cue("The story was first reported by POLITICO.").outlet == "Politico"
    assert only_cue("According to the BBC's Jane Doe, the vote was close.").outlet == "BBC"
    assert only_cue("Australia's ABC News reported the fire on Sunday.").outlet == "ABC News"
    assert only_cue("Selon l’Associated Press, le bilan s'alourdit.").outlet == "Associated Press"
    assert only_cue("Как пишет «Вашингтон пост», визит отложен.").outlet == "The Washington Post"


def test_one_cue_per_outlet_or_url_kept_where_first_named():
    found = cues_in(
        "Minh Đức (Theo Politico)",
        "Theo Politico, EU sẽ áp thuế mới đối với thép.",
        "Một quan chức nói với Reuters rằng thỏa thuận sắp hoàn tất.",
        "Nguồn: https://vnexpress.net/eu-ap-thue-4791234.html",
        "Nguồn: https://vnexpress.net/eu-ap-thue-4791234.html",
        lang="vi",
    )
    assert [(cue.kind, cue.outlet, cue.passage) for cue in found] == [
        (BYLINE, "Politico", 0),
        (TOLD, "Reuters", 2),
        (SOURCE, "VnExpress", 3),
    ]


def test_a_url_cue_is_kept_after_a_name_cue_for_the_same_outlet():
    found = cues_in("Theo VnExpress, giá vàng tăng mạnh.", "Nguồn: https://vnexpress.net/gia-vang-1.html")
    assert [(cue.kind, cue.outlet, cue.url) for cue in found] == [
        (ACCORDING_TO, "VnExpress", None),
        (SOURCE, "VnExpress", "https://vnexpress.net/gia-vang-1.html"),
    ]


def test_boilerplate_is_scanned_and_cues_come_in_reading_order():
    passages = [
        Passage(idx=0, para=0, text="EU sẽ áp thuế mới, Politico đưa tin.", lang="vi"),
        Passage(idx=1, para=1, text="Ảnh: Reuters. Bình luận (0)", lang="vi", kind=BOILERPLATE),
        Passage(idx=2, para=2, text="Nguồn: https://tuoitre.vn/eu-ap-thue-2024.htm", lang="vi", kind=BOILERPLATE),
    ]
    assert [(cue.outlet, cue.passage) for cue in extract_cues(passages)] == [("Politico", 0), ("Tuổi Trẻ", 2)]


def test_the_passage_language_wins_when_two_languages_read_the_same_label():
    assert only_cue("Sources : Le Monde", "fr").lang == "fr"
    assert only_cue("Source: Le Monde", "en").lang == "en"


def test_outlet_matches_a_stored_document():
    politico = Cue(kind=ACCORDING_TO, text="Theo Politico", outlet="Politico")
    assert outlet_matches(politico, site=None, url="https://www.politico.eu/article/eu-sanctions/")
    assert outlet_matches(politico, site="POLITICO", url=None)
    assert outlet_matches(politico, site=None, url=None, title="EU sanctions stall | Politico")
    assert not outlet_matches(politico, site="Reuters", url="https://www.reuters.com/world/x")
    assert not outlet_matches(politico, site=None, url=None)

    vnexpress = Cue(kind=ACCORDING_TO, text="Theo VnExpress", outlet="VnExpress")
    assert outlet_matches(vnexpress, site=None, url="https://vnexpress.net/gia-vang-1.html")
    dantri = Cue(kind=ACCORDING_TO, text="theo báo Dân trí", outlet="Dân trí")
    assert outlet_matches(dantri, site="Dan Tri", url=None)
    assert outlet_matches(dantri, site=None, url="https://dantri.com.vn/xa-hoi/x.htm")
    nyt = Cue(kind=ACCORDING_TO, text="according to NYT", outlet="The New York Times")
    assert outlet_matches(nyt, site=None, url="https://www.nytimes.com/2024/09/11/world/x.html")
    unknown = Cue(kind=REPORTED, text="Semafor reported", outlet="Semafor")
    assert outlet_matches(unknown, site=None, url="https://www.semafor.com/article/x")


def test_outlet_matches_a_url():
    cue = Cue(
        kind=SOURCE,
        text="Nguồn: …",
        url="https://vnexpress.net/eu-ap-thue-4791234.html?utm_source=fb",
        domain="vnexpress.net",
    )
    assert outlet_matches(cue, site=None, url="http://www.vnexpress.net/eu-ap-thue-4791234.html/")
    assert outlet_matches(cue, site=None, url="https://e.vnexpress.net/news/eu-tariffs-4791300.html")
    assert outlet_matches(cue, site="VnExpress", url=None)
    assert not outlet_matches(cue, site="Tuổi Trẻ", url="https://tuoitre.vn/eu-ap-thue.htm")


@pytest.mark.parametrize(
    "cue, lang",
    [
        (Cue(kind=ACCORDING_TO, text="", outlet="Politico"), "en"),
        (Cue(kind=ACCORDING_TO, text="", outlet="VnExpress"), "vi"),
        (Cue(kind=ACCORDING_TO, text="", outlet="Le Monde"), "fr"),
        (Cue(kind=ACCORDING_TO, text="", outlet="Der Spiegel"), "de"),
        (Cue(kind=ACCORDING_TO, text="", outlet="El País"), "es"),
        (Cue(kind=ACCORDING_TO, text="", outlet="ТАСС"), "ru"),
        (Cue(kind=ACCORDING_TO, text="", outlet="Українська правда"), "uk"),
        (Cue(kind=ACCORDING_TO, text="", outlet="新华社"), "zh"),
        (Cue(kind=ACCORDING_TO, text="", outlet="Kompas"), "id"),
        (Cue(kind=ACCORDING_TO, text="", outlet="NHK"), "ja"),
        (Cue(kind=ACCORDING_TO, text="", outlet="Al Jazeera"), "ar"),
        (Cue(kind=SOURCE, text="", url="https://foo-news.vn/a.html"), "vi"),
        (Cue(kind=SOURCE, text="", url="https://example.com.ua/news/1"), "uk"),
        (Cue(kind=SOURCE, text="", url="https://zeitung.example.de/artikel"), "de"),
        (Cue(kind=SOURCE, text="", url="https://vi.wikipedia.org/wiki/Politico"), "vi"),
        (Cue(kind=SOURCE, text="", url="https://example.com/vi/tin-tuc/1"), "vi"),
        (Cue(kind=SOURCE, text="", url="https://www.bbc.com/vietnamese/articles/c1"), "vi"),
        (Cue(kind=SOURCE, text="", url="https://e.vnexpress.net/news/x-1.html"), "en"),
        (Cue(kind=SOURCE, text="", url="https://en.vietnamplus.vn/x.vnp"), "en"),
        (Cue(kind=SOURCE, text="", url="https://uk.reuters.com/article/x"), "en"),
        (Cue(kind=SOURCE, text="", url="https://www.aljazeera.com/news/x"), "en"),
        (Cue(kind=SOURCE, text="", url="https://www.example.com/story"), None),
        (Cue(kind=REPORTED, text="", outlet="Semafor"), None),
    ],
)
def test_source_language(cue, lang):
    assert source_language(cue) == lang


def test_translation_hint_for_a_vietnamese_text_citing_politico():
    found = cues_in("Minh Đức (Theo Politico)", "EU sẽ áp thuế mới đối với thép Trung Quốc.", lang="vi")
    assert translation_hints(found, "vi") == ["cites Politico (en) but is written in vi: likely a translation"]


def test_translation_hint_for_an_english_text_whose_source_is_a_vietnamese_url():
    found = cues_in(
        "The EU will impose new tariffs on Chinese steel.",
        "Comment (0)",
        "Source: https://thanhnien.vn/eu-ap-thue-thep-185240912.htm",
        lang="en",
    )
    assert translation_hints(found, "en") == ["cites Thanh Niên (vi) but is written in en: likely a translation"]
    unknown_site = cues_in("Source: https://www.some-portal.vn/world/eu-steel-1.html")
    assert translation_hints(unknown_site, "en") == [
        "cites some-portal.vn (vi) but is written in en: likely a translation"
    ]


def test_no_translation_hint_in_the_source_language_or_without_a_known_one():
    assert translation_hints(cues_in("Theo VnExpress, giá vàng tăng."), "vi") == []
    assert translation_hints(cues_in("据新华社报道，会议于周二举行。"), "zh-cn") == []
    assert translation_hints(cues_in("The minister resigned, Semafor reported."), "vi") == []
    assert translation_hints([], "en") == []


def test_empty_and_cue_free_input():
    assert extract_cues([]) == []
    assert cues_in("") == []
    assert cues_in("   \n\t ") == []
    assert cues_in("The European Union will impose tariffs on Chinese steel from October.") == []
    assert cues_in("\x00\x01\ufffd binary junk according to", "According to", "Theo", "据") == []


def test_a_one_megabyte_passage():
    sentence = "The minister said on Tuesday that talks with the unions would continue next week. "
    huge = sentence * (1_000_000 // len(sentence))
    text = "According to Politico, " + huge + "\nSource: https://vnexpress.net/eu-ap-thue-4791234.html"
    started = time.perf_counter()
    found = cues_in(text)
    elapsed = time.perf_counter() - started
    assert [(cue.kind, cue.outlet) for cue in found] == [(ACCORDING_TO, "Politico"), (SOURCE, "VnExpress")]
    assert elapsed < 30, f"{elapsed:.1f}s for 1 MB"


def test_outlet_lexicon_is_package_data_and_consistent():
    folder = resources.files("provenance") / "lexicons"
    lexicon = json.loads((folder / "outlets.json").read_text(encoding="utf-8"))
    assert "compiled by hand" in lexicon["_source"].lower()
    outlets = lexicon["outlets"]
    assert len(outlets) >= 40
    claimed: dict[str, str] = {}
    for outlet in outlets:
        assert len(outlet["lang"]) == 2 and outlet["lang"].islower()
        assert outlet["domains"] and all("." in d and not d.startswith("www.") for d in outlet["domains"])
        for alias in [outlet["name"], *outlet["aliases"]]:
            key = "".join(c for c in alias.casefold() if c.isalnum())
            assert claimed.setdefault(key, outlet["name"]) == outlet["name"], f"{alias} claimed twice"
    languages = {outlet["lang"] for outlet in outlets}
    assert {"en", "vi", "fr", "de", "es", "ru", "uk", "zh", "ar", "id", "ja"} <= languages
