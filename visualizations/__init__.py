"""Maps drawn from analytics results: eco-maps and network maps. No store access here."""
