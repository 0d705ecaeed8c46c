"""The ``wordcount`` block and the stage's declaration."""

from pydantic import Field

from curate.configbase import StrictModel
from curate.stagespec import StageSpec


class WordCountConfig(StrictModel):
    """Count words; drop short documents."""

    min_words: int = Field(50, ge=0, description="documents with fewer words are dropped (too_few_words)")


STAGE = StageSpec("wordcount", WordCountConfig, plan="tests.example_stage.stage:plan",
                  help="Count the words of each document; drop those with fewer than --min-words.")
