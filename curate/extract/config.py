"""The ``extract`` block: main-text extraction, language ID and heuristic filters.

Defaults follow the anchors and are never tuned silently: trafilatura with tables kept and comments dropped (the
settings of trafilatura's own evaluation), and datatrove's URL, Gopher repetition, Gopher quality, C4 and FineWeb
filters with datatrove's own default thresholds. Each filter is named by its registry name (``name: gopher_quality``)
and takes the same options as the datatrove filter it runs.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from curate.configbase import PathStr, StrictModel
from curate.stagespec import Opt, StageSpec


class TrafilaturaConfig(StrictModel):
    """Options of ``trafilatura.extract``."""

    include_tables: bool = True
    include_comments: bool = False
    favor_precision: bool = False
    favor_recall: bool = False
    deduplicate: bool = False
    timeout_s: float = Field(10.0, gt=0, description="per-page time limit; a slower page is dropped (extract_timeout)")


class LanguageIdConfig(StrictModel):
    """Language identification: py3langid (its model ships in its wheel) or a fastText LID model file."""

    backend: Literal["py3langid", "fasttext"] = "py3langid"
    model: PathStr | None = Field(None, description="fastText LID model file (e.g. lid.176.bin); backend fasttext "
                                  "only")
    languages: list[str] | None = Field(
        default_factory=lambda: ["en"],
        description="ISO 639-1 codes to keep (e.g. [en, de]); null keeps every language. English by default, as in "
        "FineWeb and datatrove's LanguageFilter: the default heuristic filters are English rules (Gopher's stop words "
        "are 'the', 'be', 'to'…), so they would drop other languages anyway, under a misleading reason",
    )
    min_score: float = Field(0.65, ge=0, le=1, description="drop pages whose top language scores below this")
    max_chars: int = Field(5000, gt=0, description="identify the language from the first this-many characters")


class UrlFilterConfig(StrictModel):
    """datatrove's URLFilter: banned domains/URLs (its shipped blocklists) and banned words in the URL."""

    name: Literal["url"]
    soft_word_threshold: int = 2
    extra_domains: list[str] | None = None
    extra_urls: list[str] | None = None
    banned_words: list[str] | None = None
    use_integrated_lists: bool = True


class GopherRepetitionConfig(StrictModel):
    """datatrove's GopherRepetitionFilter (Gopher paper, Rae et al. 2021, table A1 thresholds)."""

    name: Literal["gopher_repetition"]
    dup_line_frac: float | None = 0.3
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2


class GopherQualityConfig(StrictModel):
    """datatrove's GopherQualityFilter (Gopher paper quality heuristics)."""

    name: Literal["gopher_quality"]
    min_doc_words: int | None = 50
    max_doc_words: int | None = 100000
    min_avg_word_length: int | None = 3
    max_avg_word_length: int | None = 10
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    max_non_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2


class C4Config(StrictModel):
    """datatrove's C4QualityFilter (C4's line and document rules; it also removes failing lines)."""

    name: Literal["c4"]
    split_paragraph: bool = True
    remove_citations: bool = True
    filter_no_terminal_punct: bool = True
    min_num_sentences: int = 5
    min_words_per_line: int = 3
    max_word_length: int = 1000
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True


class FineWebConfig(StrictModel):
    """datatrove's FineWebQualityFilter (FineWeb's line-punctuation, short-line and duplicate-character rules)."""

    name: Literal["fineweb"]
    line_punct_thr: float = 0.12
    line_punct_exclude_zero: bool = False
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3


FilterConfig = Annotated[
    Union[UrlFilterConfig, GopherRepetitionConfig, GopherQualityConfig, C4Config, FineWebConfig],
    Field(discriminator="name"),
]

FILTER_NAMES = ("url", "gopher_repetition", "gopher_quality", "c4", "fineweb")


def default_filters() -> list:
    """FineWeb's order: URL, then Gopher repetition and quality, C4, FineWeb; all with datatrove's defaults."""
    return [
        UrlFilterConfig(name="url"),
        GopherRepetitionConfig(name="gopher_repetition"),
        GopherQualityConfig(name="gopher_quality"),
        C4Config(name="c4"),
        FineWebConfig(name="fineweb"),
    ]


class ExtractConfig(StrictModel):
    """The extract stage."""

    content: Literal["auto", "html", "text"] = Field(
        "auto", description="auto: HTML for WARC responses and HTML files, text for WET and JSONL/Parquet documents"
    )
    trafilatura: TrafilaturaConfig = Field(default_factory=TrafilaturaConfig)
    language: LanguageIdConfig | None = Field(default_factory=LanguageIdConfig, description="null turns LID off")
    filters: list[FilterConfig] = Field(
        default_factory=default_filters,
        description="run in this order, except the url filter, which runs before extraction (it needs only the URL)",
    )
    max_page_bytes: int = Field(10_000_000, gt=0, description="larger pages are dropped (too_large)")
    min_text_chars: int = Field(1, ge=1, description="extracted text shorter than this is dropped (empty_text)")


def _languages(text: str) -> list[str] | None:
    return None if text.strip() == "all" else [x.strip() for x in text.split(",") if x.strip()]


def _filters(text: str) -> list[dict]:
    return [] if text.strip() == "none" else [{"name": x.strip()} for x in text.split(",") if x.strip()]


STAGE = StageSpec(
    "extract", ExtractConfig, plan="curate.extract.stage:plan", consumes=None,
    help="Extract main text from crawl files (trafilatura), identify the language, apply heuristic filters.\n\nKept "
    "documents go to OUTPUT/extract/, dropped ones to OUTPUT/extract/rejected/<reason>/.",
    options=(
        Opt("language.languages", ("--languages",), parse=_languages,
            help="keep only these languages, comma-separated ISO 639-1 codes; 'all' keeps every language"),
        Opt("language", ("--no-language-id",), switch=True, value=None, help="skip language identification"),
        Opt("filters", parse=_filters, help="heuristic filters, comma-separated, in order "
            f"({', '.join(FILTER_NAMES)}); "
            "'none' for extraction and language ID only (default: all)"),
        Opt("trafilatura.timeout_s", ("--timeout",)),
    ),
)
