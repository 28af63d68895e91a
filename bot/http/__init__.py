"""The bot's one HTTP server: Telegram's webhook, health and metrics (all off by default).

Later features (pages for a classroom projector) add their routes to the same server.
"""
