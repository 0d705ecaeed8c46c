"""``curate classifier annotate``: label documents with an LLM using a recipe's prompt, resumably.

Each document is cut to the recipe's ``annotate.max_chars``, put into the prompt (``{text}``) and sent to an
OpenAI-compatible chat endpoint (a llama.cpp server started on loopback by default, or any vLLM/SGLang URL).
The score is read from the answer with the recipe's ``score_pattern`` (the last match, case-insensitive) and
must be one of the recipe's classes; anything else is a malformed answer: counted, asked again up to
``retries`` times (at temperature 0.7 after the first try, so a retry can differ), then recorded with
``score: null`` and the reason, never guessed. The text before the score line is kept as the justification.

The output is JSONL, one line per document, flushed as it goes; re-running the same command skips documents
whose id is already in the output (a half-written last line from an interruption is discarded first).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from curate.classify.recipe import Recipe
from curate.errors import CurateError
from curate.jsonio import iter_jsonl

RETRY_TEMPERATURE = 0.7


@dataclass
class Parsed:
    score: int | float | str | None
    justification: str
    error: str | None = None


def parse_answer(answer: str, recipe: Recipe) -> Parsed:
    """The score (a class value of the recipe) and justification in an answer, or the reason it is malformed."""
    spec = recipe.annotate
    matches = list(re.finditer(spec.score_pattern, answer or "", flags=re.IGNORECASE))
    if not matches:
        return Parsed(None, (answer or "").strip(), "no_score")
    last = matches[-1]
    index = recipe.labels.index(last.group(1))
    if index is None:
        return Parsed(None, answer.strip(), "score_not_a_class")
    return Parsed(recipe.labels.classes[index], answer[: last.start()].strip())


def read_documents(path: str | Path, text_key: str = "text", id_key: str = "id"):
    """(id, text) pairs from a JSONL file (optionally .gz); a missing id becomes ``<file>:<line>``."""
    path = Path(path)
    if not path.is_file():
        raise CurateError(f"input not found: {path}; give a JSONL file of documents")
    for line_no, rec in iter_jsonl(path):
        text = rec.get(text_key)
        if isinstance(text, str) and text.strip():
            yield str(rec.get(id_key, f"{path.name}:{line_no}")), text


def done_ids(output: Path) -> set[str]:
    """Ids already in the output; drops a truncated last line left by an interruption."""
    if not output.is_file():
        return set()
    raw = output.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raw = raw[: raw.rfind(b"\n") + 1]
        output.write_bytes(raw)
    ids = set()
    for line in raw.decode("utf-8").splitlines():
        try:
            ids.add(str(json.loads(line)["id"]))
        except (json.JSONDecodeError, KeyError):
            continue
    return ids


def prompt_template(recipe: Recipe) -> str:
    """The recipe's annotation prompt, with its ``{text}`` placeholder."""
    return recipe.path(recipe.annotate.prompt).read_text(encoding="utf-8")


def annotate_one(ask, recipe: Recipe, text: str, stats: Counter, template: str | None = None) -> dict:
    """Ask until the answer parses or the retries run out; the record to write.

    ``template`` is the recipe's prompt (:func:`prompt_template`), read from its file when not given.
    """
    spec = recipe.annotate
    template = prompt_template(recipe) if template is None else template
    prompt = template.replace("{text}", text[: spec.max_chars])
    answer, parsed = "", Parsed(None, "", "no_answer")
    for attempt in range(1, spec.retries + 2):
        temperature = spec.temperature if attempt == 1 else max(spec.temperature, RETRY_TEMPERATURE)
        answer = ask(prompt, temperature, spec.max_tokens)
        parsed = parse_answer(answer, recipe)
        if parsed.error is None:
            break
        stats[f"malformed.{parsed.error}"] += 1
    stats["dropped" if parsed.error else "annotated"] += 1
    return {"score": parsed.score, "justification": parsed.justification, "answer": answer, "attempts": attempt,
            "error": parsed.error}


def annotate_file(recipe: Recipe, input_path, output, ask, model_name: str, limit: int = -1,
                  text_key: str = "text", id_key: str = "id") -> Counter:
    """Annotate the documents of ``input_path`` not yet in ``output``; returns the counts (see :func:`describe`).

    ``ask(prompt, temperature, max_tokens) -> str`` sends one prompt (see :func:`endpoint_asker`).
    """
    if recipe.annotate is None:
        raise CurateError(f"recipe {recipe.name} has no annotate block (prompt, score_pattern); add one")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    template = prompt_template(recipe)
    skip = done_ids(output)
    stats: Counter = Counter(resumed=len(skip))
    with open(output, "a", encoding="utf-8") as out:
        for doc_id, text in read_documents(input_path, text_key, id_key):
            if doc_id in skip:
                continue
            if limit != -1 and stats["annotated"] + stats["dropped"] >= limit:
                break
            record = {"id": doc_id, "text": text, **annotate_one(ask, recipe, text, stats, template),
                      "model": model_name}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            skip.add(doc_id)
    return stats


def describe(stats: Counter) -> str:
    """One line on what :func:`annotate_file` did."""
    malformed = {k.split(".", 1)[1]: v for k, v in stats.items() if k.startswith("malformed.")}
    return (f"annotated {stats['annotated']}, dropped {stats['dropped']} after malformed answers, "
            f"{stats['resumed']} already done; malformed answers: {malformed or 'none'}")


@contextmanager
def endpoint_asker(endpoint) -> Iterator[Callable[[str, float, int], str]]:
    """``ask`` for :func:`annotate_file` over a :class:`curate.llm.client.Endpoint` (one user message); its HTTP
    connections are closed when the block ends."""
    import httpx

    from curate.llm.client import chat

    with httpx.Client(timeout=endpoint.timeout_s) as client:
        def ask(prompt: str, temperature: float, max_tokens: int) -> str:
            messages = [{"role": "user", "content": prompt}]
            return chat(endpoint, messages, client=client, temperature=temperature, max_tokens=max_tokens).text
        yield ask
