"""Commands: one module per CLI command, each wiring sources -> engine -> outputs.

``compliance.cli`` only parses arguments and calls ``run`` here; a command raises
``ComplianceError`` for a user's mistake (the CLI prints it and exits 2) and returns its exit
code or result. Modules are imported by the CLI only when their command runs, so that
``compliance --help`` does not load the engine."""
