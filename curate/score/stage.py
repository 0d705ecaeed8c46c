"""Plan of the score stage: read, count, score (and maybe drop), keep."""

from __future__ import annotations

from curate.accounting import CountIn, KeepWriter
from curate.score.config import ScoreConfig
from curate.score.step import ClassifierScorer
from curate.stage import StageContext, StagePlan, StepGroup

STAGE = "score"


def plan(cfg: ScoreConfig, ctx: StageContext) -> StagePlan:
    rejects = ctx.rejects(STAGE)
    thresholds = [ref.min_score for ref in cfg.classifiers]
    scorer = ClassifierScorer(rejects, list(zip(cfg.sources(), thresholds)), batch_size=cfg.batch_size,
                              device=cfg.device, precision=cfg.precision, threads=cfg.threads)
    steps = [
        ctx.reader(rejects),
        CountIn(),
        scorer,
        KeepWriter(str(ctx.kept_dir(STAGE)), rejects, stage=STAGE, run_id=ctx.run_id),
    ]
    return StagePlan([StepGroup(STAGE, steps)])
