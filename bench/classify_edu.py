"""The edu and reasoning parts of bench/classify.py (run that script; this module only holds its functions).

edu: every model is trained on the FineWeb-Edu annotations' train + val files (2,000 pages) and measured once on the
test file (1,000 pages): Spearman with the Llama-3 labels and binary F1 at >= 3. Our classes come from the cut
points chosen by 5-fold cross-validation on the training pages (as `curate classifier train` does); the baseline,
TF-IDF + Ridge, is shown with its rounded output (the usual reading) and with a cut chosen the same way.
reasoning: the shipped recipe's grouped split (its held-out pages, problems and textbooks), per source; problems
of GSM8K and MATH the model never saw, with their markup and in plain text; and how it ranks the edu test pages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FINEWEB_EDU_F1 = 0.82  # FineWeb-Edu's classifier, binary F1 at 3 on its 50k held-out pages (450k annotations)


def _edu_data(shared: Path):
    from curate.classify.tasks import edu_annotations

    train, test = edu_annotations(shared), edu_annotations(shared, ("test",))
    return ([r["text"] for r in train], np.array([r["score"] for r in train]),
            [r["text"] for r in test], np.array([r["score"] for r in test]))


def _figures(y, value, cut: float) -> tuple[float, float]:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    return float(spearmanr(y, value).statistic), float(f1_score(y >= 3, np.asarray(value) >= cut))


def edu_rows(shared: Path, cache: str) -> list[tuple[str, float, float]]:
    """(what, Spearman, binary F1 at >= 3) on the test file for the baseline and each of our kinds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge

    from curate.classify.calibrate import fit_cuts
    from curate.classify.models import build_model
    from curate.classify.recipe import load_recipe

    X, y, Xt, yt = _edu_data(shared)
    vec = TfidfVectorizer(sublinear_tf=True)
    ridge = Ridge().fit(vec.fit_transform(X), y)
    base = ridge.predict(vec.transform(Xt))
    base_cv = build_model("tfidf", {"alpha": 1.0, "min_df": 1, "max_chars": 10**9}).cross_val_values(X, y, 5)
    rows = [("TF-IDF + Ridge, rounded (baseline)", *_figures(yt, base, 2.5)),
            ("TF-IDF + Ridge, CV-chosen cut (baseline)", *_figures(yt, base, fit_cuts(base_cv, y, 6)[2]))]
    recipe = load_recipe(REPO / "classifiers" / "edu")
    members = recipe.model.params["members"]
    kinds = [("tfidf kind", "tfidf", members[0]["params"]),
             ("embedding kind (4 windows, ridge head)", "embedding", {**members[1]["params"], "cache_dir": cache}),
             ("stack = shipped classifiers/edu recipe", "stack", {**recipe.model.params, "cache_dir": cache})]
    for what, kind, params in kinds:
        model = build_model(kind, {"seed": 42, **params})
        cut = fit_cuts(model.cross_val_values(X, y, 5), y, 6)[2]
        model.fit(X, y)
        value = model.predict_value(Xt, cache=True) if kind == "stack" else _value(model, Xt)
        rows.append((what, *_figures(yt, value, cut)))
        print(f"   {what}: cut for class 3 at {cut:.3f} (5-fold CV on the training pages)", flush=True)
    return rows


def _value(model, texts):
    if model.kind == "embedding":
        return model.value_from_embeddings(model.embed(texts, cache=True))
    return model.predict_value(texts)


def print_edu(rows) -> None:
    print(f"{'model (trained on 2,000 pages, tested on 1,000)':<46}{'Spearman':>9}{'F1 at 3':>9}"
          f"{'/ baseline':>12}")
    base_rho, base_f1 = rows[0][1], max(r[2] for r in rows[:2])
    for what, rho, f1 in rows:
        print(f"{what:<46}{rho:>9.3f}{f1:>9.3f}   {rho / base_rho:>4.2f} / {f1 / max(base_f1, 1e-9):>4.2f}")
    print(f"(ratios: Spearman over the rounded baseline's, F1 over the better baseline's; FineWeb-Edu's published "
          f"classifier: binary F1 {FINEWEB_EDU_F1} at 3 from 450k annotations)")


def reasoning_report(shared: Path) -> None:
    """Held-out figures of the shipped reasoning classifier (see the module docstring)."""
    from scipy.stats import spearmanr

    from curate.classify.data import Dataset, iter_jsonl, split
    from curate.classify.recipe import load_recipe
    from curate.classify.reference import plain_gsm8k, plain_math, reasoning_records
    from curate.classify.scoring import LoadedClassifier

    clf = LoadedClassifier(REPO / "classifiers" / "reasoning")
    recipe = load_recipe(REPO / "classifiers" / "reasoning")
    records = reasoning_records(shared)  # the recipe's data, rebuilt: its split gives the held-out items
    labels = np.array([recipe.labels.index(r["label"]) for r in records])
    data = Dataset([r["text"] for r in records], labels, [r["group"] for r in records])
    _, test = split(data, recipe.data.test_fraction, recipe.data.seed)
    source = {r["text"]: r["source"] for r in records}
    score = clf.scores(test.texts).score
    print(f"{'held-out source (never trained on)':<36}{'items':>7}{'share scored >= 0.5':>21}")
    for name in dict.fromkeys(source[t] for t in test.texts):
        mask = np.array([source[t] == name for t in test.texts])
        print(f"{name:<36}{mask.sum():>7}{(score[mask] >= 0.5).mean():>21.3f}")
    math = [r for _, r in iter_jsonl(shared / "math-train" / "train.jsonl.gz")][-500:]
    gsm = [r for _, r in iter_jsonl(shared / "gsm8k" / "train.jsonl")][-500:]
    for name, texts in (
            ("MATH, unseen, with LaTeX", [m["problem"] + "\n" + m["solution"] for m in math]),
            ("MATH, unseen, plain text", [plain_math(m["problem"] + "\n" + m["solution"]) for m in math]),
            ("GSM8K, unseen, with <<>> and ####", [g["question"] + "\n" + g["answer"] for g in gsm]),
            ("GSM8K, unseen, plain text", [plain_gsm8k(g["question"], g["answer"]) for g in gsm])):
        print(f"{name:<36}{len(texts):>7}{(clf.scores(texts).score >= 0.5).mean():>21.3f}")
    _, _, Xt, yt = _edu_data(shared)
    s = clf.scores(Xt).score
    means = ", ".join(f"{k}: {s[yt == k].mean():.3f}" for k in range(5) if (yt == k).any())
    print(f"edu test pages: Spearman of reasoning_score with the Llama-3 edu label {spearmanr(yt, s).statistic:.3f}; "
          f"mean reasoning_score by edu label {means}; scored >= 0.5: {(s >= 0.5).mean():.3f}")
