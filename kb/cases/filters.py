"""The case study listing's filter form: the URL is the state, so filtered lists can be shared."""

from django import forms

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

    def filter(self, cases):
        """Values of one filter combine with OR, different filters with AND."""
        data = self.cleaned_data
        if data["pathway"]:
            cases = cases.filter(pathways__in=data["pathway"])
        if data["method"]:
            cases = cases.filter(methods__in=data["method"])
        if data["region"]:
            cases = cases.filter(region__in=data["region"])
        if data["evidence"]:
            cases = cases.filter(evidence_strength__in=data["evidence"])
        return cases.distinct()

    @property
    def active(self):
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())
