"""Corpora: splits by document, user files, bad text, the built-in readers on fixture files
(no network), and the cache fetch (with the download replaced by a local file)."""
import io
import json
import socket
import tarfile
import zipfile
from collections import Counter

import pytest

from aekit.errors import ConfigError, DataError
from aekit.text import readers, sources
from aekit.text.corpora import load_corpus, text_units
from aekit.text.documents import Corpus, Document, bad_text_reason, split_of

# ---------------------------------------------------------------- splits


def test_split_is_stable_and_near_the_fraction():
    ids = [f"doc-{i}" for i in range(4000)]
    first = [split_of(i, 0.1) for i in ids]
    assert first == [split_of(i, 0.1) for i in ids]
    assert 0.08 < first.count("validation") / len(ids) < 0.12


def test_train_and_validation_never_share_a_document(corpus_file):
    corpus = load_corpus(corpus_file, val_fraction=0.3)
    train = {d.id for d in corpus.documents("train")}
    validation = {d.id for d in corpus.documents("validation")}
    assert train and validation and not train & validation
    assert train | validation == {d.id for d in corpus.documents()}
    with pytest.raises(ConfigError, match="unknown split"):
        list(corpus.documents("test"))


# ---------------------------------------------------------------- user files


def test_txt_blocks_lines_and_auto():
    blocks = b"first doc\nstill first\n\nsecond doc\n  \nthird"
    assert text_units(blocks, "auto") == [b"first doc\nstill first", b"second doc", b"third"]
    assert text_units(blocks, "line") == [b"first doc", b"still first", b"second doc", b"third"]
    assert text_units(b"one\r\ntwo\nthree\n", "auto") == [b"one", b"two", b"three"]
    assert text_units(b"one\ntwo", "block") == [b"one\ntwo"]


