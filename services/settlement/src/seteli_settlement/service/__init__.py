"""Settlement's use cases, by family. Each takes the kernel's `ServiceContext` (the unit of work's session,
outbox and clock) and never commits: the boundaries (the API handlers, the consumers, the worker loop) own
the transactions."""
