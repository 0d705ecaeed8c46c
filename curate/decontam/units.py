"""What the index holds of each benchmark item: the *units* matched on their own and the *parts* matched beside a stem.

A web page rarely carries an item the way an evaluation harness prints it. Quiz, homework and flash-card sites show
the stem without its options, the stem followed by the right answer's text, or the options in another layout and
order. So the loaders keep an item's parts apart (:class:`curate.benchmarks.BenchmarkItem`) and the index holds:

- units, each matched with Phi-4's n-gram rules: the ``stem`` (the question without options; the whole prompt of
  a GSM8K, MATH, HumanEval or MBPP item), every ``option`` of at least 13 words (a long option can travel alone),
  a long ``answer`` that is not an option, and the ``solution`` (worked solution or reference code) when it has
  at least ``min_answer_words`` words;
- parts, matched only next to their own item's stem: the options and the answer, each by the hash of its first
  :data:`PART_MAX` words. A stem under 13 words found whole, followed (or preceded) by the answer's text or by two
  of its options in any layout and order, is the composite unit ``stem+answer`` or ``item``. A short option on its
  own is never looked for, so it never contaminates a page by itself.

Items are told apart by an identity hashed from their stem and options: MATH-500's problems inside MATH, or a task
in both MBPP files, count once wherever the index counts "how many items".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curate.benchmarks import BenchmarkItem
from curate.decontam.allowlist import members, sorted_runs, unique_pairs
from curate.decontam.ngrams import batch_words_numeric, ngram_hashes, prefix_hashes
from curate.errors import CurateError
from curate.hashing import mix64

LONG_N = 13
SHORT_N = 7
PART_MAX = 12
QUIZ_WORD_SHARE = 0.005  # a word in at least 1 stem in 200 is quiz vocabulary ("which", "following", "true")
HEAD_N = 3  # whole stems are found through their first 3 words: one lookup per document word, not one per length
UNIT_KINDS = ("stem", "option", "answer", "solution")


@dataclass
class IndexSettings:
    """What to index: the shortest stem and the shortest answer or solution worth matching."""

    min_question_words: int = 3
    min_answer_words: int = 13


def head_size(settings: IndexSettings) -> int:
    """How many first words of a short stem the scan looks up before hashing the stem whole."""
    return min(HEAD_N, settings.min_question_words)


@dataclass
class HashedItems:
    """Every unit and part of a list of items, hashed (see the module docstring).

    ``grams[n]``: the distinct (n-gram key, unit) pairs for n = 13 and 7, with the position in the unit of each
    (n-grams crossing two texts or made only of numbers are left out). ``whole``: (unit, key) of every stem under
    13 words hashed whole, ``whole_heads`` the hash of its first :func:`head_size` words, ``whole_contained`` how
    many distinct items have it inside their stem ("Which of the following is true" is inside hundreds: a stock
    phrase, not a fingerprint), ``whole_stock`` whether it is made only of quiz vocabulary
    (:func:`_stock_stems`). Parts are laid out per item (``part_off``) with their key, length in words and whether
    each is the answer; ``numbered`` holds the words of the stems that contain numbers (:func:`_numbered_stems`).
    """

    unit_item: np.ndarray
    unit_kind: np.ndarray
    unit_words: np.ndarray
    grams: dict[int, tuple[np.ndarray, ...]]
    whole: tuple[np.ndarray, np.ndarray]
    whole_heads: np.ndarray
    whole_contained: np.ndarray
    whole_stock: np.ndarray
    item_ident: np.ndarray
    item_has_options: np.ndarray
    part_off: np.ndarray
    part_key: np.ndarray
    part_len: np.ndarray
    part_answer: np.ndarray
    numbered: tuple[np.ndarray, np.ndarray, np.ndarray]


def _texts(items: list[BenchmarkItem]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Every text of every item: (texts, owning item, index into :data:`UNIT_KINDS`, is it the answer).

    Options follow their stem, so an item's identity can hash them together; the answer is its own text only when
    the item has no options (a multiple-choice answer is one of the options)."""
    texts, owner, kind, answer_flag = [], [], [], []
    for i, it in enumerate(items):
        entries = [(it.question, 0, False)] + [(opt, 1, opt == it.answer) for opt in it.options]
        if not it.options and it.answer:
            entries.append((it.answer, 2, True))
        if it.solution:
            entries.append((it.solution, 3, False))
        for text, k, is_answer in entries:
            texts.append(text)
            owner.append(i)
            kind.append(k)
            answer_flag.append(is_answer)
    return texts, np.array(owner, np.int64), np.array(kind, np.int8), np.array(answer_flag, bool)


