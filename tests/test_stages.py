"""The stage contract: requirements checked when the pipeline is built, stages left out by name,
the layers each stage adds, and the stage list the README shows."""
import pytest

from hebnews.stages import ORDER, PipelineError, Stage, WorkDoc, check_chain, expand_names, run_stages

from .conftest import ROOT


class _Needs(Stage):
    name = "needs-entities"
    requires = ("entities",)
    provides = ("x",)


class _Gives(Stage):
    name = "gives-entities"
    provides = ("entities",)


def test_a_chain_with_a_missing_requirement_is_refused_at_build_time():
    with pytest.raises(PipelineError, match="needs-entities' requires entities, which no earlier stage"):
        check_chain([_Needs()])
    check_chain([_Gives(), _Needs()])
    with pytest.raises(PipelineError, match="appears twice"):
        check_chain([_Gives(), _Gives()])


def test_group_and_stage_names():
    assert expand_names(["quotes"]) == {"quote-candidates", "quote-head", "speakers", "gender"}
    with pytest.raises(PipelineError, match="unknown stage 'qoutes'"):
        expand_names(["qoutes"])


def test_load_without_quotes_and_without_entities(annotator):
    no_quotes = annotator.replace(exclude=["quotes"])
    assert [s.name for s in no_quotes.stages] == [n for n in ORDER if n not in expand_names(["quotes"])]
    assert no_quotes.quote_tagger is None
    text = 'השר אמר: "נמשיך לעבוד". ראש הממשלה בנימין נתניהו נפגש בירושלים עם נשיא צרפת.'
    full, bare = annotator.annotate(text), no_quotes.annotate(text)
    assert full.quotes and bare.quotes == [] and bare.entities == full.entities
    with pytest.raises(PipelineError, match="requires entities"):  # the quote head needs clusters
        annotator.replace(exclude=["prefixes"])


def test_each_stage_adds_its_layers(annotator):
    doc = run_stages(annotator.stages, [WorkDoc("דונלד טראמפ נפגש עם ולדימיר פוטין באלסקה.")])[0]
    provided = {p for s in annotator.stages for p in s.provides}
    assert doc.layers == provided
    for e in doc.entities:
        assert doc.text[e.start:e.end] == e.text


def test_the_readme_shows_the_stage_list_the_code_builds(annotator):
    readme = (ROOT / "README.md").read_text("utf-8")
    for s in annotator.describe():
        row = f"| `{s['name']}` | {', '.join(s['requires']) or '-'} | {', '.join(s['provides'])} |"
        assert row in readme, row
