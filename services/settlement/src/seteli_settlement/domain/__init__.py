"""Settlement's pure rules: no I/O, no database, no clock of their own (one module per topic)."""
