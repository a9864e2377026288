"""The drawing tools an artist calls; :mod:`.registry` lists them and serves them over MCP."""