def test_folder_of_txt_files_with_garbage_skipped_and_counted(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "sub" / "b.txt").write_text("你好，世界", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("café crème".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "nul.txt").write_bytes(b"text\x00with nul")
    (tmp_path / "ignored.md").write_text("not a .txt")
    corpus = load_corpus(tmp_path)
    docs = list(corpus.documents())
    assert [d.id for d in docs] == ["a.txt", "sub/b.txt"]
    assert corpus.skipped == Counter({"undecodable": 2, "binary": 1})
    assert "skipped 1 binary, 2 undecodable" in corpus.skipped_note()


def test_bad_blocks_inside_one_file_are_skipped(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"good one\n\n\xff\xfe broken\n\ngood two\n")
    corpus = load_corpus(path)
    assert [d.text for d in corpus.documents()] == ["good one", "good two"]
    assert corpus.skipped == Counter({"undecodable": 1})


def test_empty_and_all_garbage_corpora(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n  \n")
    with pytest.raises(DataError, match="no text found"):
        list(load_corpus(tmp_path / "empty.txt").documents())
    (tmp_path / "garbage.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    with pytest.raises(DataError, match="no text found, skipped 1 binary"):
        list(load_corpus(tmp_path / "garbage.txt").documents())
    (tmp_path / "folder").mkdir()
    with pytest.raises(DataError, match="no text found"):
        list(load_corpus(tmp_path / "folder").documents())


def test_unknown_corpus_and_wrong_file_type(tmp_path):
    with pytest.raises(DataError, match="unknown corpus 'no-such-corpus'.*reuters"):
        load_corpus("no-such-corpus")
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(DataError, match=r"\.txt"):
        load_corpus(tmp_path / "data.csv")
    with pytest.raises(ConfigError, match="unit"):
        load_corpus(tmp_path / "data.csv", unit="page")


def test_max_documents():
    corpus = Corpus("c", lambda skipped: (Document(str(i), f"text {i}") for i in range(100)), max_documents=7)
    assert len(list(corpus.documents())) == 7


def test_bad_text_reasons():
    assert bad_text_reason("fine\ttext\n") is None
    assert bad_text_reason("  \n") == "empty"
    assert bad_text_reason("a\x00b") == "binary"
    assert bad_text_reason("\x01\x02\x03abc") == "binary"
    assert bad_text_reason("bad \ufffd char") == "binary"


# ---------------------------------------------------------------- built-in readers


ARFF = r"""@relation 'Reuters-21578 Grain'

@attribute Text string
@attribute class-att {0,1}

@data

'BAHIA COCOA REVIEW Showers continued in\nthe Bahia zone, &lt;CCC> said.\n Reuter\n&#3;',0
'U.S. WHEAT SALES -- USDA The Commodity Credit Corporation\'s \"bonus\" offer.\n Reuter\n&#3;',1
'BAHIA COCOA REVIEW Showers continued in\nthe Bahia zone, &lt;CCC> said.\n Reuter\n&#3;',1
not a row
"""


def test_reuters_arff(tmp_path):
    (tmp_path / "train.arff").write_text(ARFF)
    (tmp_path / "test.arff").write_text(ARFF.split("@data")[0] + "@data\n")
    skipped = Counter()
    docs = list(readers.read_reuters(tmp_path, skipped))
    assert [d.fields["headline"] for d in docs] == ["BAHIA COCOA REVIEW", "U.S. WHEAT SALES -- USDA"]
    assert docs[0].fields["body"] == "Showers continued in\nthe Bahia zone, <CCC> said."
    assert docs[1].fields["body"] == "The Commodity Credit Corporation's \"bonus\" offer."
    assert docs[1].fields["grain"] == 1
    assert docs[0].text.startswith("BAHIA COCOA REVIEW\nShowers")
    assert skipped == Counter({"duplicate": 1, "malformed": 1})


def test_people_daily(tmp_path):
    (tmp_path / "199801.txt").write_text("迈向/v  充满/v  希望/n  的/u  新/a  世纪/n  ——/w\n\n"
                                         "[中央/n  人民/n]nt  广播/vn  电台/n\n", encoding="utf-8")
    docs = list(readers.read_people_daily(tmp_path, Counter()))
    assert docs[0].text == "迈向充满希望的新世纪——"
    assert docs[0].fields["tags"] == ["v", "v", "n", "u", "a", "n", "w"]
    assert docs[1].fields["words"] == ["中央", "人民", "广播", "电台"]
    assert docs[1].fields["tags"] == ["n", "n", "vn", "n"]


def test_chinese_reviews_repeats_and_conflicts(tmp_path):
    (tmp_path / "pos.txt").write_text("很好看\n很好看\n一般般\n", encoding="utf-8")
    (tmp_path / "neg.txt").write_text("太差了\n一般般\n", encoding="utf-8")
    skipped = Counter()
    docs = list(readers.read_chinese_reviews(tmp_path, skipped))
    assert [(d.text, d.fields["label"]) for d in docs] == [("很好看", "pos"), ("太差了", "neg")]
    assert skipped == Counter({"duplicate": 1, "conflicting-label": 2})


def test_one_document_per_line(tmp_path):
    (tmp_path / "lee.cor").write_text("first article.\nsecond article.\n\nfirst article.\n")
    docs = list(readers.read_lines(tmp_path, Counter(), file_name="lee.cor", prefix="lee"))
    assert [d.text for d in docs] == ["first article.", "second article."]


def _tar_add(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def test_spam_assassin_emails(tmp_path):
    ham = b"From: a@b.c\nSubject: Meeting notes\n\nSee you at ten.\n"
    spam = (b"From: x@y.z\nSubject: WIN money\nMIME-Version: 1.0\nContent-Type: text/html; charset=us-ascii\n\n"
            b"<html><b>Click</b> here &amp; win</html>\n")
    garbage = b"Subject: junk\n\n" + b"\x01\x02\x03\x04" * 50
    with tarfile.open(tmp_path / "spam-assassin.tgz", "w:gz") as archive:
        _tar_add(archive, "package/data/easy-ham-1/00001.aaa.txt", ham)
        _tar_add(archive, "package/data/easy-ham-1/00001.aaa.json", b"{}")
        _tar_add(archive, "package/data/spam-2/00002.bbb.txt", spam)
        _tar_add(archive, "package/data/spam-2/00003.ccc.txt", garbage)
    skipped = Counter()
    docs = list(readers.read_spam_assassin(tmp_path, skipped))
    assert [(d.id, d.fields["label"]) for d in docs] == [("spam-assassin:easy-ham-1/00001.aaa", "ham"),
                                                        ("spam-assassin:spam-2/00002.bbb", "spam")]
    assert docs[0].text == "Meeting notes\n\nSee you at ten."
    assert "Click" in docs[1].text and "<b>" not in docs[1].text and "& win" in docs[1].text
    assert skipped == Counter({"binary": 1})


def test_wordnet_glosses(tmp_path):
    header = "  1 This software and database is being provided to you, the LICENSEE, by\n"
    line = ("00001740 03 n 02 entity 0 thing 1 003 ~ 00001930 n 0000 | that which is perceived "
            "or known; \"it is a thing\"  \n")
    adjective = "00001740 00 a 01 able(a) 0 000 | (usually followed by `to') having the means  \n"
    (tmp_path / "data.noun").write_text(header + line)
    (tmp_path / "data.adj").write_text(adjective)
    (tmp_path / "data.verb").write_text("")
    (tmp_path / "data.adv").write_text("")
    docs = list(readers.read_wordnet(tmp_path, Counter()))
    assert docs[0].id == "wordnet:noun:00001740"
    assert docs[0].text == 'entity, thing: that which is perceived or known; "it is a thing"'
    assert docs[1].fields["words"] == ["able"]


TANG = [
    {"author": "太宗皇帝", "title": "帝京篇十首 一", "id": "a",
     "paragraphs": ["秦川雄帝宅，函谷壯皇居。", "  ", "綺殿千尋起，離宮百雉餘。"]},
    {"author": "佚名", "title": "", "paragraphs": ["住在綠池邊，朝朝學采蓮"]},
    {"author": "無名氏", "title": "句", "paragraphs": []},
    {"author": "另一人", "title": "帝京篇十首 一", "paragraphs": ["秦川雄帝宅，函谷壯皇居。", "綺殿千尋起，離宮百雉餘。"]},
    {"author": "某", "title": "長\n題 ", "paragraphs": ["一。\n二。"]},
    "not a poem",
    {"author": "某", "title": "題", "paragraphs": "not a list"},
]
SONG = [{"author": "宋太祖", "title": "日詩", "paragraphs": ["未離海底千山黑，纔到天中萬國明。"]}]
CI = [{"author": "和岘", "rhythmic": "导引", "paragraphs": ["气和玉烛，睿化著鸿明。", "缇管一阳生。"]}]


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _poetry_folder(folder):
    """The cache layout of chinese-poetry: the package's own file names, in two folders."""
    _write_json(folder / "quantangshi" / "poet.tang.0.json", TANG)
    _write_json(folder / "quantangshi" / "poet.tang.10000.json", [{"title": "後", "paragraphs": ["十。"]}])
    _write_json(folder / "quantangshi" / "poet.tang.2000.json", [{"title": "前", "paragraphs": ["二。"]}])
    _write_json(folder / "quantangshi" / "poet.song.0.json", SONG)
    (folder / "quantangshi" / "poet.song.1000.json").write_bytes(b"[{\"title\": \"\xff")
    _write_json(folder / "songci" / "ci.song.0.json", CI)
    return folder


def test_chinese_poetry_layout_order_and_skips(tmp_path):
    skipped = Counter()
    docs = list(readers.read_chinese_poetry(_poetry_folder(tmp_path), skipped, simplified=False))
    assert docs[0].text == "帝京篇十首 一\n秦川雄帝宅，函谷壯皇居。\n綺殿千尋起，離宮百雉餘。"
    assert docs[0].fields == {"title": "帝京篇十首 一", "author": "太宗皇帝", "dynasty": "tang", "form": "shi",
                              "lines": ["秦川雄帝宅，函谷壯皇居。", "綺殿千尋起，離宮百雉餘。"]}
    assert [d.fields["title"] for d in docs] == ["帝京篇十首 一", "長 題", "前", "後", "日詩", "导引"]  # 0, 2000, 10000
    assert docs[1].text == "長 題\n一。\n二。" and docs[1].fields["lines"] == ["一。", "二。"]
    assert [(d.fields["dynasty"], d.fields["form"]) for d in docs[-2:]] == [("song", "shi"), ("song", "ci")]
    assert docs[-1].text == "导引\n气和玉烛，睿化著鸿明。\n缇管一阳生。"
    assert len({d.id for d in docs}) == len(docs) and all(d.id.startswith("chinese-poetry:") for d in docs)
    # the untitled, the lineless, the repeat under another author, two bad entries and the bad file
    assert skipped == Counter({"untitled": 1, "empty": 1, "duplicate": 1, "malformed": 3})


def test_chinese_poetry_simplified_keeps_ids(tmp_path, monkeypatch):
    folder = _poetry_folder(tmp_path)
    traditional = list(readers.read_chinese_poetry(folder, Counter(), simplified=False))
    table = str.maketrans("壯綺尋離宮餘詩", "壮绮寻离宫余诗")
    monkeypatch.setattr(readers, "to_simplified", lambda: lambda text: text.translate(table))
    simplified = list(readers.read_chinese_poetry(folder, Counter()))
    assert [d.id for d in simplified] == [d.id for d in traditional]
    assert simplified[0].text == "帝京篇十首 一\n秦川雄帝宅，函谷壮皇居。\n绮殿千寻起，离宫百雉余。"
    assert simplified[0].fields["lines"][1] == "绮殿千寻起，离宫百雉余。"
    assert simplified[4].fields["title"] == "日诗"


def test_opencc_converts_to_simplified():
    pytest.importorskip("opencc")
    assert readers.to_simplified()("帝京篇\n秦川雄帝宅，函谷壯皇居。") == "帝京篇\n秦川雄帝宅，函谷壮皇居。"


# ---------------------------------------------------------------- the cache


def test_fetch_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))
    calls = []

    def fake_download(source, work):
        calls.append(source.name)
        wheel = work / "pkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("pkg/data/news.cor", "one\ntwo\n")
        return wheel

    monkeypatch.setattr(sources, "_download", fake_download)
    source = sources.Source("fake", "pypi-wheel", "pkg", {"pkg/data/news.cor": "news.cor"})
    folder = sources.cached(source)
    assert (folder / "news.cor").read_text() == "one\ntwo\n"
    assert "sha256" in (folder / sources.COMPLETE_MARK).read_text()
    assert sources.cached(source) == folder and calls == ["fake"]
    leftovers = [p.name for p in folder.parent.iterdir() if p.name != "fake"]
    assert leftovers == []


def test_failed_fetch_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))

    def broken_download(source, work):
        wheel = work / "pkg.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("other/file", "x")
        return wheel

    monkeypatch.setattr(sources, "_download", broken_download)
    with pytest.raises(DataError, match="the package changed"):
        sources.cached(sources.Source("fake", "pypi-wheel", "pkg", {"pkg/data/news.cor": "news.cor"}))
    assert list((tmp_path / "cache" / "text").iterdir()) == []


