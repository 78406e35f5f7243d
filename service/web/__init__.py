"""Web pages, rendered on the server with autoescaped templates."""
