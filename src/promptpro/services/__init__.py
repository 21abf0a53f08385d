"""The rules of the product: accounts, prompts, runs, keys. Never commit; never import FastAPI."""
