"""The extract stage: raw crawl records to clean, language-tagged, heuristically filtered documents."""
