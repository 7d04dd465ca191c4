/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("econtract_fulfilment_plan_tour", {
    steps: () => [
        {
            content: "Read the plan from the signed contract's clauses",
            trigger: "button[name=action_fulfilment_extract]",
            run: "click",
        },
        {
            content: "Each obligation is shown beside the words it was read from",
            trigger: ".modal .o_data_row:contains(押金人民币16,000元)",
        },
        {
            trigger: ".modal .o_data_row:contains(组织验收)",
        },
        {
            content: "Plan them",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The contract's plan opens",
            trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains(Fulfilment)",
        },
        {
            content: "It lists the deposit: open it",
            trigger: ".o_list_view .o_data_row:contains(押金) td.o_data_cell[name=name]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=span_text]",
        },
        {
            content: "The deposit was paid: say so",
            trigger: ".o_form_view button[name=action_fulfil]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit 已收到押金（银行回单）",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "It is done",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
    ],
});
