"""Validation checks (one test per drop reason), selection, chunking and prompt files; no LLM needed."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from curate.accounting import Rejects
from curate.errors import ConfigError
from curate.rewrite.config import RewriteConfig, ValidationConfig
from curate.rewrite.prompts import available_styles, load_styles
from curate.rewrite.select import SelectCandidates, chunk_text
from curate.rewrite.validate import ValidateRewrite, check, repeated_fraction

SOURCE = ("The Garden is a 1990 film by Derek Jarman. It was shot around his cottage at Dungeness in Kent, "
          "beside a nuclear power station, and mixes the story of Christ with images of the garden he grew on the "
          "shingle. Jarman made the film while he was ill, and it reflects on persecution, love and faith.")
GOOD = ("Derek Jarman directed The Garden in 1990. He filmed it near his home at Dungeness, on the Kent coast, "
        "where a nuclear power station stands next to the shingle beach. The film joins the story of Christ to "
        "scenes of the garden Jarman planted there, and it was made during his illness. Its themes are "
        "persecution, love and religious faith, seen through a very personal lens.")
PROMPT = load_styles(["distill"])["distill"]
CFG = ValidationConfig()


def reason(output: str, finish: str = "stop", source: str = SOURCE, language: str | None = "en") -> str | None:
    return check(output, finish, source, PROMPT, CFG, language)


def test_a_faithful_rewrite_is_kept():
    assert reason(GOOD) is None


def test_empty():
    assert reason("  \n ") == "empty"


def test_truncated():
    assert reason(GOOD, finish="length") == "truncated"


def test_refusal():
    assert reason("I'm sorry, but I can't help with rewriting this text. " + GOOD) == "refusal"


def test_refusal_only_counts_at_the_start():
    assert reason(GOOD + " The critic said: I cannot forget this film, and neither can the audience.") is None


def test_echo_of_the_instructions():
    echoed = "Rewrite the text below in clear, plain language. Keep all of its useful information. " + GOOD
    assert reason(echoed) == "echo"


def test_echo_of_the_source():
    assert reason(SOURCE) == "echo"


def test_repetition_loop():
    loop = GOOD + " " + " ".join(["The garden is by the sea and the film is about the garden."] * 12)
    assert repeated_fraction(loop, 8) > 0.3
    assert reason(loop) == "repetition"


def test_wrong_format_for_the_style():
    discussion = load_styles(["discussion"])["discussion"]
    assert check(GOOD, "stop", SOURCE, discussion, CFG, "en") == "wrong_format"
    turns = ("Student: Who made The Garden, and where?\nTeacher: " + GOOD +
             "\nStudent: So the film is personal?\nTeacher: Yes, it was made while Jarman was ill.")
    assert check(turns, "stop", SOURCE, discussion, CFG, "en") is None


def test_too_short_in_words_and_against_the_source():
    assert reason("Jarman made The Garden in 1990 at Dungeness.") == "too_short"
    long_source = " ".join([SOURCE] * 10)
    assert reason(GOOD, source=long_source) == "too_short"  # under the style's min_ratio of a 10x longer source


def test_wrong_language():
    german = ("Derek Jarman drehte den Film The Garden im Jahr 1990 in der Nähe seines Hauses in Dungeness an der "
              "Küste von Kent, wo ein Kernkraftwerk neben dem Kiesstrand steht. Der Film verbindet die Geschichte "
              "Christi mit Bildern seines Gartens und entstand während seiner Krankheit.")
    assert reason(german) == "wrong_language"
    assert reason(german, language="de") is None


def test_request_error_is_recorded_with_the_server_message(tmp_path):
    step = ValidateRewrite(["distill"], CFG, "m", {"max_tokens": 8})
    step.rejects = Rejects(str(tmp_path))
    doc = Document(text=SOURCE, id="p#distill", metadata={"style": "distill", "rollouts": [{"error": "BadRequest"}]})
    assert step.filter(doc) == (False, "request_error")
    assert doc.metadata["error"] == "BadRequest"


def test_kept_rewrite_carries_the_metadata(tmp_path):
    step = ValidateRewrite(["distill"], CFG, "smol", {"max_tokens": 300, "temperature": 0.7})
    step.rejects = Rejects(str(tmp_path))
    meta = {"style": "distill", "source_id": "p", "prompt_version": "distill.v1",
            "rollouts": [{"text": GOOD, "finish_reason": "stop",
                          "usage": {"prompt_tokens": 120, "completion_tokens": 80}}]}
    doc = Document(text=SOURCE, id="p#distill", metadata=meta)
    assert step.filter(doc) is True
    assert doc.text == GOOD
    expected = {"model": "smol", "finish_reason": "stop", "prompt_tokens": 120, "completion_tokens": 80,
                "sampling": {"max_tokens": 300, "temperature": 0.7}, "source_id": "p", "style": "distill",
                "prompt_version": "distill.v1"}
    assert {k: doc.metadata.get(k) for k in expected} == expected
    assert "rollouts" not in doc.metadata


def selector(**kw) -> SelectCandidates:
    args = dict(high_styles=["distill", "textbook"], mid_styles=["wikipedia"], score_key="edu_score", min_score=3.0,
                mid_min_score=2.0, min_chars=100, max_chars=5000, chunk_chars=1000, max_chunks=2)
    return SelectCandidates(**{**args, **kw})


@pytest.mark.parametrize("score,chars,expected", [
    (4.0, 300, (["distill", "textbook"], None)), (2.5, 300, (["wikipedia"], None)), (1.0, 300, ([], "low_score")),
    (None, 300, ([], "no_score")), (4.0, 50, ([], "too_short")), (4.0, 6000, ([], "too_long")),
])
def test_selection_by_score_and_length(score, chars, expected):
    meta = {} if score is None else {"edu_score": score}
    assert selector().styles_for(Document(text="x" * chars, id="d", metadata=meta)) == expected


def test_candidates_are_one_per_style_and_chunk_with_ids():
    text = "\n".join(f"Paragraph {i}. " + "word " * 80 for i in range(6))
    doc = Document(text=text, id="src", metadata={"edu_score": 4.0, "url": "http://x"})
    cands = list(selector(max_chars=10_000).run([doc]))
    assert [c.id for c in cands] == ["src#distill#0", "src#distill#1", "src#textbook#0", "src#textbook#1"]
    assert all(len(c.text) <= 1000 and c.metadata["source_id"] == "src" and c.metadata["url"] == "http://x"
               for c in cands)


def test_max_pages_caps_the_selected_pages_per_task():
    docs = [Document(text="x" * 300, id=str(i), metadata={"edu_score": 4.0}) for i in range(5)]
    step = selector(max_pages=2)
    assert [c.id for c in step.run(docs)] == ["0#distill", "0#textbook", "1#distill", "1#textbook"]
    assert step.stats["not_selected/max_pages"].total == 3


def test_chunking_keeps_short_text_whole_and_cuts_long_text_on_boundaries():
    assert chunk_text("short text", 100, 3) == ["short text"]
    text = " ".join(f"Sentence {i} is here." for i in range(200))
    chunks = chunk_text(text, 500, 3)
    assert len(chunks) == 3 and all(len(c) <= 500 and c.endswith(".") for c in chunks)


def test_every_shipped_style_loads_with_a_version():
    styles = load_styles(list(available_styles()))
    assert set(styles) == {"textbook", "discussion", "reasoning", "diverse_qa", "distill", "extract_knowledge",
                           "knowledge_list", "wikipedia"}
    assert all(p.prompt_version == f"{name}.v{p.version}" for name, p in styles.items())
    assert styles["wikipedia"].quality == "mid"


def test_unknown_style_and_bad_bounds_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown rewrite style"):
        load_styles(["poem"])
    with pytest.raises(ValueError, match="min_chars"):
        RewriteConfig(min_chars=10, max_chars=5)
    (tmp_path / "poem.yaml").write_text("style: poem\nversion: 1\n")
    with pytest.raises(ConfigError, match="must have the keys"):
        load_styles(["poem"], str(tmp_path))


def test_config_errors_are_caught_before_launch(tmp_path):
    from curate.config import parse_config
    from curate.pipeline import plan_run

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "hello"}\n')
    base = {"name": "t", "output": str(tmp_path / "out"), "input": {"paths": [str(src)], "format": "jsonl"}}
    with pytest.raises(ConfigError, match="unknown rewrite style"):
        plan_run(parse_config({**base, "rewrite": {"styles": ["poem"]}}))
    with pytest.raises(ConfigError, match="endpoint must be an http"):
        parse_config({**base, "rewrite": {"llm": {"endpoint": "gpu-node:8000"}}})
    with pytest.raises(ConfigError, match="not a decontam index"):
        plan_run(parse_config({**base, "rewrite": {"decontam_index": str(tmp_path)}}))


def test_cli_dry_run_shows_both_step_groups(tmp_path):
    from typer.testing import CliRunner

    from curate.cli import app

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "hello"}\n')
    result = CliRunner().invoke(app, ["rewrite", str(src), "-o", str(tmp_path / "out"), "--styles", "distill",
                                      "--endpoint", "http://127.0.0.1:9/v1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "rewrite_generate" in result.output and "rewrite_validate" in result.output
    assert "endpoint: http://127.0.0.1:9/v1" in result.output
    bad = CliRunner().invoke(app, ["rewrite", str(src), "-o", str(tmp_path / "o"), "--local", "--endpoint", "http://x"])
    assert bad.exit_code == 2 and "cannot be combined" in bad.output
