/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("econtract_lifecycle_dashboard_tour", {
    steps: () => [
        {
            content: "The dashboard counts the contracts in force",
            trigger: ".o_econtract_dashboard .o_econtract_card[data-card=in_force]:contains(2)",
        },
        {
            trigger:
                ".o_econtract_dashboard .o_econtract_card[data-card=signing_rate]:contains(66.7%)",
        },
        {
            content: "Open the contracts expiring soon",
            trigger: ".o_econtract_dashboard .o_econtract_card[data-card=expiring_soon]",
            run: "click",
        },
        {
            content: "They are listed",
            trigger: ".o_list_view .o_data_row:contains(即将到期的租赁合同)",
        },
    ],
});
