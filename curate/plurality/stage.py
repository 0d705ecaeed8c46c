"""Plurality filtering as datatrove steps: sample N answers per question, vote, keep the contested questions.

1. ``plurality_generate``: read questions → datatrove's InferenceRunner with ``rollouts_per_document = samples``
   (:class:`~curate.llm.inference.LLMInferenceRunner`; checkpointed, so a rerun resumes).
2. ``plurality_vote`` (the accounted group): count in → :class:`PluralityFilter` → keep ``<out>/plurality/``.

Kept questions carry ``plurality_answer`` (standing in for a missing solution), ``plurality_agreement``
(votes / samples), the extracted ``plurality_answers``, and, when the input has a reference solution,
``reference_answer`` and ``plurality_correct``. Drops: ``all_agree``, ``none_agree``, ``tie``, ``no_answer``.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_GLOB, DropFilter
from curate.llm.inference import LLMInferenceRunner, generate_or_refusal
from curate.plurality.answers import extract_answer, verdict, vote
from curate.plurality.config import PluralityConfig
from curate.stage import StageContext, StagePlan, StepGroup

SYSTEM = "You are a careful math tutor."
INSTRUCTIONS = ("Solve the problem below. Reason step by step, then write the final answer alone on the last "
                "line as \"Answer: <number>\".\n\nProblem: {question}")


class AnswerRollout:
    """One sampled solution of a question; returns its text, finish reason and extracted answer."""

    def __init__(self, seed: int | None):
        self.seed = seed

    async def __call__(self, doc: Document, generate) -> dict:
        payload = {"messages": [{"role": "system", "content": SYSTEM},
                                {"role": "user", "content": INSTRUCTIONS.format(question=doc.text.strip())}]}
        if self.seed is not None:  # distinct per sample, or every sample would be identical
            payload["seed"] = self.seed + len(doc.metadata.setdefault("_seeds", []))
            doc.metadata["_seeds"].append(payload["seed"])
        result, refusal = await generate_or_refusal(generate, payload)
        if refusal is not None:  # a refused request (e.g. over the context) is a sample without an answer
            return {"error": refusal, "answer": None}
        return {"text": result.text, "finish_reason": result.finish_reason, "answer": extract_answer(result.text)}


class PluralityFilter(DropFilter):
    """Vote over the sampled answers; drop unanimous, split, tied and unanswered questions."""

    name = "🗳️ plurality vote"

    def __init__(self, samples: int, reference_key: str | None, rollouts_key: str = "rollouts"):
        super().__init__()
        self.samples, self.reference_key, self.rollouts_key = samples, reference_key, rollouts_key

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        rollouts = doc.metadata.pop(self.rollouts_key, None) or []
        doc.metadata.pop("_seeds", None)
        answers = [r.get("answer") for r in rollouts]
        v = vote(answers, self.samples)
        doc.metadata.update(plurality_answers=answers, plurality_answer=v.answer,
                            plurality_agreement=round(v.agreement, 4), plurality_votes=v.votes,
                            plurality_samples=self.samples)
        reference = doc.metadata.get(self.reference_key) if self.reference_key else None
        if isinstance(reference, str):
            doc.metadata["reference_answer"] = extract_answer(reference)
            doc.metadata["plurality_correct"] = v.answer is not None and v.answer == doc.metadata["reference_answer"]
        reason = verdict(v)
        return (False, reason) if reason else True


def plan(cfg: PluralityConfig, ctx: StageContext) -> StagePlan:
    generated = str(ctx.work_dir / "generated")
    runner = LLMInferenceRunner(
        AnswerRollout(cfg.seed), cfg.llm,
        JsonlWriter(generated, output_filename="${rank}_chunk_${chunk_index}.jsonl.gz"),
        checkpoints_dir=str(ctx.work_dir / "checkpoints"), generation_params=cfg.sampling(), rollouts=cfg.samples,
        records_per_chunk=cfg.records_per_chunk, server_log_dir=str(ctx.logs_dir("plurality_generate") / "server"),
    )
    vote = ctx.accounted([PluralityFilter(cfg.samples, cfg.reference_key)], name="plurality_vote",
                         reader=JsonlReader(generated, glob_pattern=KEPT_GLOB, recursive=False), reads_input=False)
    return StagePlan([StepGroup("plurality_generate", [ctx.reader(counted=False), runner]), vote])
