"""Build datatrove's heuristic filters from their config blocks, adapted so their drops are recorded."""

from __future__ import annotations

from curate.accounting import DatatroveFilter, Rejects


def _url(opts: dict):
    from datatrove.pipeline.filters import URLFilter
    from tldextract import TLDExtract

    step = URLFilter(**opts)
    # offline: use the public suffix list snapshot bundled with tldextract instead of fetching it
    step.tldextractor = TLDExtract(suffix_list_urls=())
    return step


def _gopher_repetition(opts: dict):
    from datatrove.pipeline.filters import GopherRepetitionFilter

    return GopherRepetitionFilter(**opts)


def _gopher_quality(opts: dict):
    from datatrove.pipeline.filters import GopherQualityFilter

    return GopherQualityFilter(**opts)


def _c4(opts: dict):
    from datatrove.pipeline.filters import C4QualityFilter

    return C4QualityFilter(**opts)


def _fineweb(opts: dict):
    from datatrove.pipeline.filters import FineWebQualityFilter

    return FineWebQualityFilter(**opts)


_BUILDERS = {
    "url": _url,
    "gopher_repetition": _gopher_repetition,
    "gopher_quality": _gopher_quality,
    "c4": _c4,
    "fineweb": _fineweb,
}


def build_filter(cfg, rejects: Rejects) -> DatatroveFilter:
    """The datatrove filter named by ``cfg.name`` with the block's options; drops go to ``rejected/<name>.<reason>``."""
    opts = cfg.model_dump(exclude={"name"})
    requires = "url" if cfg.name == "url" else None
    return DatatroveFilter(_BUILDERS[cfg.name](opts), prefix=cfg.name, rejects=rejects, requires=requires)
