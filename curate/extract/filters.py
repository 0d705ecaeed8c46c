"""Build the stage's heuristic filters from their config blocks, so that their drops and text edits are recorded.

The text filters run curate's exact reimplementations (:mod:`curate.extract.heuristics`) unless a block says
``implementation: datatrove``, which runs datatrove's class as datatrove runs it. With ``edit_text``, datatrove's C4
class has its line removals attributed to C4's rules by :class:`~curate.extract.c4.C4Rules`; without, its verdict
alone counts and the page keeps its text. The URL filter is always datatrove's.
"""

from __future__ import annotations

import json
from functools import cache, partial

from datatrove.utils.text import split_into_sentences

from curate.accounting import DatatroveFilter, DropFilter, TextEdit
from curate.extract.c4 import C4Rules
from curate.extract.heuristics import C4, FineWeb, GopherQuality, GopherRepetition
from curate.extract.tokenizer import SharedWordTokenizer

_OURS = {"gopher_repetition": GopherRepetition, "gopher_quality": GopherQuality, "c4": C4, "fineweb": FineWeb}


@cache
def loaded_url_filter(options: str):
    """datatrove's URLFilter for ``options`` (JSON) with its block lists read: once per process, as reading its
    millions of listed domains takes seconds, which the tasks a worker process runs one after another share."""
    from datatrove.pipeline.filters import URLFilter
    from tldextract import TLDExtract

    step = URLFilter(**json.loads(options))
    # offline: use the public suffix list snapshot bundled with tldextract instead of fetching it
    step.tldextractor = TLDExtract(suffix_list_urls=())
    step.download_data()
    return step


def _datatrove_filter(name: str, opts: dict):
    """datatrove's class, run as datatrove runs it (its own English tokenizer): the reference."""
    from datatrove.pipeline import filters

    classes = {"gopher_repetition": filters.GopherRepetitionFilter, "gopher_quality": filters.GopherQualityFilter,
               "c4": filters.C4QualityFilter, "fineweb": filters.FineWebQualityFilter}
    return classes[name](**opts)


class C4Explainer:
    """Attributes the lines datatrove's C4 class removed to C4's rules, by running :class:`C4Rules` on the text it
    was given; None (a plain line diff then) if those rules would not have made the same text."""

    def __init__(self, opts: dict, tokenizer: SharedWordTokenizer):
        self.tokenizer = tokenizer
        self.rules = C4Rules(opts, self.sentences)

    def sentences(self, text: str) -> list[str]:
        return split_into_sentences(text, self.tokenizer)

    def __call__(self, before: str, after: str) -> list[TextEdit] | None:
        outcome = self.rules.apply(before)
        return outcome.edits if outcome.reason is None and outcome.text == after else None


def build_filters(cfgs: list) -> list[DropFilter]:
    """The filters named by each block's ``name``, in order, with the block's options; drops go to
    ``rejected/<name>.<reason>``, lines removed from kept pages to ``edits/<name>.<rule>``. The text filters
    tokenize English words with datatrove's tokenizer, once per page."""
    tokenizer = SharedWordTokenizer("en")
    steps: list[DropFilter] = []
    for cfg in cfgs:
        opts = cfg.model_dump(exclude={"name", "implementation"})
        if cfg.name == "url":
            load = partial(loaded_url_filter, json.dumps(opts, sort_keys=True))
            steps.append(DatatroveFilter(load, prefix="url", requires="url", name="URLFilter"))
        elif cfg.implementation == "curate":
            steps.append(_OURS[cfg.name](opts, tokenizer))
        elif cfg.name == "c4":
            explain = C4Explainer(opts, tokenizer) if cfg.edit_text else None
            options = {k: v for k, v in opts.items() if k not in ("edit_text", "typographic_closers")}
            steps.append(DatatroveFilter(_datatrove_filter(cfg.name, options), prefix=cfg.name, explain=explain,
                                         keep_text=not cfg.edit_text))
        else:
            steps.append(DatatroveFilter(_datatrove_filter(cfg.name, opts), prefix=cfg.name))
    return steps