def hash_items(items: list[BenchmarkItem], settings: IndexSettings, common_items: int) -> HashedItems:
    """Hash every text of ``items`` in one batch and cut it into units and parts (``common_items``: how many items
    make a word quiz vocabulary, at the least; see :func:`_stock_stems`)."""
    texts, owner, kind, is_answer = _texts(items)
    hashes, first, digits = batch_words_numeric(texts)
    lengths = np.diff(first)
    minimum = np.select([kind == 0, kind == 1], [settings.min_question_words, LONG_N], settings.min_answer_words)
    units = np.flatnonzero(lengths >= np.maximum(minimum, 1))
    if not len(units):
        raise CurateError("no benchmark item is long enough to index; check the benchmark files and field mapping")
    unit_of_text = np.full(len(texts), -1, np.int64)
    unit_of_text[units] = np.arange(len(units))
    grams = _unit_grams(hashes, first, digits, lengths, unit_of_text)
    stems = units[(kind[units] == 0) & (lengths[units] < LONG_N)]
    whole = (unit_of_text[stems].astype(np.int32), prefix_hashes(hashes, first[stems], lengths[stems]))
    heads = prefix_hashes(hashes, first[stems], np.full(len(stems), head_size(settings)))
    idents = _item_idents(hashes, first, lengths, owner, kind, len(items))
    parts = np.flatnonzero(((kind == 1) | ((kind == 2) & is_answer)) & (lengths > 0))
    part_len = np.minimum(lengths[parts], PART_MAX)
    has_options = np.zeros(len(items), bool)
    has_options[owner[kind == 1]] = True
    return HashedItems(
        unit_item=owner[units].astype(np.int32), unit_kind=kind[units].astype(np.int8),
        unit_words=lengths[units].astype(np.int32), grams=grams, whole=whole, whole_heads=heads,
        whole_contained=_contained(hashes, first, lengths, kind, idents[owner], whole[1], lengths[stems]),
        whole_stock=_stock_stems(hashes, first, lengths, digits, kind, idents[owner], stems, common_items),
        item_ident=idents, item_has_options=has_options,
        part_off=np.searchsorted(owner[parts], np.arange(len(items) + 1)).astype(np.int32),
        part_key=prefix_hashes(hashes, first[parts], part_len), part_len=part_len.astype(np.int8),
        part_answer=is_answer[parts], numbered=_numbered_stems(hashes, first, digits, kind, units))