def _npm_package(path, files):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            _tar_add(archive, f"package/{name}", data)
    return path


def test_fetch_keeps_the_files_a_pattern_matches(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))
    files = {"dist/poems/poet.tang.0.json": b"[0]", "dist/poems/poet.tang.1000.json": b"[1]",
             "dist/poems/authors.tang.json": b"[]", "dist/poems/error/poet.tang.0.json": b"[2]",
             "dist/other/poet.tang.5.json": b"[3]", "README.md": b"x"}
    monkeypatch.setattr(sources, "_download", lambda source, work: _npm_package(work / "p-1.0.tgz", files))
    source = sources.Source("fake", "npm", "p", {"dist/poems/poet.tang.*.json": "poems", "README.md": "README.md"})
    folder = sources.cached(source)
    kept = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert kept == ["README.md", "poems/poet.tang.0.json", "poems/poet.tang.1000.json", sources.COMPLETE_MARK]
    assert (folder / "poems" / "poet.tang.1000.json").read_bytes() == b"[1]"
    assert "poems/poet.tang.0.json" in json.loads((folder / sources.COMPLETE_MARK).read_text())["sha256"]
    with pytest.raises(DataError, match=r"no dist/poems/ci\.\*\.json: the package changed"):
        sources.cached(sources.Source("fake2", "npm", "p", {"dist/poems/ci.*.json": "poems"}))


