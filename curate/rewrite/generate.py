"""The rollout: one chat request per rewrite candidate, sent through datatrove's InferenceRunner.

The rollout never returns None (datatrove would silently remove the document): a request the server refuses
(HTTP 400, e.g. a prompt over the context) comes back as ``{"error": ...}`` and is dropped by validation as
``request_error``, so every candidate is accounted for. A server that is gone is not a per-document problem: that
error propagates and stops the task with a clear message (see :mod:`curate.llm.inference`).
"""

from __future__ import annotations

from datatrove.data import Document

from curate.llm.inference import generate_or_refusal
from curate.rewrite.prompts import LazyStyles


class RewriteRollout:
    """Callable rollout ``(doc, generate) -> dict``; prompt files are read lazily on the worker."""

    def __init__(self, styles: list[str], prompt_dir: str | None = None):
        self.prompts = LazyStyles(styles, prompt_dir)

    async def __call__(self, doc: Document, generate) -> dict:
        prompt = self.prompts[doc.metadata["style"]]
        doc.metadata["prompt_version"] = prompt.prompt_version
        result, refusal = await generate_or_refusal(generate, {"messages": prompt.messages(doc.text)})
        if refusal is not None:
            return {"error": refusal}
        return {"text": result.text, "finish_reason": result.finish_reason, "usage": result.usage}
