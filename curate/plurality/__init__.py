"""Plurality filtering of question documents (Phi-4): sample answers, vote, keep the contested questions."""