def test_deb_members_and_patterns(tmp_path, monkeypatch):
    def fake_unpack(package_file, folder):
        for name in ("usr/share/x/data.noun", "usr/share/x/data.verb", "usr/share/x/index.noun"):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(name)

    monkeypatch.setattr(sources, "unpack_deb", fake_unpack)
    (tmp_path / "x.deb").write_bytes(b"")
    source = sources.Source("x", "debian", "x", {"usr/share/x/data.*": "data", "usr/share/x/index.noun": "index"})
    sources._extract(source, tmp_path / "x.deb", tmp_path / "out")
    kept = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert kept == ["data/data.noun", "data/data.verb", "index"]


def test_chinese_poetry_from_a_fetched_package(tmp_path, monkeypatch):
    """The corpus by name, from an npm archive in the package's layout (no download)."""
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(readers, "to_simplified", lambda: None)
    poems = _poetry_folder(tmp_path / "layout")
    files = {f"dist/{p.relative_to(poems).as_posix()}": p.read_bytes() for p in poems.rglob("*.json")}
    files["dist/quantangshi/authors.tang.json"] = b"[{}]"  # not read: would count as malformed
    files["dist/quantangshi/error/poet.tang.0.json"] = json.dumps(SONG).encode()
    monkeypatch.setattr(sources, "_download", lambda source, work: _npm_package(work / "c-2.0.1.tgz", files))
    corpus = load_corpus("chinese-poetry")
    assert [d.fields["title"] for d in corpus.documents()] == ["帝京篇十首 一", "長 題", "前", "後", "日詩", "导引"]
    assert corpus.language == "zh" and corpus.skipped["malformed"] == 3


