"""The seeds stage's datatrove steps; each takes explicit arguments and knows nothing of the run around it.

Generate group: :class:`CodeFiles` (adds the code files to the pages) → :class:`SeedSources` (mined seeds, and the
passages for the LLM) → datatrove's InferenceRunner (:class:`~curate.seeds.extract.SeedRollout`).
Expand group: :class:`ExpandPairs` (one document per candidate seed) → a writer.
Check group (the stage's accounted one): :class:`SeedsByQuestion` → count in → :class:`CheckSeeds` →
:class:`DedupSeeds` → keep.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curate.accounting import KEPT_GLOB, DropFilter
from curate.io.readers import list_input_files
from curate.jsonio import iter_jsonl
from curate.seeds.checks import check, words
from curate.seeds.code import file_functions, page_functions, parse_code_answer, program
from curate.seeds.config import ExtractionConfig, SandboxConfig, SeedChecks
from curate.seeds.extract import parse_pairs, passages, selection_problem
from curate.seeds.mine import mine
from curate.seeds.sandbox import run_python

SOURCE_META = ("url", "language")  # page metadata copied onto its seeds, besides its score


class CodeFiles(PipelineStep):
    """Passes the pages through, then reads this task's share of the Python files under ``paths``."""

    name = "🐍 code files"
    type = "🌱 - SEEDS"

    def __init__(self, paths: list[str], glob: str = "*.py"):
        super().__init__()
        self.paths, self.glob = list(paths), glob

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for path, rel in list_input_files(self.paths, self.glob)[rank::world_size]:
            self.stat_update("code_files")
            source = Path(path).read_text(encoding="utf-8", errors="replace")
            yield Document(text=source, id=f"code/{rel}", metadata={"code_path": path})


class SeedSources(PipelineStep):
    """Page or code file → its mined seeds (no LLM) and, if it is selected, its passages for the LLM."""

    name = "⛏️ mine seeds"
    type = "🌱 - SEEDS"

    def __init__(self, mine_pages: bool, extraction: ExtractionConfig | None):
        super().__init__()
        self.mine_pages, self.extraction = mine_pages, extraction

    def _base(self, doc: Document) -> dict:
        """What every seed of ``doc`` carries from it: its id, url, language and score."""
        keys = SOURCE_META + ((self.extraction.score_key,) if self.extraction and self.extraction.score_key else ())
        return {**{k: doc.metadata[k] for k in keys if k in doc.metadata}, "source_id": doc.id}

    def mined(self, doc: Document, is_code: bool) -> list[Document]:
        base, out = self._base(doc), []
        if not is_code and self.mine_pages:
            for k, s in enumerate(mine(doc.text)):
                meta = {**base, "extractor": "mined", "pattern": s.pattern, "span": list(s.span),
                        "kind": "question" if s.answer is None else "qa"}
                if s.answer is not None:
                    meta["answer"] = s.answer
                out.append(Document(text=s.question, id=f"{doc.id}#m{k}", metadata=meta))
        functions = file_functions(doc.text) if is_code else page_functions(doc.text) if self.mine_pages else []
        for k, s in enumerate(functions):
            meta = {**base, "extractor": "mined", "pattern": "doctest", "span": list(s.span), "kind": "code",
                    "answer": s.answer, "test": s.test, "function": s.name}
            out.append(Document(text=s.question, id=f"{doc.id}#c{k}", metadata=meta))
        return out

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        sent = 0
        for doc in data:
            is_code = "code_path" in doc.metadata
            self.stat_update("code_files_read" if is_code else "pages")
            seeds = self.mined(doc, is_code)
            for seed in seeds:
                self.stat_update(f"mined/{seed.metadata['pattern']}")
                yield seed
            if self.extraction is None:
                continue
            reason = selection_problem(doc, self.extraction, is_code)
            if reason is None and self.extraction.max_pages is not None and sent >= self.extraction.max_pages:
                reason = "max_pages"
            if reason:
                self.stat_update(f"not_sent/{reason}")
                continue
            sent += 1
            for k, (text, span) in enumerate(passages(doc.text, self.extraction)):
                self.stat_update("passages")
                meta = {**self._base(doc), "extractor": "llm", "prompt": "code" if is_code else "qa",
                        "span": list(span), "chunk": k}
                yield Document(text=text, id=f"{doc.id}#x{k}", metadata=meta)


