from __future__ import annotations

import dataclasses
import random
import re

import bm25s
import numpy as np
import pytest
from bm25s.tokenization import Tokenized

from knowledge.loading import read_all
from knowledge.markdown import plain_text, render
from knowledge.search import Document, QueryProblem, SearchIndex, check_query, default_dictionary
from knowledge.search import terms as search_terms
from knowledge.search.engine import document_tokens
from knowledge.search.terms import TermCache
from knowledge.search.text import fast_fold, index_tokens, syllables
from knowledge.search.typo import Repairer
from knowledge.tests.test_search_quality import labelled_queries
from lib.vn_text import fold

DOCS = [
    Document(
        1, "Thẻ bảo hiểm y tế cho hộ nghèo", "Nhà nước đóng tiền thẻ.", "", ("bhyt hộ nghèo",)
    ),
    Document(2, "Kích hoạt tài khoản định danh điện tử mức 2", "Làm tại công an xã.", ""),
    Document(3, "Trợ cấp hưu trí xã hội cho người từ 75 tuổi", "500.000 đồng mỗi tháng.", ""),
    Document(4, "Cách nhận biết lừa đảo qua điện thoại", "Không đưa mã OTP cho ai.", ""),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(DOCS, default_dictionary())


@pytest.fixture(scope="module")
def real_documents() -> list[Document]:
    return [
        Document(
            id=n,
            title=f.fields["title"],
            summary=f.fields["summary"],
            body=plain_text(f.fields["body"]),
            phrasings=tuple(f.fields["phrasings"]),
        )
        for n, f in enumerate(read_all())
    ]


def real_queries() -> list[str]:
    return [query for queries in labelled_queries().values() for query, _ in queries]


def results(index: SearchIndex) -> list[list[tuple[int, float, str]]]:
    return [[(h.id, h.score, h.snippet) for h in index.search(q)] for q in real_queries()]


def test_it_folds_exactly_like_the_shared_helper():
    texts = [f.fields[k] for f in read_all() for k in ("title", "summary", "body")]
    texts += ["Đắk Lắk ÐỦY BAN thuỷ thủy", "Thu\u0309y hoa\u0300", "İstanbul ǅ", "ĐĂNG KÝ"]
    letters = "aăâeêioôơuưyđ"
    texts.append("".join(ch + mark for ch in letters for mark in "\u0300\u0301\u0303\u0309\u0323"))
    for text in texts:
        assert fast_fold(text).split() == fold(text).split(), text


def test_it_cuts_syllables_where_folding_the_whole_text_would():
    rng = random.Random(5)
    texts = [f.fields[k] for f in read_all() for k in ("title", "summary", "body")]
    texts += ["İstanbul ǅ", "Thu\u0309y", "ஔx ᬆy", "a_b c-d", "".join(map(chr, range(32, 8192)))]
    letters = "aăâđeêioôơuưyAĐẠ \u0300\u0301\u0309._-1İஔ"
    texts += ["".join(rng.choices(letters, k=rng.randint(1, 12))) for _ in range(3000)]
    for text in texts * 2:  # the second time from the syllables already folded
        assert syllables(text) == re.findall(r"[^\W_]+", fast_fold(text)), text


def test_it_tokenises_folded_syllables_and_pairs():
    assert index_tokens("Đăng ký Y tế") == ["dang", "ky", "y", "te", "dang_ky", "ky_y", "y_te"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("thẻ bảo hiểm y tế hộ nghèo", 1),
        ("the bao hiem y te ho ngheo", 1),
        ("bhyt", 1),
        ("kich hoat vneid", 2),
        ("kich hoat dinh danh muc 2", 2),
        ("tien gia 75 tuoi", 3),
        ("luong huu xa hoi", 3),
        ("bi lua qua dien thoai", 4),
        ("kich hoaat tai khoan", 2),
        ("tro cap huu tri xa hoii", 3),
    ],
)
def test_it_finds_the_article_however_it_is_typed(index, query, expected):
    assert index.search(query, limit=1)[0].id == expected


def test_it_adds_a_repair_for_an_unknown_syllable_and_keeps_the_original(index):
    plan = index.plan("kich hoaat")
    assert plan.repairs == {"hoaat": "hoat"}
    assert "kich_hoat" in plan.terms


def test_it_leaves_known_syllables_alone():
    repairer = Repairer({"hoat": 3, "hoa": 1})
    assert repairer.repair("hoat") is None
    assert repairer.repair("hoatt") == "hoat"
    assert repairer.repair("xyzxyz") is None


def test_it_returns_nothing_for_words_absent_from_the_index(index):
    assert index.search("zzzz qqqq") == []


