"""Export my data (SPEC S18, the tutorial's chapter 22): a background job builds a ZIP of JSON files."""
