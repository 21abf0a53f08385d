"""The database: declarative base, column types, models, engine and migrations."""
