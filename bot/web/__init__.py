"""The bot's web pages: the projector page and the staff dashboard (issue 18)."""
