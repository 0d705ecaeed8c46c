"""Which pages get rewritten, in which styles, and how long pages are cut to fit the model's context.

:class:`SelectCandidates` turns each selected page into one *candidate* per (style, chunk): a document whose id is
``<source id>#<style>`` (``<source id>#<style>#<k>`` for chunk k of a page cut in several) and whose text is the
page text to rewrite. Pages that are not selected are not dropped from the corpus (they stay in the upstream
stage's output, e.g. as the ``web`` source of the mixture): they are only counted, under
``not_selected/<reason>`` in this step's stats (reasons: ``no_score``, ``low_score``, ``too_short``, ``too_long``,
``max_pages``).
"""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

SOURCE_META = ("url", "language")  # source metadata copied onto every rewrite, besides the score


def chunk_text(text: str, max_chars: int, max_chunks: int) -> list[str]:
    """Cut ``text`` into at most ``max_chunks`` pieces of at most ``max_chars``, on paragraph, then line, then
    sentence boundaries where possible; text beyond ``max_chunks`` pieces is left out."""
    text = text.strip()
    if len(text) <= max_chars:
        return [text]
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, max_chars):
        if current and len(current) + 1 + len(piece) > max_chars:
            chunks.append(current)
            if len(chunks) == max_chunks:
                return chunks
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current and len(chunks) < max_chunks:
        chunks.append(current)
    return chunks


def _pieces(text: str, max_chars: int):
    """Paragraphs (lines) no longer than ``max_chars``; longer lines are split on sentence ends, then hard."""
    for line in text.split("\n"):
        line = line.strip()
        while len(line) > max_chars:
            cut = line.rfind(". ", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 2 else max_chars
            yield line[:cut].strip()
            line = line[cut:].strip()
        if line:
            yield line


class SelectCandidates(PipelineStep):
    """Pages → rewrite candidates (one per style and chunk) for the pages that pass the score and length bounds."""

    name = "🎯 select for rewrite"
    type = "✍️ - REWRITE"

    def __init__(self, high_styles: list[str], mid_styles: list[str], score_key: str | None, min_score: float,
                 mid_min_score: float | None, min_chars: int, max_chars: int, chunk_chars: int, max_chunks: int,
                 max_pages: int | None = None):
        super().__init__()
        self.high_styles, self.mid_styles = list(high_styles), list(mid_styles)
        self.score_key, self.min_score, self.mid_min_score = score_key, min_score, mid_min_score
        self.min_chars, self.max_chars = min_chars, max_chars
        self.chunk_chars, self.max_chunks, self.max_pages = chunk_chars, max_chunks, max_pages

    def styles_for(self, doc: Document) -> tuple[list[str], str | None]:
        """The styles this page gets, or ([], reason) when it is not selected."""
        n = len(doc.text or "")
        if n < self.min_chars:
            return [], "too_short"
        if n > self.max_chars:
            return [], "too_long"
        if self.score_key is None:
            return self.high_styles + self.mid_styles, None
        score = doc.metadata.get(self.score_key)
        if not isinstance(score, (int, float)):
            return [], "no_score"
        if score >= self.min_score:
            return self.high_styles, None
        if self.mid_min_score is not None and score >= self.mid_min_score and self.mid_styles:
            return self.mid_styles, None
        return [], "low_score"

    def candidates(self, doc: Document, styles: list[str]) -> list[Document]:
        chunks = chunk_text(doc.text, self.chunk_chars, self.max_chunks)
        base = {k: doc.metadata[k] for k in SOURCE_META if k in doc.metadata}
        if self.score_key and self.score_key in doc.metadata:
            base[self.score_key] = doc.metadata[self.score_key]
        out = []
        for style in styles:
            for k, chunk in enumerate(chunks):
                cid = f"{doc.id}#{style}" if len(chunks) == 1 else f"{doc.id}#{style}#{k}"
                meta = {**base, "source_id": doc.id, "style": style, "chunk": k, "chunks": len(chunks)}
                out.append(Document(text=chunk, id=cid, metadata=meta))
        return out

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        selected = 0
        for doc in data:
            self.stat_update("pages")
            styles, reason = self.styles_for(doc)
            if styles and self.max_pages is not None and selected >= self.max_pages:
                styles, reason = [], "max_pages"
            if not styles:
                self.stat_update(f"not_selected/{reason}")
                continue
            selected += 1
            self.stat_update("selected")
            for cand in self.candidates(doc, styles):
                self.stat_update("candidates")
                yield cand
