"""The rewrite stage: select pages, generate one rewrite per (page, style) with an LLM, validate, decontaminate.

Two step groups, run in order:

1. ``rewrite_generate``: read → :class:`~curate.rewrite.select.SelectCandidates` → datatrove's InferenceRunner
   (:class:`~curate.llm.inference.LLMInferenceRunner`, server type ``endpoint``: a URL, or llama.cpp started per
   task). Raw generations go to ``<out>/rewrite/_work/generated/``; datatrove's checkpoints and request cache to
   ``_work/checkpoints/``, so a killed run resumes without regenerating.
2. ``rewrite_validate`` (the accounted group: it decides, and counts the funnel): read the generations → count in →
   :class:`~curate.rewrite.validate.ValidateRewrite` → the decontam stage's check → keep ``<out>/rewrite/``.

The funnel's unit is the rewrite candidate (page × style × chunk): in = kept + dropped per reason. Pages that are
not selected stay in the ``documents`` artifact and are counted in ``rewrite_generate``'s stats (``not_selected/*``).
"""

from __future__ import annotations

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_GLOB
from curate.decontam.generated import generated_check
from curate.llm.inference import LLMInferenceRunner
from curate.rewrite.config import RewriteConfig
from curate.rewrite.generate import RewriteRollout
from curate.rewrite.prompts import load_styles
from curate.rewrite.select import SelectCandidates
from curate.rewrite.validate import ValidateRewrite
from curate.stage import StageContext, StagePlan, StepGroup

GENERATED_NAME = "${rank}_chunk_${chunk_index}.jsonl.gz"


def plan(cfg: RewriteConfig, ctx: StageContext) -> StagePlan:
    prompts = load_styles(cfg.styles, cfg.prompt_dir)  # unknown styles / bad prompt files fail before launch
    high = [s for s, p in prompts.items() if p.quality == "high"]
    mid = [s for s, p in prompts.items() if p.quality == "mid"]
    generated = str(ctx.work_dir / "generated")
    select = SelectCandidates(high, mid, cfg.score_key, cfg.min_score, cfg.mid_min_score, cfg.min_chars,
                              cfg.max_chars, cfg.chunk_chars(), cfg.max_chunks, cfg.max_pages)
    runner = LLMInferenceRunner(
        RewriteRollout(cfg.styles, cfg.prompt_dir), cfg.llm,
        JsonlWriter(generated, output_filename=GENERATED_NAME),
        checkpoints_dir=str(ctx.work_dir / "checkpoints"), generation_params=cfg.sampling(),
        records_per_chunk=cfg.records_per_chunk, server_log_dir=str(ctx.logs_dir("rewrite_generate") / "server"),
    )
    checks = [ValidateRewrite(cfg.styles, cfg.validation, cfg.llm.model_name, cfg.sampling(), cfg.prompt_dir),
              *generated_check(cfg, ctx)]
    reader = JsonlReader(generated, glob_pattern=KEPT_GLOB, recursive=False)
    return StagePlan([StepGroup("rewrite_generate", [ctx.reader(counted=False), select, runner]),
                      ctx.accounted(checks, reader=reader, name="rewrite_validate", reads_input=False)])