def test_it_gives_a_snippet_with_the_query_words(index):
    assert index.search("ma otp", limit=1)[0].snippet == "Không đưa mã OTP cho ai."


@pytest.mark.parametrize(
    "query,problem",
    [
        ("", QueryProblem.EMPTY),
        ("   ", QueryProblem.EMPTY),
        ("a" * 201, QueryProblem.TOO_LONG),
        ("<script>alert(1)</script>", QueryProblem.MARKUP),
        ("😀🙏", QueryProblem.NO_WORDS),
        ("bảo hiểm страховка", QueryProblem.MIXED_SCRIPT),
        ("bhyt 2025", None),
    ],
)
def test_it_names_the_problem_with_a_query(query, problem):
    assert check_query(query) == problem


def test_it_renders_markdown_safely():
    html = render(
        "# Cách làm\n\n1. Mở **VNeID**\n2. Bấm [đây](https://dichvucong.gov.vn)\n\n"
        "- <b>x</b>\n- [xấu](javascript:alert)\n\nĐoạn một\ntiếp."
    )
    assert html == (
        "<h2>Cách làm</h2>\n<ol>\n<li>Mở <strong>VNeID</strong></li>\n"
        '<li>Bấm <a href="https://dichvucong.gov.vn">đây</a></li>\n</ol>\n'
        "<ul>\n<li>&lt;b&gt;x&lt;/b&gt;</li>\n<li>xấu</li>\n</ul>\n<p>Đoạn một tiếp.</p>"
    )
    assert plain_text("## A\n1. **b** [c](/d)") == "A b c"


def test_it_scores_every_document_exactly_as_bm25s_own_index_does(real_documents):
    index = SearchIndex(real_documents, default_dictionary())
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in document_tokens(d)] for d in real_documents]
    reference = bm25s.BM25()
    reference.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
    for query in real_queries():
        terms = index.plan(query).terms
        if terms:
            assert np.array_equal(index._bm25.get_scores(terms), reference.get_scores(terms)), query


def test_it_tokenises_only_the_changed_documents_when_rebuilt(real_documents):
    cache = TermCache()
    SearchIndex(real_documents, default_dictionary(), cache=cache)
    assert cache.tokenised == len(real_documents)
    changed = list(real_documents)
    changed[3] = dataclasses.replace(changed[3], title="Đăng ký khai sinh trực tuyến cho con")
    del changed[7]
    changed.append(Document(999, "Cách nhận tiền trợ cấp qua tài khoản ngân hàng"))
    rebuilt = SearchIndex(changed, default_dictionary(), cache=cache)
    assert cache.tokenised == 2
    assert len(cache) == len(changed)
    assert results(rebuilt) == results(SearchIndex(changed, default_dictionary()))
    assert rebuilt.search("nhan tro cap qua ngan hang", limit=1)[0].id == 999
    assert rebuilt.search("khai sinh truc tuyen", limit=1)[0].id == changed[3].id


def test_it_renumbers_its_vocabulary_when_most_of_it_is_unused(real_documents, monkeypatch):
    monkeypatch.setattr(search_terms, "_COMPACT_MIN", 10)
    cache = TermCache()
    SearchIndex(real_documents, default_dictionary(), cache=cache)
    before = len(cache.vocabulary)
    few = real_documents[:5]
    rebuilt = SearchIndex(few, default_dictionary(), cache=cache)
    assert len(cache.vocabulary) < before / 2
    assert results(rebuilt) == results(SearchIndex(few, default_dictionary()))
    again = SearchIndex(real_documents, default_dictionary(), cache=cache)
    assert cache.tokenised == len(real_documents) - 5
    assert results(again) == results(SearchIndex(real_documents, default_dictionary()))


def test_it_answers_nothing_from_an_empty_index():
    index = SearchIndex([], default_dictionary(), cache=TermCache())
    assert len(index) == 0 and index.search("bhyt") == []


def test_it_reads_the_vietnamese_syllable_list():
    from knowledge.search.lexicon import vietnamese_syllables

    words = vietnamese_syllables()
    assert len(words) > 1000, "install Debian's hunspell-vi: apt-get install hunspell-vi"
    assert {"hiem", "nguoi", "tien", "duong"} <= words


def test_it_leaves_a_real_syllable_alone_even_if_no_article_uses_it():
    from knowledge.search.typo import Repairer

    assert Repairer({"hiem": 3}).repair("hiep") == "hiem"
    assert Repairer({"hiem": 3}, frozenset({"hiep"})).repair("hiep") is None
    assert Repairer({"hiem": 3}, frozenset({"hiep"})).repair("hiemm") == "hiem"
