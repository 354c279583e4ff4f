"""Free text to a findings document (medspaCy). Nothing is loaded until the first call."""

from neckcheck.nlp.extract import Extraction, Mention, extract

__all__ = ["Extraction", "Mention", "extract"]