def _numbered_stems(hashes, first, digits, kind, units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The words of every stem that holds a number, and which of them are numbers, as CSR rows per unit (empty for
    the other units): the scan checks that a match did not put another number where the stem has one."""
    lengths = np.diff(first)[units]
    numbers = np.concatenate(([0], np.cumsum(digits)))
    with_number = (kind[units] == 0) & (numbers[first[units + 1]] > numbers[first[units]])
    rows = np.where(with_number, lengths, 0)
    pos = np.concatenate([np.arange(first[t], first[t] + r) for t, r in zip(units.tolist(), rows.tolist()) if r]
                         or [np.zeros(0, np.int64)])
    return np.concatenate(([0], np.cumsum(rows))).astype(np.int64), hashes[pos], digits[pos]


def _unit_grams(hashes, first, digits, lengths, unit_of_text) -> dict[int, tuple[np.ndarray, ...]]:
    """Every 13-gram and 7-gram lying inside one unit and not made only of numbers, as distinct (key, unit) pairs
    sorted by key then unit, with the position in the unit where each first occurs."""
    owner = np.repeat(unit_of_text, lengths)
    local = np.arange(len(hashes)) - np.repeat(first[:-1], lengths)
    num = np.concatenate(([0], np.cumsum(digits)))
    grams = ngram_hashes(hashes, (LONG_N, SHORT_N))
    out = {}
    for n in (LONG_N, SHORT_N):
        pos = np.arange(len(grams[n]))
        pos = pos[(owner[pos] >= 0) & (owner[pos] == owner[pos + n - 1]) & (num[pos + n] - num[pos] < n)]
        keys, tagged = unique_pairs(grams[n][pos], (owner[pos] << 32) | local[pos])  # by key, unit, position
        units = (tagged >> 32).astype(np.int32)
        first_seen = np.ones(len(keys), bool)
        first_seen[1:] = (keys[1:] != keys[:-1]) | (units[1:] != units[:-1])
        out[n] = (keys[first_seen], units[first_seen], (tagged[first_seen] & 0xFFFFFFFF).astype(np.int32))
    return out


def _contained(hashes, first, lengths, kind, text_ident, keys: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each whole-stem key of ``sizes[i]`` words: how many distinct items have it inside one of their stems."""
    stems = np.flatnonzero((kind == 0) & (lengths > 0))
    owner = np.full(len(hashes), -1, np.int64)
    owner[np.concatenate([np.arange(first[t], first[t + 1]) for t in stems])] = np.repeat(stems, lengths[stems])
    counts = np.zeros(len(keys), np.int64)
    for n in np.unique(sizes).tolist():
        grams = ngram_hashes(hashes, (n,))[n]
        pos = np.arange(len(grams))
        pos = pos[(owner[pos] >= 0) & (owner[pos] == owner[pos + n - 1])]
        pair_keys, _ = unique_pairs(grams[pos], text_ident[owner[pos]])
        mine = np.flatnonzero(sizes == n)
        counts[mine] = np.searchsorted(pair_keys, keys[mine], "right") - np.searchsorted(pair_keys, keys[mine])
    return counts


def _stock_stems(hashes, first, lengths, digits, kind, text_ident, stems: np.ndarray, common_items: int) -> np.ndarray:
    """For each of ``stems``: is it made only of quiz vocabulary (words found in at least
    :data:`QUIZ_WORD_SHARE` of all items' stems, and in at least ``common_items`` of them) and no number?
    "Which of the following statements is not true?" is; "How many odd perfect squares are between 5 and 211?" and
    "The term gene doping refers to" are not."""
    all_stems = np.flatnonzero((kind == 0) & (lengths > 0))
    word_pos = np.concatenate([np.arange(first[t], first[t + 1]) for t in all_stems])
    pair_words, _ = unique_pairs(hashes[word_pos], np.repeat(text_ident[all_stems], lengths[all_stems]))
    vocab, starts = sorted_runs(pair_words)
    share = np.diff(np.append(starts, len(pair_words)))
    quiz = vocab[share >= max(common_items, QUIZ_WORD_SHARE * len(np.unique(text_ident[all_stems])))]
    if not len(stems):
        return np.zeros(0, bool)
    mine = np.concatenate([np.arange(first[t], first[t + 1]) for t in stems])
    plain = members(hashes[mine], quiz) & ~digits[mine]
    return np.minimum.reduceat(plain, np.concatenate(([0], np.cumsum(lengths[stems])[:-1]))).astype(bool)


def _item_idents(hashes, first, lengths, owner, kind, n_items: int) -> np.ndarray:
    """One 64-bit identity per item from its stem and options (not the answer): identical items (MATH-500 inside
    MATH, a task in both MBPP files) share it, two items with one stem and different options do not."""
    local = np.arange(len(hashes)) - np.repeat(first[:-1], lengths) + 1
    nonempty = np.flatnonzero(lengths > 0)
    per_text = np.zeros(len(lengths), np.uint64)
    if len(nonempty):
        per_text[nonempty] = np.bitwise_xor.reduceat(mix64(hashes + local.astype(np.uint64)), first[nonempty])
    texts = np.flatnonzero(kind <= 1)
    rank = texts - np.searchsorted(owner, owner[texts])  # stem 0, options 1, 2, ... within the item
    idents = np.zeros(n_items, np.uint64)
    np.bitwise_xor.at(idents, owner[texts], mix64(per_text[texts] + rank.astype(np.uint64)))
    return idents
