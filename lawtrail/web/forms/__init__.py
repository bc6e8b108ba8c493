"""Forms of the pages: they check shape (required, dates, numbers); the actions check rules."""
