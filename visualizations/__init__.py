"""Maps drawn from analytics results: eco-maps and network maps. No store access here.

A map is first laid out as a :class:`~visualizations.drawing.Drawing` (positioned nodes and
lines, every text plain); the browser draws it with vis-network (built through pyvis) and the
server exports the same drawing as SVG.
"""
