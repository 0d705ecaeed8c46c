"""Quality classifiers: recipes, LLM annotation, training (fastText or encoder + head), evaluation, scoring.

Entry points: :func:`curate.classify.recipe.load_recipe`, :func:`curate.classify.train.train_recipe`,
:func:`curate.classify.models.load_model`, :class:`curate.classify.scoring.LoadedClassifier`; the CLI group is
``curate classifier`` (:mod:`curate.classify.cli`) and the pipeline stage is :mod:`curate.score`.
"""
