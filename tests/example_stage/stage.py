"""The ``wordcount`` stage: one step, in the accounted group the framework builds around it."""

from curate.accounting import DropFilter
from curate.stage import StageContext, StagePlan
from tests.example_stage.config import WordCountConfig


class CountWords(DropFilter):
    """Adds ``metadata["word_count"]``; drops documents under ``min_words`` (reason ``too_few_words``)."""

    name = "🔢 count words"

    def __init__(self, min_words: int):
        super().__init__()
        self.min_words = min_words

    def filter(self, doc) -> bool | tuple[bool, str]:
        doc.metadata["word_count"] = words = len(doc.text.split())
        return words >= self.min_words or (False, "too_few_words")


def plan(cfg: WordCountConfig, ctx: StageContext) -> StagePlan:
    return StagePlan([ctx.accounted([CountWords(cfg.min_words)])])
