"""Plan of the score stage: read, count, score (and maybe drop), keep."""

from __future__ import annotations

from curate.classify.sources import inspect_source
from curate.errors import ConfigError
from curate.score.config import ScoreConfig
from curate.score.step import ClassifierScorer
from curate.stage import StageContext, StagePlan


def plan(cfg: ScoreConfig, ctx: StageContext) -> StagePlan:
    sources = [inspect_source(ref.path, ref.name, ref.label) for ref in cfg.classifiers]  # checked before launch
    names = [source.name for source in sources]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"score.classifiers: two classifiers share the name(s) {repeated}; their metadata keys "
                          "would collide")
    scorer = ClassifierScorer(list(zip(sources, [ref.min_score for ref in cfg.classifiers])),
                              batch_size=cfg.batch_size, device=cfg.device, precision=cfg.precision,
                              threads=cfg.threads)
    return StagePlan([ctx.accounted([scorer])])
