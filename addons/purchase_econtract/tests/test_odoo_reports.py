import io
import subprocess
import tempfile
from pathlib import Path

import pypdf

from odoo.tests import HttpCase, tagged


def dark_share(pdf: bytes) -> float:
    """Share of dark pixels on the first page, rasterised by poppler at 30 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "report.pdf")
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "30", "-gray", "-singlefile", "-f", "1", str(source), f"{tmp}/p"],
            check=True,
            timeout=60,
        )
        image = Path(tmp, "p.pgm").read_bytes()
    # Binary PGM: "P5", width, height, maxval, then width × height one-byte pixels at the end.
    _magic, width, height, _maxval, _rest = image.split(maxsplit=4)
    pixels = image[-int(width) * int(height) :]
    return sum(1 for value in pixels if value < 128) / len(pixels)


@tagged("post_install", "-at_install")
class TestOdooReportsStillRender(HttpCase):
    """Odoo's own reports keep printing through wkhtmltopdf next to our WeasyPrint renderer.

    Contracts are rendered with WeasyPrint; Odoo's reports (here the purchase order of an order
    that has a contract) still go through ``ir.actions.report`` and wkhtmltopdf, which fetches
    the report's assets from the running server: that is why this is an HttpCase, like Odoo's
    own report tests (in a TransactionCase no server answers inside the test transaction and
    wkhtmltopdf waits). Debian's wkhtmltopdf draws the text as outlines, so the PDF has no text
    to extract: the test checks the HTML it was given and that the printed page is not blank.
    """

    def test_purchase_order_report_prints(self):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Guangzhou Office Ltd."}).id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.env["product.product"]
                            .create({"name": "Laser printer LP-2999"})
                            .id,
                            "product_qty": 3,
                            "price_unit": 2999,
                        },
                    )
                ],
            }
        )
        order.action_create_econtract()
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        name = "purchase.report_purchase_quotation"
        html, _kind = report._render_qweb_html(name, order.ids)
        self.assertIn(order.name, html.decode())
        self.assertIn("Laser printer LP-2999", html.decode())

        pdf, kind = report._render_qweb_pdf(name, order.ids)

        self.assertEqual(kind, "pdf")
        self.assertEqual(len(pypdf.PdfReader(io.BytesIO(pdf)).pages), 1)
        self.assertGreater(dark_share(pdf), 0.002)
