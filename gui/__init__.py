"""The front-desk window: live calls, call log, calendar, contacts, messages, settings.

A separate process from the service: it reads and writes the store itself (on a worker
thread, never the GUI thread) and talks to the service over the control channel."""
