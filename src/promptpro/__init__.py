"""PromptPro: an open-source prompt workbench."""

__version__ = "0.1.0"
