"""Alert notifiers (entry-point group ``flagger_py.notifiers``): one module per chat service."""