def test_missing_tool_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, npm, dpkg-deb here
    with pytest.raises(DataError, match="needs the 'npm' command"):
        sources._download(sources.Source("x", "npm", "@scope/pkg", {}), tmp_path)


def _online() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
def test_real_download_of_the_smallest_corpus():
    """Fetches the gensim wheel (~28 MB) into the user's cache once; skipped offline."""
    if not (sources.text_cache_dir() / "gensim" / sources.COMPLETE_MARK).exists() and not _online():
        pytest.skip("offline and lee-news is not in the cache")
    docs = list(load_corpus("lee-news").documents())
    assert 290 <= len(docs) <= 300
    assert docs[0].text.startswith("Hundreds of people have been forced to vacate their homes")


def test_joined_builtin_corpora_keep_ids_and_splits(tmp_path, monkeypatch):
    from aekit.text import corpora

    def reader(prefix):
        return lambda folder, skipped: (Document(f"{prefix}:{i}", f"{prefix} text {i}") for i in range(40))

    monkeypatch.setattr(corpora, "cached", lambda source: tmp_path)
    monkeypatch.setitem(corpora.CORPORA, "aa", corpora.BuiltinCorpus("weka", reader("aa"), "en", "A"))
    monkeypatch.setitem(corpora.CORPORA, "bb", corpora.BuiltinCorpus("weka", reader("bb"), "zh", "B"))
    joined = load_corpus("aa+bb")
    alone = {name: load_corpus(name) for name in ("aa", "bb")}
    assert [d.id for d in joined.documents()] == [d.id for n in ("aa", "bb") for d in alone[n].documents()]
    held_out = {d.id for d in joined.documents("validation")}
    assert held_out == {d.id for c in alone.values() for d in c.documents("validation")} and held_out
    assert joined.language == "en+zh"
    with pytest.raises(DataError, match="unknown corpus 'aa\\+nope'"):
        load_corpus("aa+nope")
