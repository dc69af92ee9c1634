"""Local anonymisation of customer text (Presidio + spaCy French + the project's recognisers).

Nothing here sends data anywhere; the spaCy model is loaded from the installed package only.
"""
