"""The ``extract`` block: main-text extraction, language ID and heuristic filters.

Defaults follow the anchors and are never tuned silently: trafilatura with tables kept and comments dropped (the
settings of trafilatura's own evaluation), and datatrove's URL, Gopher repetition, Gopher quality, C4 and FineWeb
filters with datatrove's own default thresholds, except C4's terminal-punctuation rule, which is off as in
FineWeb (it removes every line that does not end in ``. ? ! " '``: about a tenth of the article text of the pages it
keeps). Each filter is named by its registry name (``name: gopher_quality``) and takes the same options as the
datatrove filter it runs; ``implementation: datatrove`` runs datatrove's own class instead of curate's exact, faster
reimplementation.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from curate.configbase import PathStr, StrictModel
from curate.stagespec import Opt, StageSpec


class ExtractorConfig(StrictModel):
    """The options of a main-text extractor, and its per-page time limit (the extraction sandbox's)."""

    timeout_s: float = Field(10.0, gt=0, description="per-page time limit; a slower page is dropped (extract_timeout)")

    def options(self) -> dict:
        """The keyword arguments of the extractor's function."""
        return self.model_dump(exclude={"timeout_s"})


class TrafilaturaConfig(ExtractorConfig):
    """Options of ``trafilatura.extract``."""

    include_tables: bool = True
    include_comments: bool = False
    favor_precision: bool = False
    favor_recall: bool = False
    deduplicate: bool = False


class ResiliparseConfig(ExtractorConfig):
    """Options of Resiliparse's ``extract_plain_text`` (DCLM's and Dolma's extractor): several times trafilatura's
    speed, for less precise main-content detection."""

    main_content: bool = True
    preserve_formatting: bool = True
    list_bullets: bool = True
    alt_texts: bool = False
    links: bool = False
    form_fields: bool = False
    noscript: bool = False
    comments: bool = False


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


class TextFilterConfig(StrictModel):
    """A filter of the extracted text, run by curate's exact reimplementation of datatrove's class (the default) or
    by datatrove's class itself (``implementation: datatrove``): the same decisions, the same text."""

    implementation: Literal["curate", "datatrove"] = "curate"


class GopherRepetitionConfig(TextFilterConfig):
    """datatrove's GopherRepetitionFilter (Gopher paper, Rae et al. 2021, table A1 thresholds)."""

    name: Literal["gopher_repetition"]
    dup_line_frac: float | None = 0.3
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2


class GopherQualityConfig(TextFilterConfig):
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


class C4Config(TextFilterConfig):
    """datatrove's C4QualityFilter: C4's line rules and document rules. By default they only decide whether a page
    is kept, and its text stays as extracted; with ``edit_text`` the failing lines and citation marks are also cut
    out, as datatrove (and FineWeb) do, each cut recorded in ``extract/edits/c4.<rule>/``."""

    name: Literal["c4"]
    edit_text: bool = Field(
        False, description="also remove the lines that fail a line rule, and citation marks, from kept pages "
        "(datatrove's and FineWeb's behaviour, which also removes article text: headings, lines that mention "
        "cookies or JavaScript); every removal is recorded in extract/edits/")
    split_paragraph: bool = True
    remove_citations: bool = True
    filter_no_terminal_punct: bool = Field(
        False, description="remove lines that do not end in terminal punctuation; off by default, as in FineWeb")
    typographic_closers: bool = Field(
        True, description="with filter_no_terminal_punct: lines ending in ” ’ » › ) ] also count as terminated "
        "(false: C4's own list . ? ! \" ' only, as datatrove)")
    min_num_sentences: int = 5
    min_words_per_line: int = 3
    max_word_length: int = 1000
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True

    @model_validator(mode="after")
    def _typographic_needs_curate(self) -> C4Config:
        if self.implementation == "datatrove" and self.filter_no_terminal_punct and self.typographic_closers:
            raise ValueError("datatrove's C4QualityFilter has no typographic_closers: set typographic_closers: false "
                             "(C4's own punctuation list) or implementation: curate")
        return self


class FineWebConfig(TextFilterConfig):
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
    """FineWeb's order and settings: URL, then Gopher repetition and quality, C4 (without its terminal-punctuation
    rule), FineWeb; otherwise datatrove's default thresholds."""
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
    extractor: Literal["trafilatura", "resiliparse"] = Field(
        "trafilatura", description="main-text extractor; resiliparse is several times faster, less precise")
    trafilatura: TrafilaturaConfig = Field(default_factory=TrafilaturaConfig)
    resiliparse: ResiliparseConfig = Field(default_factory=ResiliparseConfig)
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


def finish_block(block: dict) -> dict:
    """``--timeout`` is the time limit of the extractor the command runs (``--extractor``, trafilatura by default)."""
    extractor = block.get("extractor", "trafilatura")
    if "timeout_s" in block and extractor in ExtractConfig.model_fields:  # else the config check names the extractors
        block.setdefault(extractor, {})["timeout_s"] = block.pop("timeout_s")
    return block


STAGE = StageSpec(
    "extract", ExtractConfig, plan="curate.extract.stage:plan", consumes=None,
    help="Extract main text from crawl files (trafilatura or Resiliparse), identify the language, apply heuristic "
    "filters.\n\nKept documents go to OUTPUT/extract/, dropped ones to OUTPUT/extract/rejected/<reason>/, what the "
    "filters removed from the text of kept ones to OUTPUT/extract/edits/<rule>/.",
    options=(
        Opt("language.languages", ("--languages",), parse=_languages,
            help="keep only these languages, comma-separated ISO 639-1 codes; 'all' keeps every language"),
        Opt("language", ("--no-language-id",), switch=True, value=None, help="skip language identification"),
        Opt("filters", parse=_filters, help="heuristic filters, comma-separated, in order "
            f"({', '.join(FILTER_NAMES)}); "
            "'none' for extraction and language ID only (default: all)"),
        Opt("timeout_s", ("--timeout",), help="per-page time limit of the extractor, seconds; a slower page is "
            f"dropped (extract_timeout) (default: {TrafilaturaConfig.model_fields['timeout_s'].default})"),
    ),
    finish_block="curate.extract.config:finish_block",
)
