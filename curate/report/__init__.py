"""Reports written at the end of a run: the funnel (documents and bytes per stage) and stage audit reports."""
