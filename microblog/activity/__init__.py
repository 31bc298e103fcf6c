"""Activity (SPEC S14): the feed of new followers and mentions, and its page."""
