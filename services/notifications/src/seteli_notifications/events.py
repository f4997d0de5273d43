"""Events notifications publishes: none. It only consumes; its results are mail and the delivery log."""
