/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("econtract_lifecycle_negotiation_tour", {
    steps: () => [
        {
            content: "The counterparty reads the draft's clauses",
            trigger: ".o_econtract_negotiation .o_econtract_clause:contains(价款)",
        },
        {
            content: "They propose other wording for the price clause",
            trigger: ".o_econtract_clause:contains(价款) textarea[name=wording]",
            run: "edit 合同总价为人民币肆万伍仟元，乙方应于签订后十五日内支付。",
        },
        {
            trigger: ".o_econtract_clause:contains(价款) textarea[name=comment]",
            run: "edit 价格请再优惠一些",
        },
        {
            trigger: ".o_econtract_clause:contains(价款) button[type=submit]",
            run: "click",
        },
        {
            content: "It was sent, and is shown under the clause",
            trigger: ".o_econtract_negotiation .alert-success",
        },
        {
            trigger:
                ".o_econtract_clause:contains(价款) .o_econtract_proposal:contains(肆万伍仟元)",
        },
    ],
});
