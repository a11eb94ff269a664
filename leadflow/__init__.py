"""leadflow: campaign leads in, the right rep or the right nurture out."""

__version__ = "0.1.0"
