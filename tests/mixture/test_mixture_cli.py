"""`curate mixture` end to end with tasks=2: the manifest's counts against an independent recount, the cache, the
exports and chart, and every user error (bad specs, missing folders, unknown tokenizer)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from curate.cli import app

MANIFEST_KEYS = ["budget", "tokenizer", "created", "config_hash", "git_revision", "sources"]
SOURCE_KEYS = ["weight", "documents", "unique_tokens", "epochs", "files"]


def run_mixture(*args: str):
    return CliRunner().invoke(app, ["mixture", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def mixed(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("mixture_cli") / "out"
    result = run_mixture("-s", f"books={corpus['books']}:0.5", "-s", f"mmlu={corpus['mmlu']}:0.3",
                         "-s", f"gsm8k={corpus['gsm8k']}:0.2", "--budget", "2M", "-o", str(out), "--tasks", "2")
    assert result.exit_code == 0, result.output
    return out


def test_manifest_keys_and_counts_equal_an_independent_recount(mixed, corpus, neox_json, recount):
    manifest = yaml.safe_load((mixed / "manifest.yaml").read_text())
    assert list(manifest) == MANIFEST_KEYS
    assert manifest == json.loads((mixed / "manifest.json").read_text())
    assert manifest["budget"] == 2_000_000
    assert manifest["tokenizer"]["name"] == "gpt-neox-20b" and manifest["config_hash"].startswith("sha256:")
    assert list(manifest["sources"]) == ["books", "mmlu", "gsm8k"]
    for source in manifest["sources"].values():
        assert list(source) == SOURCE_KEYS
        files = [Path(f["path"]) for f in source["files"]]
        assert (source["documents"], source["unique_tokens"]) == recount(files, neox_json)
        assert source["unique_tokens"] == sum(f["tokens"] for f in source["files"])
        assert source["epochs"] == pytest.approx(source["weight"] * 2_000_000 / source["unique_tokens"], rel=1e-6)
        for f in source["files"]:
            assert f["tokens"] == recount([Path(f["path"])], neox_json)[1]
    books = manifest["sources"]["books"]
    # nested folders are read, a rejected/ folder is not
    top = [p.name for p in corpus["books"].glob("*.jsonl.gz")]
    assert sorted(Path(f["path"]).relative_to(corpus["books"]).parts[0] for f in books["files"]) == top + ["more"]
    assert books["documents"] == 200


def test_file_hashes_are_the_files_sha256(mixed):
    manifest = json.loads((mixed / "manifest.json").read_text())
    for source in manifest["sources"].values():
        for f in source["files"]:
            assert f["sha256"] == hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest()


def test_megatron_blend_and_sampling_plan(mixed):
    manifest = json.loads((mixed / "manifest.json").read_text())
    pairs = [line.split() for line in (mixed / "mixture" / "megatron_data_path.txt").read_text().splitlines()]
    assert len(pairs) == sum(len(s["files"]) for s in manifest["sources"].values())
    assert sum(float(w) for w, _ in pairs) == pytest.approx(1.0)
    by_source: dict[str, float] = {}
    for weight, prefix in pairs:
        assert prefix.startswith(str(mixed / "megatron") + "/") and prefix.endswith("_text_document")
        source = Path(prefix).relative_to(mixed / "megatron").parts[0]
        by_source[source] = by_source.get(source, 0.0) + float(weight)
    assert by_source == pytest.approx({n: s["weight"] for n, s in manifest["sources"].items()})
    assert str(mixed / "megatron" / "books" / "more") in " ".join(p for _, p in pairs)  # subfolders kept apart

    lines = (mixed / "mixture" / "sampling_plan.tsv").read_text().splitlines()
    assert lines[0].startswith("# sampling plan") and lines[1].split("\t")[:5] == [
        "source", "path", "sha256", "documents", "tokens"]
    rows = [dict(zip(lines[1].split("\t"), line.split("\t"))) for line in lines[2:]]
    for name, source in manifest["sources"].items():
        planned = sum(int(r["planned_tokens"]) for r in rows if r["source"] == name)
        assert planned == pytest.approx(source["weight"] * manifest["budget"], abs=len(source["files"]))


def test_chart_and_summary_in_the_report_folder(mixed):
    png = (mixed / "report" / "mixture.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    text = (mixed / "report" / "mixture.txt").read_text()
    assert "budget 2,000,000 tokens" in text and "gsm8k" in text


def test_rerun_reads_counts_from_the_cache(corpus, tmp_path, count_stats):
    """A second mixture over the same files (other output, shared cache) tokenizes nothing."""
    cache = tmp_path / "cache"
    args = ["-s", f"books={corpus['books']}", "-s", f"mmlu={corpus['mmlu']}", "--budget", "1M", "--tasks", "2",
            "--cache-dir", str(cache)]
    assert run_mixture(*args, "-o", str(tmp_path / "first")).exit_code == 0
    assert count_stats(tmp_path / "first")["files_counted"] == 4
    assert run_mixture(*args, "-o", str(tmp_path / "second")).exit_code == 0
    stats = count_stats(tmp_path / "second")
    assert stats["files_cached"] == 4 and "files_counted" not in stats
    first, second = (yaml.safe_load((tmp_path / d / "manifest.yaml").read_text()) for d in ("first", "second"))
    assert first["sources"] == second["sources"]
    # weights were missing: equal shares
    assert {n: s["weight"] for n, s in first["sources"].items()} == {"books": 0.5, "mmlu": 0.5}


def test_changed_file_is_counted_again(corpus, tmp_path, neox_json, recount, count_stats):
    """Re-running into the same output resumes; a file that changed since is recounted, the others are not."""
    import shutil

    folder = tmp_path / "mmlu"
    shutil.copytree(corpus["mmlu"], folder)
    args = ["-s", f"mmlu={folder}", "--budget", "1M", "--tasks", "2", "-o", str(tmp_path / "out")]
    assert run_mixture(*args).exit_code == 0
    victim = sorted(folder.glob("*.jsonl"))[0]
    victim.write_text("".join(victim.read_text().splitlines(keepends=True)[:10]))
    assert run_mixture(*args).exit_code == 0
    stats = count_stats(tmp_path / "out")
    assert stats["files_counted"] == 3 and stats["files_cached"] == 1  # 2 first time, then only the changed one
    manifest = yaml.safe_load((tmp_path / "out" / "manifest.yaml").read_text())
    assert manifest["sources"]["mmlu"]["unique_tokens"] == recount(sorted(folder.glob("*.jsonl")), neox_json)[1]


def test_zero_token_source_and_weights_not_summing_to_one(corpus, tmp_path):
    out = tmp_path / "out"
    result = run_mixture("-s", f"mmlu={corpus['mmlu']}:0.6", "-s", f"empty={corpus['empty']}:0.6",
                         "--budget", "1M", "-o", str(out), "-t", "2")
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert manifest["sources"]["empty"]["unique_tokens"] == 0 and manifest["sources"]["empty"]["epochs"] is None
    assert manifest["sources"]["mmlu"]["weight"] == pytest.approx(0.5)
    text = (out / "report" / "mixture.txt").read_text()
    assert "warning: weights sum to 1.2, not 1" in text
    assert "warning: source empty has no tokens" in text


def test_epochs_above_the_ceiling_warn(corpus, tmp_path):
    out = tmp_path / "out"
    assert run_mixture("-s", f"mmlu={corpus['mmlu']}", "--budget", "1M", "--max-epochs", "3", "-o", str(out),
                       "-t", "2").exit_code == 0
    assert "above max_epochs 3" in (out / "report" / "mixture.txt").read_text()


@pytest.mark.parametrize("source,message", [
    ("mmlu", "NAME=PATH"),
    ("mmlu=/no/such/folder:0.5", "source folder(s) not found: mmlu: /no/such/folder"),
    ("mmlu={mmlu}:x", "weight 'x' is not a number"),
    ("mmlu=s3://curate-no-bucket/mmlu:0.5", "s3://curate-no-bucket/mmlu (mixture.sources.mmlu): "),  # pre-flight
])
def test_bad_sources_stop_before_launch(corpus, tmp_path, source, message):
    result = run_mixture("-s", source.format(mmlu=corpus["mmlu"]), "--budget", "1M", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o" / "logs").exists()


def test_duplicate_source_names(corpus, tmp_path):
    result = run_mixture("-s", f"a={corpus['mmlu']}", "-s", f"a={corpus['books']}", "--budget", "1M",
                         "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "given twice" in result.output


def test_unknown_tokenizer_and_bad_budget(corpus, tmp_path):
    result = run_mixture("-s", f"a={corpus['mmlu']}", "--budget", "1M", "--tokenizer", "llama-9", "-o",
                         str(tmp_path / "o"))
    assert result.exit_code == 2 and "tokenizer 'llama-9' not found" in result.output
    result = run_mixture("-s", f"a={corpus['mmlu']}", "--budget", "12Q", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "mixture.budget" in result.output


def test_other_tokenizers_by_path(corpus, tmp_path, shared_data):
    import sentencepiece

    model = shared_data / "mistral-common-tokenizer" / "tokenizer.model.v1"
    out = tmp_path / "out"
    assert run_mixture("-s", f"gsm8k={corpus['gsm8k']}", "--budget", "1M", "--tokenizer", str(model),
                       "-o", str(out), "-t", "2").exit_code == 0
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert manifest["tokenizer"]["kind"] == "sentencepiece"
    import pyarrow.parquet as pq

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
    texts = pq.read_table(corpus["gsm8k"] / "test.parquet").column("text").to_pylist()
    assert manifest["sources"]["gsm8k"]["unique_tokens"] == sum(len(sp.encode(t)) for t in texts)


def test_verify_recounts_independently_and_catches_changes(corpus, tmp_path):
    import shutil

    folder = tmp_path / "books"
    shutil.copytree(corpus["books"], folder)
    out = tmp_path / "out"
    assert run_mixture("-s", f"books={folder}", "-s", f"gsm8k={corpus['gsm8k']}", "--budget", "1M", "-o", str(out),
                       "-t", "2").exit_code == 0
    runner = CliRunner()
    for manifest in ("manifest.yaml", "manifest.json"):
        result = runner.invoke(app, ["mixture-verify", str(out / manifest)])
        assert result.exit_code == 0, result.output
        assert "every file matches (hashes and token counts)" in result.output

    victim = next(folder.glob("*.jsonl.gz"))
    victim.write_bytes(victim.read_bytes()[:-30])  # truncated
    result = runner.invoke(app, ["mixture-verify", str(out / "manifest.yaml"), "--no-recount"])
    assert result.exit_code == 1
    assert f"MISMATCH books: {victim} content changed" in result.output
    victim.unlink()
    assert "missing" in runner.invoke(app, ["mixture-verify", str(out / "manifest.yaml")]).output

    result = runner.invoke(app, ["mixture-verify", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "manifest not found" in result.output


def test_verify_catches_a_wrong_count(mixed, tmp_path):
    manifest = yaml.safe_load((mixed / "manifest.yaml").read_text())
    manifest["sources"]["mmlu"]["files"][0]["tokens"] += 1
    edited = tmp_path / "manifest.yaml"
    edited.write_text(yaml.safe_dump(manifest))
    result = CliRunner().invoke(app, ["mixture-verify", str(edited)])
    assert result.exit_code == 1
    assert "tokens recounted, manifest says" in result.output and "files sum to" in result.output


def test_corrupt_file_is_reported_and_left_out(corpus, tmp_path, neox_json, recount, count_stats):
    import shutil

    folder = tmp_path / "books"
    shutil.copytree(corpus["books"], folder)
    good = sorted(p for p in folder.rglob("*.jsonl.gz") if "rejected" not in p.parts)
    broken = folder / "broken.jsonl.gz"
    broken.write_bytes(good[0].read_bytes()[:2000])  # a truncated gzip stream
    out = tmp_path / "out"
    result = run_mixture("-s", f"books={folder}", "--budget", "1M", "-o", str(out), "-t", "2")
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert sorted(f["path"] for f in manifest["sources"]["books"]["files"]) == sorted(str(p) for p in good)
    assert manifest["sources"]["books"]["unique_tokens"] == recount(good, neox_json)[1]
    assert f"warning: file {broken} (books) could not be read and was left out" in \
        (out / "report" / "mixture.txt").read_text()
    assert count_stats(out)["files_unreadable"] == 1
    assert not list((out / "mixture" / "_cache").rglob(f"{hashlib.sha256(broken.read_bytes()).hexdigest()}*"))
