"""The rewrite stage: select pages, generate one rewrite per (page, style) with an LLM, validate, decontaminate.

Two step groups, run in order:

1. ``rewrite_generate``: read → :class:`~curate.rewrite.select.SelectCandidates` → datatrove's InferenceRunner
   (:class:`~curate.llm.inference.LLMInferenceRunner`, server type ``endpoint``: a URL, or llama.cpp started per
   task). Raw generations go to ``<out>/rewrite/_work/generated/``; datatrove's checkpoints and request cache to
   ``_work/checkpoints/``, so a killed run resumes without regenerating (they need a local disk: with a remote
   output they live in the stage's ``local_dir``, and only a task re-run on the same node resumes from them).
2. ``rewrite_validate`` (the accounted group: it decides, and counts the funnel): read the generations → count in →
   :class:`~curate.rewrite.validate.ValidateRewrite` → the decontam stage's check → keep ``<out>/rewrite/``.

The funnel's unit is the rewrite candidate (page × style × chunk): in = kept + dropped per reason. Pages that are
not selected stay in the ``documents`` artifact and are counted in ``rewrite_generate``'s stats (``not_selected/*``).
"""

from __future__ import annotations

from pathlib import Path

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_GLOB
from curate.errors import ConfigError
from curate.llm.inference import LLMInferenceRunner
from curate.rewrite.config import RewriteConfig
from curate.rewrite.decontam import DecontamRewrites
from curate.rewrite.generate import RewriteRollout
from curate.rewrite.prompts import load_styles
from curate.rewrite.select import SelectCandidates
from curate.rewrite.validate import ValidateRewrite
from curate.stage import StageContext, StagePlan, StepGroup
from curate.storage import location

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
        checkpoints_dir=str(ctx.local_dir / "checkpoints"), generation_params=cfg.sampling(),
        records_per_chunk=cfg.records_per_chunk, server_log_dir=str(_server_logs(ctx)),
    )
    checks = [ValidateRewrite(cfg.styles, cfg.validation, cfg.llm.model_name, cfg.sampling(), cfg.prompt_dir)]
    if cfg.decontaminate:
        checks.append(decontam_step(cfg, ctx))
    reader = JsonlReader(generated, glob_pattern=KEPT_GLOB, recursive=False)
    return StagePlan([StepGroup("rewrite_generate", [ctx.reader(counted=False), select, runner]),
                      ctx.accounted(checks, reader=reader, name="rewrite_validate", reads_input=False)])


def _server_logs(ctx: StageContext) -> Path:
    """The embedded llama.cpp server's logs: beside the step's datatrove logs, or on local disk for a remote output."""
    return ctx.local_dir / "server_logs" if ctx.remote else ctx.logs_dir("rewrite_generate") / "server"


def decontam_step(cfg: RewriteConfig, ctx: StageContext) -> DecontamRewrites:
    """The decontam stage's check on the rewrites (a rewrite can reintroduce benchmark text).

    An explicit ``decontam_index`` must exist before launch; otherwise the run's decontam stage's index (the
    ``decontam_index`` artifact) is used when that stage left one (its absence is logged and counted).
    """
    if cfg.decontam_index:
        if not (location(cfg.decontam_index) / "meta.json").is_file():
            raise ConfigError(f"rewrite.decontam_index: {cfg.decontam_index} is not a decontam index (no meta.json); "
                              "build one with the decontam stage (docs/decontam.md)")
        return DecontamRewrites(cfg.decontam_index, required=True)
    index = ctx.artifact("decontam_index")
    return DecontamRewrites(str(index) if index else None, required=False)
