"""Discord: the Slack-compatible endpoint of a Discord webhook (``/slack`` is appended if missing)."""

from __future__ import annotations

from .slack import SlackFormat


class DiscordNotifier(SlackFormat):
    """Posts Slack-formatted messages to Discord; green for info and warn, red for error."""

    kind = "Discord"
    colors = ("good", "danger")

    def endpoint(self, url: str) -> str:
        url = url.rstrip("/")
        return url if url.endswith("/slack") else f"{url}/slack"
