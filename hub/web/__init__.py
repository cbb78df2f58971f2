"""The hub's staff pages, JSON API and public verification (``hub.web.app``)."""