class ExpandPairs(PipelineStep):
    """A generated passage → one document per question-answer pair it produced (each a candidate seed), or one
    document marked with why it produced none (``request_error``, ``no_pairs``); mined seeds pass as they are."""

    name = "📤 expand pairs"
    type = "🌱 - SEEDS"

    def __init__(self, model: str, sampling: dict, rollouts_key: str = "rollouts"):
        super().__init__()
        self.model, self.sampling, self.rollouts_key = model, dict(sampling), rollouts_key

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            rollouts = doc.metadata.pop(self.rollouts_key, None)
            if doc.metadata.get("extractor") != "llm":
                yield doc
                continue
            yield from self.expand(doc, (rollouts or [{"error": "no generation recorded"}])[0])

    def expand(self, doc: Document, result: dict) -> list[Document]:
        usage = result.get("usage") or {}
        meta = {**doc.metadata, "model": self.model, "sampling": self.sampling,
                "finish_reason": result.get("finish_reason"), "completion_tokens": usage.get("completion_tokens", 0)}
        if "error" in result:
            return [Document(text="", id=doc.id, metadata={**meta, "_drop": "request_error", "error": result["error"]})]
        generation = result.get("text") or ""
        code = meta["prompt"] == "code"
        pairs = _code_pairs(generation) if code else [(q, a, None) for q, a in parse_pairs(generation)]
        if not pairs:
            return [Document(text=generation, id=doc.id, metadata={**meta, "_drop": "no_pairs"})]
        out = []
        for k, (question, answer, test) in enumerate(pairs):
            seed_meta = {**meta, "kind": "code" if code else "qa", "answer": answer, "_passage": doc.text}
            if code:
                seed_meta["test"] = test
                if test is None:
                    seed_meta["_drop"] = "no_test"
            if k == len(pairs) - 1 and result.get("finish_reason") == "length":
                seed_meta["_drop"] = "truncated"  # the last pair may be cut off
            out.append(Document(text=question, id=f"{doc.id}.{k}", metadata=seed_meta))
        self.stat_update("pairs", value=len(out))
        return out


def _code_pairs(generation: str) -> list[tuple[str, str, str | None]]:
    question, solution, test = parse_code_answer(generation)
    return [(question, solution, test)] if question and solution else []


class CheckSeeds(DropFilter):
    """Drops a seed failing a check (:mod:`curate.seeds.checks`) or, for code, failing in the sandbox
    (``code_failed``, with the sandbox's status and error in ``metadata.code_check``)."""

    name = "✅ check seeds"
    default_reason = "invalid"

    def __init__(self, checks: SeedChecks, sandbox: SandboxConfig):
        super().__init__()
        self.checks, self.sandbox = checks, sandbox

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        meta = doc.metadata
        drop, passage = meta.pop("_drop", None), meta.pop("_passage", None)
        if drop:
            return False, drop
        grounded = passage if meta["extractor"] == "llm" and meta["kind"] != "code" else None
        reason, detail = check(doc.text, meta.get("answer"), self.checks, grounded)
        if reason:
            meta["check_detail"] = detail
            return False, reason
        if meta["kind"] == "code":
            outcome = run_python(program(meta["answer"], meta["test"]), self.sandbox)
            meta["code_check"] = {"status": outcome.status, "error": outcome.error, "seconds": outcome.seconds,
                                  "network": outcome.network}
            if not outcome.ok:
                return False, "code_failed"
        self.stat_update(f"kept/{meta['extractor']}/{meta['kind']}")
        return True


def question_key(question: str) -> bytes:
    """What two questions share when they are the same question: their words, lowercased, in order."""
    return hashlib.blake2b(" ".join(words(question)).encode(), digest_size=12).digest()


class SeedsByQuestion(PipelineStep):
    """Reads every candidate file in the same order in every task and passes on the seeds whose question key falls
    to this task, so a question and all its repeats meet in one task whatever the task count. It reads the JSONL
    itself: datatrove's reader skips documents without text, and a candidate that failed before it had a question
    (``request_error``) must still be counted and dropped."""

    name = "📖 seeds by question"
    type = "📖 - READER"

    def __init__(self, folder: str):
        super().__init__()
        self.folder = str(folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for path in sorted(Path(self.folder).glob(KEPT_GLOB)):
            for _, record in iter_jsonl(path):
                text = record.get("text") or ""  # datatrove's writer leaves an empty text out
                if int.from_bytes(question_key(text)[:8], "big") % world_size == rank:
                    yield Document(text=text, id=record["id"], metadata=record.get("metadata", {}))


class DedupSeeds(DropFilter):
    """Removes repeated questions within a document and across the run (after :class:`SeedsByQuestion`, every
    repeat of a question reaches the task of its first occurrence, in input order): the first one that passed the
    checks is kept; a repeat is dropped as ``duplicate_in_document`` (same source document as the kept one) or
    ``duplicate_in_run``, with ``duplicate_of`` naming the kept seed."""

    name = "🫧 dedup seeds"

    def __init__(self):
        super().__init__()
        self._first: dict[bytes, tuple[str, str]] = {}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        key = question_key(doc.text)
        if key not in self._first:
            self._first[key] = (doc.id, doc.metadata["source_id"])
            return True
        kept_id, kept_source = self._first[key]
        doc.metadata["duplicate_of"] = kept_id
        return False, "duplicate_in_document" if kept_source == doc.metadata["source_id"] else "duplicate_in_run"
