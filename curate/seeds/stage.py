"""The seeds stage: questions and question-answer pairs from the pages a run kept (and code files), checked.

Three step groups, run in order:

1. ``seeds_generate``: read the pages (+ :class:`~curate.seeds.steps.CodeFiles`) →
   :class:`~curate.seeds.steps.SeedSources` (rule-based mining; passages of selected pages for the LLM) → datatrove's
   InferenceRunner (:class:`~curate.llm.inference.LLMInferenceRunner`, checkpointed, so a killed run resumes) →
   ``<out>/seeds/_work/generated/``. Without ``extraction``, the mined seeds are written there directly.
2. ``seeds_check`` (counts the funnel in): one document per candidate seed → :class:`~curate.seeds.steps.CheckSeeds`
   (the checks, and the sandbox for code) → ``<out>/seeds/_work/checked/``.
3. ``seeds_dedup``: :class:`~curate.seeds.steps.DedupSeeds` → keep ``<out>/seeds/``.

The funnel's unit is the candidate seed: in = kept + dropped per reason. Pages and passages are counted in the
generate group's stats (``pages``, ``mined/<pattern>``, ``passages``, ``not_sent/<reason>``).
"""

from __future__ import annotations

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_GLOB, CountIn, KeepWriter
from curate.llm.inference import LLMInferenceRunner
from curate.seeds.config import SeedsConfig
from curate.seeds.extract import SeedRollout, load_prompts
from curate.seeds.sandbox import network_mode
from curate.seeds.steps import CheckedWriter, CheckSeeds, CodeFiles, DedupSeeds, ExpandPairs, SeedSources
from curate.stage import StageContext, StagePlan, StepGroup

STAGE = "seeds"
GENERATED_NAME = "${rank}_chunk_${chunk_index}.jsonl.gz"


def plan(cfg: SeedsConfig, ctx: StageContext) -> StagePlan:
    ext = cfg.extraction
    if ext is not None:
        load_prompts(ext.prompt_dir)  # bad prompt files fail before launch
    network_mode(cfg.sandbox.network)  # so does a namespace this machine cannot give
    work = ctx.kept_dir(STAGE) / "_work"
    rejects = ctx.rejects(STAGE)

    sources = [ctx.reader(rejects)]
    if cfg.code_paths:
        sources.append(CodeFiles(cfg.code_paths))
    sources.append(SeedSources(cfg.mine, ext))
    if ext is None:
        sources.append(JsonlWriter(str(work / "generated"), output_filename="${rank}_chunk_0.jsonl.gz"))
    else:
        sources.append(LLMInferenceRunner(
            SeedRollout(ext.prompt_dir, ext.max_pairs), ext.llm,
            JsonlWriter(str(work / "generated"), output_filename=GENERATED_NAME),
            checkpoints_dir=str(work / "checkpoints"), generation_params=ext.sampling(),
            records_per_chunk=ext.records_per_chunk, server_log_dir=str(ctx.logs_dir("seeds_generate") / "server"),
        ))
    check = [
        JsonlReader(str(work / "generated"), glob_pattern=KEPT_GLOB, recursive=False),
        ExpandPairs(ext.llm.model_name if ext else "", ext.sampling() if ext else {}),
        CountIn(),
        CheckSeeds(rejects, cfg.checks, cfg.sandbox),
        CheckedWriter(str(work / "checked"), rejects),
    ]
    dedup = [DedupSeeds(str(work / "checked"), rejects),
             KeepWriter(str(ctx.kept_dir(STAGE)), rejects, stage=STAGE, run_id=ctx.run_id)]
    return StagePlan([StepGroup("seeds_generate", sources), StepGroup("seeds_check", check),
                      StepGroup("seeds_dedup", dedup)])
