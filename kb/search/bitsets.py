"""Document sets as Python integers, one bit per search document id.

Facet counting is set algebra: the matches of a query, intersected with each facet's selected
values, counted per value. With sets held as integers (bit n set = document n in the set) an
intersection is one `&` and a count is one `bit_count()`, both running in C over a few kilobytes
even at 100,000 documents; the Python-level work per search is only building the set of matches.
"""

from dataclasses import dataclass, field


def bitset(ids):
    """An integer with the bit of every id set."""
    ids = list(ids)
    if not ids:
        return 0
    buffer = bytearray((max(ids) >> 3) + 1)
    for identifier in ids:
        buffer[identifier >> 3] |= 1 << (identifier & 7)
    return int.from_bytes(buffer, "little")


def members(mask, candidates):
    """The candidates (ids, in their order) whose bit is set in mask."""
    if not mask:
        return []
    data = mask.to_bytes((mask.bit_length() >> 3) + 1, "little")
    size = len(data)
    return [
        identifier
        for identifier in candidates
        if (identifier >> 3) < size and data[identifier >> 3] >> (identifier & 7) & 1
    ]


def first_members(mask, ordered, start, stop):
    """Members of mask in the given order, from position start up to stop (a page of them)."""
    if not mask:
        return []
    data = mask.to_bytes((mask.bit_length() >> 3) + 1, "little")
    size = len(data)
    found = []
    seen = 0
    for identifier in ordered:
        if (identifier >> 3) < size and data[identifier >> 3] >> (identifier & 7) & 1:
            if seen >= start:
                found.append(identifier)
                if len(found) >= stop - start:
                    break
            seen += 1
    return found


@dataclass
class FacetIndex:
    """For each facet value, the set of documents that have it; plus all, and date order."""

    generation: int
    everything: int = 0
    values: dict = field(default_factory=dict)  # facet -> {slug: bitset}
    newest_first: list = field(default_factory=list)  # document ids

    @classmethod
    def build(cls, generation, rows, facets):
        """rows: (id, publication date text or None, {facet: [slugs]}) for every document."""
        collected = {facet: {} for facet in facets}
        ids = []
        dated = []
        for identifier, date, values in rows:
            ids.append(identifier)
            dated.append((date or "", identifier))
            for facet, slugs in values.items():
                bucket = collected[facet]
                for slug in slugs:
                    bucket.setdefault(slug, []).append(identifier)
        dated.sort(key=lambda pair: (pair[0], -pair[1]), reverse=True)
        return cls(
            generation=generation,
            everything=bitset(ids),
            values={
                facet: {slug: bitset(members_) for slug, members_ in bucket.items()}
                for facet, bucket in collected.items()
            },
            newest_first=[identifier for _, identifier in dated],
        )

    def selection(self, facet, slugs):
        """Documents with any of the slugs (OR within a facet)."""
        mask = 0
        for slug in slugs:
            mask |= self.values[facet].get(slug, 0)
        return mask

    def narrow(self, matches, filters):
        """(results, counts): AND across facets; each facet counted without its own filter."""
        selections = {
            facet: self.selection(facet, slugs) for facet, slugs in filters.items() if slugs
        }
        results = matches
        for mask in selections.values():
            results &= mask
        counts = {}
        for facet, by_value in self.values.items():
            base = matches
            for other, mask in selections.items():
                if other != facet:
                    base &= mask
            counts[facet] = {
                slug: count
                for slug, mask in by_value.items()
                if (count := (base & mask).bit_count())
            }
        return results, counts
