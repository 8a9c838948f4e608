"""A background worker: runs a scheduled job until SIGTERM."""
