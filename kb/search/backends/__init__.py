"""Search backends behind one interface: `search(SearchRequest) -> SearchResult`, plus
`index(page_id, fields)`, `delete(page_id)` and `rebuild(documents)`."""
