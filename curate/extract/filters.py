"""Build datatrove's heuristic filters from their config blocks, adapted so their drops are recorded.

The text filters share one :class:`~curate.extract.tokenizer.SharedWordTokenizer`, so a page is split into words
once for all of them rather than once per filter.
"""

from __future__ import annotations

from curate.accounting import DatatroveFilter
from curate.extract.tokenizer import SharedWordTokenizer


def _url(opts: dict, tokenizer: SharedWordTokenizer):
    from datatrove.pipeline.filters import URLFilter
    from tldextract import TLDExtract

    step = URLFilter(**opts)
    # offline: use the public suffix list snapshot bundled with tldextract instead of fetching it
    step.tldextractor = TLDExtract(suffix_list_urls=())
    return step


def _gopher_repetition(opts: dict, tokenizer: SharedWordTokenizer):
    from datatrove.pipeline.filters import GopherRepetitionFilter

    return GopherRepetitionFilter(**opts, language=tokenizer)


def _gopher_quality(opts: dict, tokenizer: SharedWordTokenizer):
    from datatrove.pipeline.filters import GopherQualityFilter

    return GopherQualityFilter(**opts, language=tokenizer)


def _c4(opts: dict, tokenizer: SharedWordTokenizer):
    from datatrove.pipeline.filters import C4QualityFilter

    return C4QualityFilter(**opts, language=tokenizer)


def _fineweb(opts: dict, tokenizer: SharedWordTokenizer):
    from datatrove.pipeline.filters import FineWebQualityFilter

    return FineWebQualityFilter(**opts, language=tokenizer)


_BUILDERS = {
    "url": _url,
    "gopher_repetition": _gopher_repetition,
    "gopher_quality": _gopher_quality,
    "c4": _c4,
    "fineweb": _fineweb,
}


def build_filters(cfgs: list) -> list[DatatroveFilter]:
    """The datatrove filters named by each block's ``name``, in order, with the block's options; drops go to
    ``rejected/<name>.<reason>``. The text filters tokenize English words with datatrove's tokenizer, once per page."""
    tokenizer = SharedWordTokenizer("en")
    steps = []
    for cfg in cfgs:
        opts = cfg.model_dump(exclude={"name"})
        requires = "url" if cfg.name == "url" else None
        steps.append(DatatroveFilter(_BUILDERS[cfg.name](opts, tokenizer), prefix=cfg.name, requires=requires))
    return steps
