/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("econtract_approval_from_activity_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open my activities",
            trigger: ".o_menu_systray .o-mail-ActivityMenu-counter",
            run: "click",
        },
        {
            content: "The contract awaiting my approval is listed among them",
            trigger: ".o-mail-ActivityGroup:contains(Electronic Contract)",
            run: "click",
        },
        {
            content: "Open the contract",
            trigger: ".o_data_row .o_data_cell:contains(审批巡检合同)",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button:contains(Approve)",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=comment] textarea",
            run: "edit 金额与预算一致，同意。",
        },
        {
            content: "Confirm the decision",
            trigger: ".modal .modal-footer button:contains(Confirm)",
            run: "click",
        },
        {
            content: "The contract is approved",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
    ],
});
