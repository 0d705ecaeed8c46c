"""Decontaminate rewrites with the decontam stage's index: a rewrite can reintroduce benchmark text.

Uses the decontam stage's public API (:class:`curate.decontam.Decontaminator`, see docs/decontam.md): a rewrite
judged ``contaminated`` is dropped (reason ``contaminated``); ``partial`` ones are kept and flagged in
``metadata["contamination"]`` (``verdict``, ``items``, ``max_ratio_7``) as the decontam stage flags pages. The
decontam stage's default thresholds apply (``DecontamConfig``'s ``contaminated_ratio``, ``partial_ratio``,
``min_shared_7grams``).
"""

from __future__ import annotations


from datatrove.data import Document
from loguru import logger

from curate.accounting import DropFilter
from curate.errors import CurateError
from curate.storage import location


class DecontamRewrites(DropFilter):
    """Checks each rewrite against a saved decontam index (memory-mapped, opened lazily on the worker).

    ``required=False`` is for the index the run's own decontam stage builds (None: the run has none): without an
    index, every rewrite is counted under ``decontam_skipped`` and a warning is logged, instead of failing the run.
    """

    name = "🧪 decontaminate rewrites"
    default_reason = "contaminated"

    def __init__(self, index: str | None, required: bool = True):
        super().__init__()
        self.index, self.required = index, required
        self._checker = None
        self._missing = False

    @property
    def checker(self):
        if self._checker is None and not self._missing:
            if self.index is None or not (location(self.index) / "meta.json").is_file():
                if self.required:
                    raise CurateError(f"rewrite.decontam_index {self.index} is not a decontam index; build one "
                                      "with the decontam stage (docs/decontam.md) or remove the key")
                logger.warning(f"no decontam index at {self.index}: rewrites are NOT decontaminated")
                self._missing = True
                return None
            from curate.decontam import Decontaminator, Thresholds
            from curate.decontam.config import DecontamConfig

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
