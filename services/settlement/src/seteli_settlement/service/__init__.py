"""Settlement's use cases, by family."""
