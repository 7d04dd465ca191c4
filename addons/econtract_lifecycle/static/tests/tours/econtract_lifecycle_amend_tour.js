/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("econtract_lifecycle_amend_tour", {
    steps: () => [
        {
            content: "The signed lease is in force: amend it",
            trigger: ".o_form_view button[name=action_amend]",
            run: "click",
        },
        {
            content: "The amendment is a draft based on the lease",
            trigger: ".o_form_view .o_field_widget[name=origin_contract_id]",
        },
        {
            content: "Raise the amount",
            trigger: ".o_form_view .o_field_widget[name=amount] input",
            run: "edit 65000",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "See what changes in the terms in force",
            trigger: ".o_notebook .nav-link:contains(Changes)",
            run: "click",
        },
        {
            content: "The amount is shown old and new",
            trigger: ".o_field_widget[name=lifecycle_changes_html] ins:contains(65,000.00)",
        },
        {
            trigger: ".o_field_widget[name=lifecycle_changes_html] del:contains(50,000.00)",
        },
    ],
});
