"""KB: the NHS improvement knowledge base and case-sharing platform."""
