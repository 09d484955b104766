"""plan's command line: parses options, calls one planner function, renders the result."""
