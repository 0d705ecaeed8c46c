"""The extract stage's own steps: main-text extraction and language identification.

Both are :class:`~curate.accounting.DropFilter` s, so every page they cannot use is written to
``extract/rejected/<reason>/`` with the reason in its metadata.
"""

from __future__ import annotations

import gc
from functools import partial

from datatrove.data import Document, DocumentsPipeline

from curate.accounting import DropFilter
from curate.extract.config import LanguageIdConfig, ResiliparseConfig, TrafilaturaConfig


def _trafilatura_extract(html: str, options: dict) -> str:
    import trafilatura

    return trafilatura.extract(html, **options) or ""


def _resiliparse_extract(html: str, options: dict) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, **options)


_FROZEN = False  # in the sandbox child: the objects inherited at the fork are frozen (see below)

EXTRACTORS = {"trafilatura": _trafilatura_extract, "resiliparse": _resiliparse_extract}


def _sandboxed_extract(html: str, extractor: str, options: dict) -> str | Exception:
    """Runs in the sandbox child: an exception is returned (the parent re-raises it) instead of killing the child.
    The extractor is looked up by name here, so a test can replace it in the module.

    At the child's first call (the sandbox's warm-up), every object inherited from the parent at the fork is moved
    out of reach of the garbage collector (``gc.freeze``): the parent holds the URL filter's block lists, spaCy's
    vocabulary and the language model, which the child never frees, and each full collection in the child would
    walk them all again (and copy the memory pages it touches, which the fork shared)."""
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True
    try:
        return EXTRACTORS[extractor](html, options)
    except Exception as err:
        return err


class ExtractText(DropFilter):
    """Replaces each HTML page's text by its main text, extracted with trafilatura (or Resiliparse) in a sandboxed
    child process.

    The sandbox (datatrove's ``ExtractorSandbox``) enforces the per-page timeout: a page that takes longer kills the
    child, is dropped as ``extract_timeout``, and the next page gets a fresh child. Documents that are already text
    (WET conversion records, JSONL/Parquet input, or ``content: text``) pass through unchanged.
    Drop reasons: ``extract_timeout``, ``extract_crash`` (the child died, e.g. out of memory), ``extract_error``
    (the extractor raised), ``empty_text`` (nothing, or less than ``min_text_chars``, was extracted).
    """

    def __init__(self, options: TrafilaturaConfig | ResiliparseConfig, content: str, min_text_chars: int):
        self.extractor = "resiliparse" if isinstance(options, ResiliparseConfig) else "trafilatura"
        self.name = f"📝 {self.extractor}"  # before PipelineStep.__init__, which names the stats after it
        super().__init__()
        self.options = options.options()
        self.timeout_s = options.timeout_s
        self.content = content
        self.min_text_chars = min_text_chars
        self._sandbox = self._extract = None  # set on the worker, in run()

    def _is_html(self, doc: Document) -> bool:
        if self.content != "auto":
            return self.content == "html"
        return doc.metadata.get("content_kind") == "html"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from datatrove.pipeline.extractors.base import ExtractorSandbox

        self._extract = partial(_sandboxed_extract, extractor=self.extractor, options=self.options)
        with ExtractorSandbox(timeout=self.timeout_s, warmup_text="") as sandbox:
            self._sandbox = sandbox
            try:
                yield from super().run(data, rank, world_size)
            finally:
                self._sandbox = None

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if self._is_html(doc):
            try:
                doc.text = self._sandbox.process_document(doc.text, self._extract)
            except TimeoutError:
                return False, "extract_timeout"
            except EOFError:
                return False, "extract_crash"
            except Exception as err:  # the extractor raised inside the child: drop the page, keep the cause
                doc.metadata["extract_error"] = f"{type(err).__name__}: {err}"[:300]
                return False, "extract_error"
            doc.metadata.pop("content_kind", None)
        if len(doc.text.strip()) < self.min_text_chars:
            return False, "empty_text"
        return True


class LanguageId(DropFilter):
    """Adds ``metadata["language"]`` (ISO 639-1) and ``["language_score"]`` (probability of the top language);
    drops pages not in ``languages`` (``language_not_kept``) or scoring below ``min_score``
    (``language_low_score``). py3langid's model ships in its wheel; a fastText model is read from the given file."""

    name = "🌐 language id"

    def __init__(self, cfg: LanguageIdConfig):
        super().__init__()
        self.cfg = cfg
        self._model = None

    @property
    def model(self):
        """The identifier, loaded on first use (on the worker, never at pickling time)."""
        if self._model is None:
            from curate.extract.langid import load_language_model

            self._model = load_language_model(self.cfg.backend, self.cfg.model)
        return self._model

    def identify(self, text: str) -> tuple[str, float]:
        if self.cfg.backend == "fasttext":
            labels, scores = self.model.predict(text[: self.cfg.max_chars].replace("\n", " "), k=1)
            return labels[0].removeprefix("__label__").split("_")[0], float(scores[0])
        lang, score = self.model.classify(text[: self.cfg.max_chars])
        return lang, float(score)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        lang, score = self.identify(doc.text)
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = round(score, 4)
        if self.cfg.languages and lang not in self.cfg.languages:
            return False, "language_not_kept"
        if score < self.cfg.min_score:
            return False, "language_low_score"
        return True

    def __getstate__(self):
        return {k: (None if k == "_model" else v) for k, v in self.__dict__.items()}
