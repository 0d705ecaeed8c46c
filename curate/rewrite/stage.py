"""The rewrite stage: select pages, generate one rewrite per (page, style) with an LLM, validate, decontaminate.

Two step groups, run in order:

1. ``rewrite_generate``: read → :class:`~curate.rewrite.select.SelectCandidates` → datatrove's InferenceRunner
   (:class:`~curate.llm.inference.LLMInferenceRunner`, server type ``endpoint``: a URL, or llama.cpp started per
   task). Raw generations go to ``<out>/rewrite/_work/generated/``; datatrove's checkpoints and request cache to
   ``_work/checkpoints/``, so a killed run resumes without regenerating.
2. ``rewrite_validate`` (the group that decides, and counts the funnel): read the generations → count in →
   :class:`~curate.rewrite.validate.ValidateRewrite` → the decontam stage's check → keep ``<out>/rewrite/``.

The funnel's unit is the rewrite candidate (page × style × chunk): in = kept + dropped per reason. Pages that are
not selected stay in the upstream output and are counted in ``rewrite_generate``'s stats (``not_selected/*``).
"""

from __future__ import annotations

from pathlib import Path

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from curate.accounting import KEPT_GLOB, CountIn, KeepWriter
from curate.errors import ConfigError
from curate.llm.inference import LLMInferenceRunner
from curate.rewrite.config import RewriteConfig
from curate.rewrite.decontam import DecontamRewrites
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
    work = ctx.kept_dir("rewrite") / "_work"
    rejects = ctx.rejects("rewrite")

    select = SelectCandidates(high, mid, cfg.score_key, cfg.min_score, cfg.mid_min_score, cfg.min_chars,
                              cfg.max_chars, cfg.chunk_chars(), cfg.max_chunks, cfg.max_pages)
    runner = LLMInferenceRunner(
        RewriteRollout(cfg.styles, cfg.prompt_dir), cfg.llm,
        JsonlWriter(str(work / "generated"), output_filename=GENERATED_NAME),
        checkpoints_dir=str(work / "checkpoints"), generation_params=cfg.sampling(),
        records_per_chunk=cfg.records_per_chunk, server_log_dir=str(ctx.logs_dir("rewrite_generate") / "server"),
    )
    generate = StepGroup("rewrite_generate", [ctx.reader(rejects), select, runner])

    validate_steps = [
        JsonlReader(str(work / "generated"), glob_pattern=KEPT_GLOB, recursive=False),
        CountIn(),
        ValidateRewrite(rejects, cfg.styles, cfg.validation, cfg.llm.model_name, cfg.sampling(), cfg.prompt_dir),
    ]
    decontam = decontam_step(cfg, ctx, rejects)
    if decontam is not None:
        validate_steps.append(decontam)
    validate_steps.append(KeepWriter(str(ctx.kept_dir("rewrite")), rejects, stage="rewrite", run_id=ctx.run_id))
    return StagePlan([generate, StepGroup("rewrite_validate", validate_steps)])


def decontam_step(cfg, ctx: StageContext, rejects, block: str = "rewrite") -> DecontamRewrites | None:
    """The decontam stage's check on generated documents (a rewrite can reintroduce benchmark text), or None.

    ``cfg`` is the ``block``'s config (``rewrite`` or ``plurality``), with ``decontaminate`` and ``decontam_index``.

    An explicit ``decontam_index`` must exist before launch; otherwise the index the run's decontam stage leaves
    in ``<out>/decontam/_index`` is used when present at run time (its absence is logged and counted).
    """
    if not cfg.decontaminate:
        return None
    if cfg.decontam_index:
        if not (Path(cfg.decontam_index) / "meta.json").is_file():
            raise ConfigError(f"{block}.decontam_index: {cfg.decontam_index} is not a decontam index (no meta.json); "
                              "build one with the decontam stage (docs/decontam.md)")
        return DecontamRewrites(rejects, cfg.decontam_index, required=True, block=block)
    return DecontamRewrites(rejects, str(ctx.output / "decontam" / "_index"), required=False, block=block)
