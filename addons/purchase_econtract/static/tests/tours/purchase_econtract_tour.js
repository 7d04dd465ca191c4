/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("purchase_econtract_tour", {
    steps: () => [
        {
            content: "Create the contract of this purchase order",
            trigger: "button[name=action_create_econtract]",
            run: "click",
        },
        {
            content: "The contract opens, numbered and filled from the template",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(EC)",
        },
        {
            content: "Its clauses came from the purchase template",
            trigger: "div[name=clause_ids] tr.o_data_row td[name=title]:contains(标的与价款)",
        },
        {
            content: "Render the PDF",
            trigger: "button[name=action_render_document]",
            run: "click",
        },
        {
            content: "Open the documents",
            trigger: ".o_notebook a[name=documents]",
            run: "click",
        },
        {
            content: "Download version 1 and check it is the PDF",
            trigger: "div[name=document_ids] td[name=download_url] a[href*='download']",
            async run({anchor}) {
                const response = await fetch(anchor.getAttribute("href"));
                const type = response.headers.get("Content-Type") || "";
                const head = new TextDecoder().decode((await response.arrayBuffer()).slice(0, 5));
                if (!response.ok || !type.startsWith("application/pdf") || head !== "%PDF-") {
                    throw new Error(`download failed: ${response.status} ${type} ${head}`);
                }
                document.body.classList.add("o_econtract_pdf_downloaded");
            },
        },
        {
            content: "The download was a PDF",
            trigger: "body.o_econtract_pdf_downloaded",
        },
    ],
});
