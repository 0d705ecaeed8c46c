"""The mixture stage: how many tokens of each source, what weight, how many epochs (Phi-4's Table 5, as a file).

``stage.plan`` counts tokens per source file as datatrove tasks (:mod:`.count`, cached by content hash) and, once
they are done, writes ``<out>/manifest.yaml`` and ``manifest.json`` (:mod:`.manifest`), a Megatron-LM blend and a
per-file sampling plan (:mod:`.exports`), and a chart in ``<out>/report/``. See docs/mixture.md.
"""
