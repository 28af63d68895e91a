"""Disclosure control: what staff may see of young people's answers (docs/privacy.md)."""
