"""Document sets as Python integers, one bit per search document id.

Facet counting is set algebra: the matches of a query, intersected with each facet's selected
values, counted per value. With sets held as integers (bit n set = document n in the set) an
intersection is one `&` and a count is one `bit_count()`, both running in C over a few kilobytes
even at 100,000 documents; the Python-level work per search is only building the set of matches.
"""

from array import array
from bisect import bisect_left, insort
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


def date_order_key(date, identifier):
    """Sorts ascending as "newest first": later dates first, undated last, then lower ids.

    date is ISO text (YYYY-MM-DD...) or empty; identifiers must stay below 2**32.
    """
    digits = (date or "")[:10].replace("-", "")
    yyyymmdd = int(digits) if digits.isdigit() and len(digits) == 8 else 0
    return (99_999_999 - yyyymmdd) << 32 | identifier


@dataclass
class FacetIndex:
    """For each facet value, the set of documents that have it; plus all, and date order.

    generation and seq name the last index change the sets include (see
    kb/search/backends/database.py), so that a process can catch up by applying only the
    changes made since. An index is never changed in place: `updated` returns a new one, so a
    search already holding this one (in another thread) reads consistent sets.
    """

    generation: str
    seq: int = -1
    everything: int = 0
    values: dict = field(default_factory=dict)  # facet -> {slug: bitset}
    newest_first: list = field(default_factory=list)  # document ids
    # Each document's date_order_key, by document id (-1: not in the index): newest_first
    # is sorted by it, so one document's place can be found and changed by bisection.
    order_keys: array = field(default_factory=lambda: array("q"))

    @classmethod
    def build(cls, generation, rows, facets, seq=-1):
        """rows: (id, publication date text or None, {facet: [slugs]}) for every document."""
        collected = {facet: {} for facet in facets}
        ids = []
        order_keys = array("q")
        for identifier, date, values in rows:
            ids.append(identifier)
            if identifier >= len(order_keys):
                order_keys.extend([-1] * (identifier + 1 - len(order_keys)))
            order_keys[identifier] = date_order_key(date, identifier)
            for facet, slugs in values.items():
                bucket = collected[facet]
                for slug in slugs:
                    bucket.setdefault(slug, []).append(identifier)
        return cls(
            generation=generation,
            seq=seq,
            everything=bitset(ids),
            values={
                facet: {slug: bitset(members_) for slug, members_ in bucket.items()}
                for facet, bucket in collected.items()
            },
            newest_first=sorted(ids, key=order_keys.__getitem__),
            order_keys=order_keys,
        )

    def updated(self, generation, seq, changed, rows):
        """A new index with the changed documents replaced by their rows as they are now.

        changed: the ids of every document added, edited or removed; rows: (id, date,
        {facet: [slugs]}) for those of them still in the index (the others are removed).
        Costs one pass over each value's set however many documents changed, plus a bisection
        per changed document: milliseconds where a rebuild takes seconds.
        """
        changed = set(changed).union(row[0] for row in rows)
        gone = bitset(changed)
        added = {}
        present = []
        for identifier, _, values in rows:
            present.append(identifier)
            for facet, slugs in values.items():
                bucket = added.setdefault(facet, {})
                for slug in slugs:
                    bucket.setdefault(slug, []).append(identifier)
        values = {}
        for facet in [*self.values, *(facet for facet in added if facet not in self.values)]:
            sets = {slug: mask & ~gone for slug, mask in self.values.get(facet, {}).items()}
            for slug, identifiers in added.get(facet, {}).items():
                sets[slug] = sets.get(slug, 0) | bitset(identifiers)
            values[facet] = {slug: mask for slug, mask in sets.items() if mask}

        order_keys = array("q", self.order_keys)
        newest_first = list(self.newest_first)
        for identifier in changed:  # out of the date order, at the places their old keys give
            if identifier < len(order_keys) and (key := order_keys[identifier]) >= 0:
                del newest_first[bisect_left(newest_first, key, key=order_keys.__getitem__)]
                order_keys[identifier] = -1
        for identifier, date, _ in rows:  # and back in, where their dates now put them
            if identifier >= len(order_keys):
                order_keys.extend([-1] * (identifier + 1 - len(order_keys)))
            order_keys[identifier] = date_order_key(date, identifier)
            insort(newest_first, identifier, key=order_keys.__getitem__)
        return FacetIndex(
            generation=generation,
            seq=seq,
            everything=(self.everything & ~gone) | bitset(present),
            values=values,
            newest_first=newest_first,
            order_keys=order_keys,
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
