"""Relationship surveys: rounds, personal links, answers, results, and the mail that
carries them."""
