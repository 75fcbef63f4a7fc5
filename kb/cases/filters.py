"""The case study listing's filter form: the URL is the state, so filtered lists can be shared."""

from django import forms
from django.db.models import Count

from kb.taxonomy.models import ImprovementMethod, Pathway, Region

from .choices import EvidenceStrength


class CaseStudyFilterForm(forms.Form):
    pathway = forms.ModelMultipleChoiceField(
        Pathway.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    method = forms.ModelMultipleChoiceField(
        ImprovementMethod.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ModelMultipleChoiceField(
        Region.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.MultipleChoiceField(
        choices=EvidenceStrength.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Evidence strength",
    )

    # filter name -> (lookup for its chosen values, lookup of the value an option is counted by)
    LOOKUPS = {
        "pathway": ("pathways__in", "pathways__slug"),
        "method": ("methods__in", "methods__slug"),
        "region": ("region__in", "region__slug"),
        "evidence": ("evidence_strength__in", "evidence_strength"),
    }

    def filter(self, cases, leave_out=None):
        """Values of one filter combine with OR, different filters with AND. `leave_out` names
        a filter not to apply (for its options' counts)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        for name, (lookup, _) in self.LOOKUPS.items():
            if name != leave_out and data.get(name):
                cases = cases.filter(**{lookup: data[name]})
        return cases.distinct()

    def count_options(self, cases):
        """How many case studies each option would give, as search's facets count: with the
        other filters as chosen and this one's choice replaced by the option. One query a
        filter. Stored as `option_counts` {filter: {value: count}} for the template."""
        self.option_counts = {}
        for name, (_, value) in self.LOOKUPS.items():
            rows = (
                self.filter(cases.order_by(), leave_out=name)
                .order_by()
                .values(value)
                .annotate(count=Count("pk", distinct=True))
            )
            self.option_counts[name] = {row[value]: row["count"] for row in rows}
        return self.option_counts

    @property
    def active(self):
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())
