"""The ``shared-ollama`` command: the table of commands, the parser and each command's shell."""
