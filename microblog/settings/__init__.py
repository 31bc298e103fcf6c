"""The settings area (SPEC S19): one page per section, each also a fragment for htmx."""
