"""What may change after a signature: pyHanko's default policy plus cross-page seal widgets.

pyHanko's default difference policy explains the appearance a signature field receives when
it is signed — for a field with one widget. A cross-page seal field has one widget per page
(`econtract.pdf.crosspage`), and filling it updates all of their appearances in the signing
revision. `CrossPageSealRule` approves exactly that and nothing more: the field was empty
and is now signed, its list of widgets is unchanged, and on each widget only ``/AP``
changed, to new appearance streams. Every other change stays as suspicious as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyhanko.pdf_utils import generic
from pyhanko.sign.diff_analysis import (
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.commons import compare_dicts
from pyhanko.sign.diff_analysis.form_rules_api import (
    FieldComparisonContext,
    FieldMDPRule,
    FormUpdate,
    FormUpdatingRule,
)
from pyhanko.sign.diff_analysis.policies import DEFAULT_DIFF_POLICY, StandardDiffPolicy
from pyhanko.sign.diff_analysis.rules.form_field_rules import (
    GenericFieldModificationRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    _allow_appearance_update,
)
from pyhanko.sign.diff_analysis.rules_api import Context

__all__ = ["CONTRACT_DIFF_POLICY", "CrossPageSealRule"]


class CrossPageSealRule(FieldMDPRule):
    """Approve new appearances on every widget of a signature field signed in this revision."""

    def apply(
        self, context: FieldComparisonContext
    ) -> Iterable[tuple[ModificationLevel, FormUpdate]]:
        for name, spec in context.field_specs.items():
            old_field, new_field = spec.old_field, spec.new_field
            if spec.field_type != "/Sig" or old_field is None or new_field is None:
                continue
            if "/V" in old_field or "/V" not in new_field:
                continue  # not the revision that signs this field
            old_kids, new_kids = old_field.get("/Kids"), new_field.get("/Kids")
            if old_kids is None or len(old_kids) < 2:
                continue  # one widget: pyHanko's own rule explains it
            yield from self._widgets(name, old_kids, new_kids, context)

    @staticmethod
    def _widgets(
        name: str,
        old_kids: generic.ArrayObject,
        new_kids: generic.ArrayObject | None,
        context: FieldComparisonContext,
    ) -> Iterator[tuple[ModificationLevel, FormUpdate]]:
        old_refs = [old_kids.raw_get(i).reference for i in range(len(old_kids))]
        if new_kids is None:
            raise SuspiciousModification(f"the widgets of signature field {name} were removed")
        new_refs = [new_kids.raw_get(i).reference for i in range(len(new_kids))]
        if old_refs != new_refs:
            raise SuspiciousModification(f"the widgets of signature field {name} changed")
        for ref in new_refs:
            old_widget = context.old.get_object(ref)
            new_widget = context.new.get_object(ref)
            compare_dicts(old_widget, new_widget, ignored=frozenset({"/AP"}))
            for dependency in _allow_appearance_update(
                old_widget, new_widget, context.old, context.new
            ):
                yield (
                    ModificationLevel.FORM_FILLING,
                    FormUpdate(updated_ref=dependency, field_name=name),
                )
            for path in context.old._get_usages_of_ref(ref):
                yield (
                    ModificationLevel.FORM_FILLING,
                    FormUpdate(
                        updated_ref=ref,
                        field_name=name,
                        context_checked=Context.from_absolute(context.old, path),
                    ),
                )


#: pyHanko's default policy with `CrossPageSealRule` added to its form rules.
CONTRACT_DIFF_POLICY = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormUpdatingRule(
        field_rules=[
            SigFieldCreationRule(),
            SigFieldModificationRule(),
            GenericFieldModificationRule(),
            CrossPageSealRule(),
        ],
    ),
)
