"""Other tools' prompt files, to and from the library's own shape (promptpro-export dicts)."""
