"""A reindex of Elasticsearch takes a while: what is published, unpublished or deleted while
the new index is being built went to the old one, and must reach the new one after the switch."""

import datetime

from django.utils import timezone

from kb.search.indexing import catch_up


class RecordingBackend:
    def __init__(self):
        self.indexed, self.deleted = [], []

    def index(self, page, fields):
        self.indexed.append(page.pk)

    def delete(self, page_id):
        self.deleted.append(page_id)


def test_changes_made_during_a_reindex_reach_the_new_index(make_case_study):
    kept = make_case_study("Published before the reindex")
    gone = make_case_study("Unpublished during the reindex")
    started = timezone.now()
    fresh = make_case_study("Published during the reindex")
    gone.unpublish()
    backend = RecordingBackend()

    # The new index was built from the pages as they were when the reindex started.
    catch_up(backend, started, built_ids={kept.pk, gone.pk})

    assert backend.indexed == [fresh.pk]
    assert backend.deleted == [gone.pk]


def test_nothing_changed_means_nothing_sent(make_case_study):
    page = make_case_study("Quiet week")
    backend = RecordingBackend()
    catch_up(backend, timezone.now() + datetime.timedelta(seconds=1), built_ids={page.pk})
    assert backend.indexed == [] and backend.deleted == []
