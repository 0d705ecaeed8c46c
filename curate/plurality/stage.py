"""Plurality filtering as datatrove steps: sample N answers per question, vote, keep the contested questions.

1. ``plurality_generate``: read questions → :class:`MaxQuestions` → datatrove's InferenceRunner with
   ``rollouts_per_document = samples`` (:class:`~curate.llm.inference.LLMInferenceRunner`; checkpointed, so a rerun
   resumes).
2. ``plurality_vote`` (the accounted group): count in → :class:`PluralityFilter` → the decontam stage's check →
   keep ``<out>/plurality/``.

A kept question becomes a synthetic document: its text is the question, a blank line, and the first sampled solution
that reached the plurality answer (standing in for a missing solution); metadata ``question`` keeps the question
alone, with ``plurality_answer``, ``plurality_agreement`` (votes / samples), the extracted ``plurality_answers``,
and, when the input has a reference solution, ``reference_answer`` and ``plurality_correct``. A code seed from the
seeds stage is not voted on: its answer already ran correctly in the sandbox, so it is kept with that answer as
its solution (counted as ``kept/verified_code``). Drops: ``all_agree``, ``none_agree``, ``tie``, ``no_answer``,
``contaminated``.

In a pipeline run the stage votes on the seeds stage's ``questions`` artifact, and its output is the ``synthetic``
artifact, the mixture's ``synthetic`` source; alone (``curate plurality FILES``) it reads question documents.
"""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_GLOB, DropFilter
from curate.decontam.generated import generated_check
from curate.llm.inference import LLMInferenceRunner, generate_or_refusal
from curate.plurality.answers import extract_answer, verdict, vote
from curate.plurality.config import PluralityConfig
from curate.stage import StageContext, StagePlan, StepGroup

SYSTEM = "You are a careful tutor."
INSTRUCTIONS = ("Answer the question below. Reason step by step, then write the final answer alone on the last line "
                "as \"Answer: <answer>\" (a number when the question asks for one, otherwise a word or a short "
                "phrase).\n\nQuestion: {question}")


def verified_code(doc: Document) -> bool:
    """A code seed whose answer the seeds stage ran correctly in its sandbox: checked by execution, not by vote."""
    return doc.metadata.get("kind") == "code" and (doc.metadata.get("code_check") or {}).get("status") == "ok"


class MaxQuestions(PipelineStep):
    """Passes at most ``limit`` questions per task to the vote; the others are counted as
    ``not_selected/max_questions`` (they stay in the upstream output). Verified code seeds cost no LLM call: they
    always pass and do not count."""

    name = "🎯 select questions"
    type = "🗳️ - PLURALITY"

    def __init__(self, limit: int | None):
        super().__init__()
        self.limit = limit

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        selected = 0
        for doc in data:
            if verified_code(doc):
                self.stat_update("verified_code")
                yield doc
            elif self.limit is None or selected < self.limit:
                selected += 1
                self.stat_update("selected")
                yield doc
            else:
                self.stat_update("not_selected/max_questions")


class AnswerRollout:
    """One sampled solution of a question; returns its text, finish reason and extracted answer."""

    def __init__(self, seed: int | None):
        self.seed = seed

    async def __call__(self, doc: Document, generate) -> dict:
        if verified_code(doc):
            return {"answer": None, "skipped": "code checked by execution"}
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
    """Vote over the sampled answers; drop unanimous, split, tied and unanswered questions; a kept question's text
    becomes the question and a solution (see the module docstring)."""

    name = "🗳️ plurality vote"

    def __init__(self, samples: int, reference_key: str | None, rollouts_key: str = "rollouts"):
        super().__init__()
        self.samples, self.reference_key, self.rollouts_key = samples, reference_key, rollouts_key

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        rollouts = doc.metadata.pop(self.rollouts_key, None) or []
        doc.metadata.pop("_seeds", None)
        if verified_code(doc):
            self.stat_update("kept/verified_code")
            return self._keep(doc, f"```python\n{doc.metadata['answer'].strip()}\n```")
        answers = [r.get("answer") for r in rollouts]
        v = vote(answers, self.samples)
        doc.metadata.update(plurality_answers=answers, plurality_answer=v.answer,
                            plurality_agreement=round(v.agreement, 4), plurality_votes=v.votes,
                            plurality_samples=self.samples)
        reference = doc.metadata.get(self.reference_key) if self.reference_key else None
        reference_answer = extract_answer(reference) if isinstance(reference, str) else None
        if reference_answer is not None:
            doc.metadata["reference_answer"] = reference_answer
            doc.metadata["plurality_correct"] = v.answer == reference_answer
        reason = verdict(v)
        if reason:
            return False, reason
        return self._keep(doc, next(r["text"] for r in rollouts if r.get("answer") == v.answer).strip())

    @staticmethod
    def _keep(doc: Document, solution: str) -> bool:
        doc.metadata["question"] = doc.text
        doc.text = f"{doc.text.strip()}\n\n{solution}"
        return True


def plan(cfg: PluralityConfig, ctx: StageContext) -> StagePlan:
    generated = str(ctx.work_dir / "generated")
    runner = LLMInferenceRunner(
        AnswerRollout(cfg.seed), cfg.llm,
        JsonlWriter(generated, output_filename="${rank}_chunk_${chunk_index}.jsonl.gz"),
        checkpoints_dir=str(ctx.work_dir / "checkpoints"), generation_params=cfg.sampling(), rollouts=cfg.samples,
        records_per_chunk=cfg.records_per_chunk, server_log_dir=str(ctx.logs_dir("plurality_generate") / "server"),
    )
    vote = ctx.accounted([PluralityFilter(cfg.samples, cfg.reference_key), *generated_check(cfg, ctx)],
                         reader=JsonlReader(generated, glob_pattern=KEPT_GLOB, recursive=False),
                         name="plurality_vote", reads_input=False)
    generate = StepGroup("plurality_generate", [ctx.reader(counted=False), MaxQuestions(cfg.max_questions), runner])
    return StagePlan([generate, vote])
