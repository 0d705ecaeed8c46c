"""Decontaminate what a stage generates (rewrites, synthetic question-answer documents) with the decontam index.

A generated document can reintroduce benchmark text. Stages that generate (rewrite, plurality) add
:class:`CheckGenerated` to their accounted group through :func:`generated_check`: a document judged ``contaminated``
is dropped (reason ``contaminated``); ``partial`` ones are kept and flagged in ``metadata["contamination"]``
(``verdict``, ``items``, ``max_ratio_7``) as the decontam stage flags pages. The decontam stage's default thresholds
apply. The index is the block's ``decontam_index``, else the run's own (the ``decontam_index`` artifact).
"""

from __future__ import annotations

from datatrove.data import Document
from loguru import logger

from curate.accounting import DropFilter
from curate.decontam.config import DecontamConfig, GeneratedCheckConfig
from curate.decontam.detect import Decontaminator, Thresholds
from curate.decontam.index import has_meta
from curate.errors import ConfigError, CurateError
from curate.stage import StageContext


class CheckGenerated(DropFilter):
    """Checks each generated document against a saved decontam index (memory-mapped, opened lazily on the worker).

    ``required=False`` is for the index the run's own decontam stage builds (None: the run has none): without an
    index, every document is counted under ``decontam_skipped`` and a warning is logged, instead of failing the run.
    ``block`` names the config block in messages.
    """

    name = "🧪 decontaminate outputs"
    default_reason = "contaminated"

    def __init__(self, index: str | None, required: bool = True, block: str = "rewrite"):
        super().__init__()
        self.index, self.required, self.block = index, required, block
        self._checker = None
        self._missing = False

    @property
    def checker(self) -> Decontaminator | None:
        if self._checker is None and not self._missing:
            if self.index is None or not has_meta(self.index):
                if self.required:
                    raise CurateError(f"{self.block}.decontam_index {self.index} is not a decontam index; build one "
                                      "with the decontam stage (docs/decontam.md) or remove the key")
                logger.warning(f"no decontam index at {self.index}: {self.block} outputs are NOT decontaminated")
                self._missing = True
                return None
            defaults = DecontamConfig.model_fields  # the decontam stage's measured default thresholds
            thresholds = Thresholds(*(defaults[k].default for k in
                                      ("contaminated_ratio", "partial_ratio", "min_shared_7grams")))
            self._checker = Decontaminator(self.index, thresholds, with_spans=False)
        return self._checker

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        checker = self.checker
        if checker is None:
            self.stat_update("decontam_skipped")
            return True
        result = checker.check(doc.text)
        if result.verdict == "clean":
            return True
        doc.metadata["contamination"] = {  # the decontam stage's format (docs/decontam.md)
            "verdict": result.verdict,
            "items": [f"{h.benchmark}/{h.item_id}" for h in result.hits[:20]],
            "max_ratio_7": max((h.ratio_7 for h in result.hits), default=0.0),
        }
        return (False, "contaminated") if result.contaminated else True

    def __getstate__(self):
        return {**self.__dict__, "_checker": None, "_missing": False}


def generated_check(cfg: GeneratedCheckConfig, ctx: StageContext) -> list[CheckGenerated]:
    """The check for a generating stage's accounted group (empty when ``decontaminate`` is off).

    An explicit ``decontam_index`` must be an index before launch; otherwise the run's decontam stage's index is used
    when that stage left one (its absence is logged and counted).
    """
    if not cfg.decontaminate:
        return []
    if cfg.decontam_index:
        if not has_meta(cfg.decontam_index):
            raise ConfigError(f"{ctx.stage}.decontam_index: {cfg.decontam_index} is not a decontam index (no "
                              "meta.json); build one with the decontam stage (docs/decontam.md)")
        return [CheckGenerated(cfg.decontam_index, required=True, block=ctx.stage)]
    index = ctx.artifact("decontam_index")
    return [CheckGenerated(str(index) if index else None, required=False, block=ctx.stage)]
