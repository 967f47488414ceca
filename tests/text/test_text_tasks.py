"""Labelled data for fine-tuning: each built-in rule on hand-made documents, splits by
document, seeded nested subsets, user CSV/TSV files and their errors."""
import pytest

from aekit.errors import ConfigError, DataError
from aekit.text import labelled
from aekit.text.documents import Document
from aekit.text.labelled import Example
from aekit.text.tasks import TaskData, load_task_data, task_split

# ------------------------------------------------------------------ rules


def test_review_and_spam_examples_keep_the_corpus_label():
    docs = [Document("r:1", "很好", {"label": "pos"}), Document("r:2", "太差了", {"label": "neg"})]
    assert [(e.text, e.label) for e in labelled.review_examples(docs)] == [("很好", "pos"), ("太差了", "neg")]
    mail = Document("spam-assassin:spam-1/0001", "WIN NOW\n\nclick", {"label": "spam"})
    assert labelled.spam_examples([mail])[0].label == "spam"


def test_pos_tag_examples_join_words_and_keep_their_spans():
    doc = Document("pd:1", "迈向充满希望的新世纪", {"words": ["迈向", "充满", "希望", "的", "新", "世纪"],
                                              "tags": ["v", "v", "n", "u", "a", "n"]})
    ex = labelled.pos_tag_examples([doc])[0]
    assert ex.text == "迈向充满希望的新世纪"
    assert [ex.text[s:e] for s, e in ex.spans] == doc.fields["words"]
    assert ex.tags == ("v", "v", "n", "u", "a", "n")


def _article(i, headline):
    return Document(f"reuters:{i}", f"{headline}\nbody {i}", {"headline": headline, "body": f"Body of article {i}."})


def test_headline_pairs_one_true_one_false_per_article_within_a_split():
    docs = [_article(i, f"HEADLINE {i % 7}") for i in range(40)] + [Document("reuters:x", "NO BODY", {"headline": "X"})]
    examples = labelled.headline_pair_examples(docs, split_of=task_split)
    assert len(examples) == 80
    headline_split = {d.fields["headline"]: set() for d in docs[:40]}
    for d in docs[:40]:
        headline_split[d.fields["headline"]].add(task_split(d.id))
    by_id = {d.id: d for d in docs}
    for ex in examples:
        own = by_id[ex.doc_id].fields["headline"]
        assert ex.text_b == by_id[ex.doc_id].fields["body"]
        if ex.label == "match":
            assert ex.text == own
        else:
            assert ex.label == "mismatch" and ex.text != own
            assert task_split(ex.doc_id) in headline_split[ex.text]  # drawn from the same split
    again = labelled.headline_pair_examples(docs, split_of=task_split)
    assert again == examples  # seeded by the article id


def test_cloze_blanks_the_longest_shared_word_and_answers_its_first_occurrence():
    headline = "CHINA BUYS WHEAT FROM CANADA, SAYS TRADE"
    passage = "Traders said China bought more wheat. Canada's wheat board said canada sold it."
    question, span = labelled.cloze_question(headline, passage)
    assert question == "CHINA BUYS WHEAT FROM [MASK], SAYS TRADE"  # "TRADE" is not a whole word there
    assert passage[span[0]:span[1]] == "Canada"
    assert labelled.cloze_question("U.S. TO ACT", passage) is None  # no word of 4+ letters in the body


def test_cloze_passage_is_the_opening_and_articles_without_a_question_are_left_out():
    body = "Wheat " + " ".join(f"w{i}" for i in range(100)) + " Maize"
    assert labelled.opening_words(body, 3) == "Wheat w0 w1"
    docs = [Document("r:1", "", {"headline": "MAIZE TALK", "body": body}),  # Maize lies beyond 80 words
            Document("r:2", "", {"headline": "WHEAT TALK", "body": body})]
    examples = labelled.cloze_examples(docs)
    assert [e.doc_id for e in examples] == ["r:2"]
    assert examples[0].answer_text == "Wheat" and examples[0].text == "[MASK] TALK"


# ------------------------------------------------------------------ splits and subsets


def _cls_data(n=400):
    return TaskData("toy", "cls", [Example(f"doc-{i}", f"text {i}", label="ab"[i % 2]) for i in range(n)])


def test_splits_partition_the_documents_and_test_is_pretrainings_held_out_share():
    from aekit.text.documents import split_of

    data = _cls_data(2000)
    parts = {s: {e.doc_id for e in data.split(s)} for s in ("train", "validation", "test")}
    assert sum(map(len, parts.values())) == 2000 and not parts["train"] & parts["test"]
    assert all(split_of(i, 0.1) == "validation" for i in parts["test"])
    assert all(split_of(i, 0.1) == "train" for i in parts["train"] | parts["validation"])
    assert 0.07 < len(parts["test"]) / 2000 < 0.13 and 0.07 < len(parts["validation"]) / 2000 < 0.13
    assert data.labels == ["a", "b"]


def test_label_subsets_are_seeded_and_nested():
    data = _cls_data()
    small, large = data.subset(10, seed=3), data.subset(100, seed=3)
    assert small == large[:10] and small == data.subset(10, seed=3) and small != data.subset(10, seed=4)
    assert len(data.subset(None)) == len(data.split("train"))
    with pytest.raises(ConfigError, match="--labels must be between 1 and"):
        data.subset(10_000)


# ------------------------------------------------------------------ user files


def test_user_csv_and_tsv_with_and_without_header(tmp_path):
    (tmp_path / "cls.csv").write_text('text,label\n"good, really",pos\nbad,neg\n\n')
    data = load_task_data(tmp_path / "cls.csv", "cls")
    assert [(e.text, e.label) for e in data.examples] == [("good, really", "pos"), ("bad", "neg")]
    (tmp_path / "pair.tsv").write_text("a headline\tits body\tmatch\nother\tbody\tmismatch\n")
    pair = load_task_data(tmp_path / "pair.tsv", "pair")
    assert pair.examples[0].text_b == "its body" and pair.labels == ["match", "mismatch"]


def test_user_file_errors_name_the_row(tmp_path):
    (tmp_path / "short.csv").write_text("text,label\ngood,pos\nno label here\n")
    with pytest.raises(DataError, match=r"short.csv row 3: expected 2 fields \(text,label\), got 1"):
        load_task_data(tmp_path / "short.csv", "cls")
    (tmp_path / "empty_label.csv").write_text("good,pos\nbad,\n")
    with pytest.raises(DataError, match="row 2: empty label"):
        load_task_data(tmp_path / "empty_label.csv", "cls")
    with pytest.raises(DataError, match="row 1: expected 3 fields"):
        load_task_data(tmp_path / "empty_label.csv", "pair")
    (tmp_path / "latin1.csv").write_bytes("café,pos\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_task_data(tmp_path / "latin1.csv", "cls")
    (tmp_path / "data.txt").write_text("x,y\n")
    with pytest.raises(DataError, match=".csv or .tsv"):
        load_task_data(tmp_path / "data.txt", "cls")


def test_unknown_task_dataset_or_mismatched_task(tmp_path):
    with pytest.raises(ConfigError, match="unknown task 'ner'"):
        load_task_data("spam", "ner")
    with pytest.raises(ConfigError, match="spam is a cls dataset, not tag"):
        load_task_data("spam", "tag")
    with pytest.raises(DataError, match="unknown dataset 'nope'"):
        load_task_data("nope", "cls")
    (tmp_path / "q.csv").write_text("a,b\n")
    with pytest.raises(ConfigError, match="a qa task needs a built-in dataset"):
        load_task_data(tmp_path / "q.csv", "qa")
