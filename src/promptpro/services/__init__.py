"""The rules of the product: accounts, prompts, runs and keys. Never commit, never import FastAPI."""
