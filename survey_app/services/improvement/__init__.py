"""Improvement: what to do about the scores. What holds an office back, trends, peers, themes of suggestions,
improvement plans, official ITA results beside the survey's, and the office report's contents."""
