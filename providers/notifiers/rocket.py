"""Rocket.Chat: an incoming webhook taking Slack-formatted messages."""

from __future__ import annotations

from .slack import SlackFormat


class RocketNotifier(SlackFormat):
    """Posts to Rocket.Chat; blue for info and warn, red for error."""

    kind = "Rocket.Chat"
    colors = ("#0076D7", "#FF0000")
