"""Document versions learn their kind, and their files become frozen (engine-owned)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "UPDATE econtract_contract_document SET kind = 'signed' WHERE file_name LIKE '%-signed.pdf'"
    )
    cr.execute(
        "UPDATE ir_attachment SET econtract_frozen = TRUE "
        "WHERE id IN (SELECT attachment_id FROM econtract_contract_document)"
    )
