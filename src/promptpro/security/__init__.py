"""Passwords, sessions, CSRF, tokens and the key vault."""
