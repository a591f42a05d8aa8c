"""Pages for performance records and decision reports; each module keeps its URL patterns."""
