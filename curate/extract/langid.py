"""Language identifiers for the extract stage: py3langid (default, its model ships in its wheel) or fastText.

py3langid finds its byte n-gram features by walking an Aho-Corasick automaton over the text's UTF-8 bytes, one
byte at a time in a Python loop; on a 5,000-character page that loop is about half its cost. :class:`VectorLangId`
gets the same feature counts with NumPy: in an Aho-Corasick automaton whose deepest state is ``depth`` bytes from
the start, the state after any byte depends only on the last ``depth`` bytes, so the states at every position
come from ``depth`` vectorised steps started ``depth`` bytes back. The counts are scored as py3langid scores them
(``log1p(counts) @ table[features]``, features in the order its loop finds them), against the table widened once
from float16 to float32 instead of at every call (exact: every float16 is a float32), and without the round trip
through a dict. Languages and probabilities are py3langid's to the last bit; :func:`load_language_model` checks that
on probe texts and keeps plain py3langid if they ever differ.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from py3langid.langid import RAW_FLOOR, LanguageIdentifier

from curate.storage import local_copy

_PROBES = (
    "The committee met on Tuesday to review the annual budget for the public library.",
    "Der Ausschuss trat am Dienstag zusammen, um den Jahreshaushalt der Stadtbibliothek zu prüfen.",
    "El comité se reunió el martes para revisar el presupuesto anual de la biblioteca pública.",
    "委员会周二开会审查公共图书馆的年度预算。",
    "Комитет собрался во вторник, чтобы рассмотреть годовой бюджет публичной библиотеки.",
    "SHOUTED HEADLINE IN CAPITALS",
    "",
    "12345 !!! ???",
)


def automaton_depth(nextmove: np.ndarray, rowbase: np.ndarray) -> int:
    """The largest number of bytes from the start state to any state (breadth-first over all 256 bytes)."""
    depth = np.full(len(rowbase), -1, dtype=np.int64)
    depth[0] = 0
    frontier, level = np.array([0]), 0
    while len(frontier):
        reached = np.unique(nextmove[(rowbase[frontier][:, None] + np.arange(256)).ravel()])
        frontier = reached[depth[reached] < 0]
        level += 1
        depth[frontier] = level
    return int(depth.max())


class VectorLangId(LanguageIdentifier):
    """py3langid's identifier with the automaton walk done in NumPy (see the module docstring)."""

    __slots__ = ("_walk_nextmove", "_walk_rowbase", "_walk_output", "_walk_depth", "_walk_table")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        moves = self.tk_nextmove
        self._walk_nextmove = np.frombuffer(moves, dtype=np.dtype(moves.typecode)).astype(np.int32)
        self._walk_rowbase = np.asarray(self._rowbase, dtype=np.int32)
        self._walk_output = np.asarray(self.tk_output, dtype=np.int32)
        self._walk_depth = automaton_depth(self._walk_nextmove, self._walk_rowbase)
        self._walk_table = np.asarray(self.nb_ptc, dtype=np.float32)  # the cast py3langid's matmul makes per call

    def features(self, data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The features found in ``data`` in order of first occurrence, and their counts (None: no feature)."""
        text = np.frombuffer(data, dtype=np.uint8)
        n = len(text)
        state = np.zeros(n, dtype=np.int32)
        for back in range(self._walk_depth - 1, -1, -1):  # position i reads byte i - back; earlier ones: the start
            state[back:] = self._walk_nextmove[self._walk_rowbase[state[back:]] + text[: n - back]]
        found = self._walk_output[state]
        found = found[found >= 0]
        if not len(found):
            return None
        keys, first, counts = np.unique(found, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")
        return keys[order], counts[order]

    def visit_counts(self, data: bytes) -> dict[int, int] | None:
        """{feature: count} in order of first occurrence, as py3langid's ``visit_counts`` returns them."""
        found = self.features(data)
        return None if found is None else dict(zip(found[0].tolist(), found[1].tolist()))

    def _raw_score(self, text):
        """py3langid's ``_raw_score``, on the arrays of :meth:`features` and the float32 table."""
        found = self.features(text)
        if found is not None:
            keys, counts = found
            return np.log1p(counts.astype(np.float32)) @ np.take(self._walk_table, keys, axis=0) + self.nb_pc
        return np.full(len(self.nb_classes), 0.0 if self._norm_probs else RAW_FLOOR, dtype=np.float32)


@cache
def load_language_model(backend: str, model_file: str | None):
    """The language identifier, loaded once per process: the tasks a worker process runs one after another share
    it instead of each paying the load again. For py3langid, the vectorised walk when it agrees with py3langid's
    own on the probe texts (it always should), py3langid itself otherwise."""
    if backend == "fasttext":
        import fasttext

        return fasttext.load_model(local_copy(model_file))  # a URL: its local copy
    from py3langid.langid import MODEL_FILE

    fast = VectorLangId.from_model_file(MODEL_FILE, norm_probs=True)
    plain = LanguageIdentifier(fast.nb_ptc, fast.nb_pc, fast.nb_classes, fast.tk_nextmove, fast.tk_output,
                               norm_probs=True, tk_row=fast.tk_row)
    if all(fast.classify(t) == plain.classify(t) for t in _PROBES):
        return fast
    return plain
