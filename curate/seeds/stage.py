"""The seeds stage: questions and question-answer pairs from the pages a run kept (and code files), checked.

Three step groups, run in order:

1. ``seeds_generate``: read the pages (+ :class:`~curate.seeds.steps.CodeFiles`) →
   :class:`~curate.seeds.steps.SeedSources` (rule-based mining; passages of selected pages for the LLM) → datatrove's
   InferenceRunner (:class:`~curate.llm.inference.LLMInferenceRunner`, checkpointed, so a killed run resumes) →
   ``<out>/seeds/_work/generated/``. Without ``extraction``, the mined seeds are written there directly.
2. ``seeds_expand``: one document per candidate seed (:class:`~curate.seeds.steps.ExpandPairs`) →
   ``<out>/seeds/_work/candidates/``.
3. ``seeds_check`` (the accounted group): the candidates, sharded by question
   (:class:`~curate.seeds.steps.SeedsByQuestion`) → count in → :class:`~curate.seeds.steps.CheckSeeds` (the checks,
   and the sandbox for code) → :class:`~curate.seeds.steps.DedupSeeds` (within a document and across the run) →
   keep ``<out>/seeds/``, the ``questions`` artifact the plurality stage votes on.

The funnel's unit is the candidate seed: in = kept + dropped per reason. Pages and passages are counted in the
generate group's stats (``pages``, ``mined/<pattern>``, ``passages``, ``not_sent/<reason>``).
"""

from __future__ import annotations

import os

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_FILENAME, KEPT_GLOB
from curate.errors import ConfigError
from curate.llm.inference import LLMInferenceRunner
from curate.seeds.config import SeedsConfig
from curate.seeds.extract import SeedRollout, load_prompts
from curate.seeds.sandbox import network_mode
from curate.seeds.steps import CheckSeeds, CodeFiles, DedupSeeds, ExpandPairs, SeedSources, SeedsByQuestion
from curate.stage import StageContext, StagePlan, StepGroup

GENERATED_NAME = "${rank}_chunk_${chunk_index}.jsonl.gz"


def plan(cfg: SeedsConfig, ctx: StageContext) -> StagePlan:
    ext = cfg.extraction
    if ext is not None:
        load_prompts(ext.prompt_dir)  # bad prompt files fail before launch
    network_mode(cfg.sandbox.network)  # so does a namespace this machine cannot give
    missing = [p for p in cfg.code_paths if not os.path.exists(p)]
    if missing:
        raise ConfigError(f"seeds.code_paths: not found: {', '.join(missing)}; give existing files or folders")
    generated, candidates = str(ctx.work_dir / "generated"), str(ctx.work_dir / "candidates")

    sources = [ctx.reader(counted=False), *([CodeFiles(cfg.code_paths)] if cfg.code_paths else []),
               SeedSources(cfg.mine, ext)]
    if ext is None:
        sources.append(JsonlWriter(generated, output_filename="${rank}_chunk_0.jsonl.gz"))
    else:
        sources.append(LLMInferenceRunner(
            SeedRollout(ext.prompt_dir, ext.max_pairs), ext.llm, JsonlWriter(generated, output_filename=GENERATED_NAME),
            checkpoints_dir=str(ctx.work_dir / "checkpoints"), generation_params=ext.sampling(),
            records_per_chunk=ext.records_per_chunk, server_log_dir=str(ctx.logs_dir("seeds_generate") / "server"),
        ))
    expand = [JsonlReader(generated, glob_pattern=KEPT_GLOB, recursive=False),
              ExpandPairs(ext.llm.model_name if ext else "", ext.sampling() if ext else {}),
              JsonlWriter(candidates, output_filename=KEPT_FILENAME)]
    check = ctx.accounted([CheckSeeds(cfg.checks, cfg.sandbox), DedupSeeds()], reader=SeedsByQuestion(candidates),
                          name="seeds_check", reads_input=False)
    return StagePlan([StepGroup("seeds_generate", sources), StepGroup("seeds_expand", expand), check])
