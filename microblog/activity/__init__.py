"""Activity (SPEC S14): new followers and mentions, the activity page, blocks and who may message you."""
