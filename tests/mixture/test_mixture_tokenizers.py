"""Tokenizers by path (HuggingFace, tiktoken, SentencePiece), the shipped default, and unknown tokenizers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from curate.errors import CurateError
from curate.tokenizers import BUILTIN, load_counter, resolve_tokenizer

TEXTS = ["The quick brown fox's tail.", "Théorème: 2 + 2 = 4\n\n  indented <|endoftext|> text", ""]


def test_default_is_the_shipped_gpt_neox_tokenizer(repo_root):
    ref = resolve_tokenizer(None)
    assert ref.name == "gpt-neox-20b" and ref.kind == "hf"
    assert Path(ref.path) == repo_root / "curate" / "data" / "tokenizers" / "gpt-neox-20b" / "tokenizer.json"
    folder = Path(ref.path).parent
    assert (folder / "SOURCE.md").is_file() and "Apache License" in (folder / "LICENSE.txt").read_text()
    assert ref.sha256 in (folder / "SOURCE.md").read_text()  # the note names the exact file shipped


def test_shipped_name_survives_config_path_resolution(tmp_path):
    """A config's `tokenizer: gpt-neox-20b` arrives resolved against the config folder; it still names the builtin."""
    ref = resolve_tokenizer(str(tmp_path / "gpt-neox-20b"))
    assert ref.name == "gpt-neox-20b" and Path(ref.path) == BUILTIN["gpt-neox-20b"]


def test_hf_tokenizer_json_by_path_and_by_folder(shared_data):
    from tokenizers import Tokenizer

    path = shared_data / "rwkv-20b-tokenizer" / "20B_tokenizer.json"
    direct = Tokenizer.from_file(str(path))
    expected = [len(direct.encode(t, add_special_tokens=False).ids) for t in TEXTS]
    for spec in (path, path.parent):
        ref = resolve_tokenizer(str(spec))
        assert ref.kind == "hf"
        assert load_counter(ref).count(TEXTS) == expected
    assert expected[0] > 0


def test_tiktoken_file_counts_like_tiktoken(shared_data):
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    path = shared_data / "whisper-gpt2-tiktoken" / "gpt2.tiktoken"
    gpt2 = tiktoken.Encoding(
        name="gpt2", pat_str=r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
        mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens={"<|endoftext|>": 50256})
    ref = resolve_tokenizer(str(path))
    assert ref.kind == "tiktoken"
    assert load_counter(ref).count(TEXTS) == [len(gpt2.encode_ordinary(t)) for t in TEXTS]
    assert load_counter(ref).encoder.encode_ordinary("hello world") == [31373, 995]  # GPT-2's ids


def test_sentencepiece_model_counts_like_sentencepiece(shared_data, tmp_path):
    import sentencepiece

    path = shared_data / "mistral-common-tokenizer" / "tokenizer.model.v1"
    sp = sentencepiece.SentencePieceProcessor(model_file=str(path))
    expected = [len(sp.encode(t)) for t in TEXTS]
    ref = resolve_tokenizer(str(path))
    assert ref.kind == "sentencepiece"
    assert load_counter(ref).count(TEXTS) == expected
    # a model file with no telling name is recognised from its bytes
    shutil.copy(path, tmp_path / "mistral")
    assert resolve_tokenizer(str(tmp_path / "mistral")).kind == "sentencepiece"


@pytest.mark.parametrize("spec,message", [
    ("no-such-tokenizer", "not found"),
    ("/nowhere/tokenizer.json", "not found"),
])
def test_unknown_tokenizer(spec, message):
    with pytest.raises(CurateError, match=message) as err:
        resolve_tokenizer(spec)
    assert "gpt-neox-20b" in str(err.value)  # the message lists what can be given


def test_files_that_are_not_tokenizers(shared_data, tmp_path):
    with pytest.raises(CurateError, match="did not load as a hf tokenizer"):
        resolve_tokenizer(str(shared_data / "gsm8k" / "test.jsonl"))
    with pytest.raises(CurateError, match="did not load as a sentencepiece tokenizer"):
        resolve_tokenizer(str(shared_data / "SOURCES.md"))
    with pytest.raises(CurateError, match="no tokenizer file"):
        resolve_tokenizer(str(shared_data / "mmlu"))


def test_tiktoken_file_of_unknown_encoding(shared_data, tmp_path):
    lines = (shared_data / "whisper-gpt2-tiktoken" / "gpt2.tiktoken").read_text().splitlines()[:300]
    odd = tmp_path / "mine.tiktoken"
    odd.write_text("\n".join(lines) + "\n")
    with pytest.raises(CurateError, match="cannot tell which tiktoken encoding"):
        resolve_tokenizer(str(odd))
