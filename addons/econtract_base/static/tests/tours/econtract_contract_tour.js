/** @odoo-module **/

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("econtract_contract_create_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Contracts app",
            trigger: ".o_app[data-menu-xmlid='econtract_base.econtract_menu_root']",
            run: "click",
        },
        {
            content: "Start a new contract",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Give it a title, in Chinese and English",
            trigger: ".o_field_widget[name=title] input",
            run: "edit 办公设备采购合同 Office equipment",
        },
        {
            content: "It is a purchase contract",
            trigger: ".o_field_widget[name=contract_type] select",
            run: 'select "purchase"',
        },
        {
            content: "Look up the supplier",
            trigger: ".o_field_widget[name=partner_ids] input",
            run: "edit Tour Supplier",
        },
        {
            content: "Pick the supplier",
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Supplier)",
            run: "click",
        },
        {
            content: "Enter the amount",
            trigger: ".o_field_widget[name=amount] input",
            run: "edit 123456.78",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The contract got its reference from the sequence",
            trigger: ".o_form_saved .o_field_widget[name=name]:contains(EC)",
        },
    ],
});

registry.category("web_tour.tours").add("econtract_clause_reorder_tour", {
    steps: () => [
        {
            content: "Drag the second clause above the first",
            trigger: "div[name=clause_ids] tr.o_data_row:nth-child(2) .o_row_handle",
            run: "drag_and_drop(div[name=clause_ids] tr.o_data_row:nth-child(1))",
        },
        {
            content: "The subject clause now comes first",
            trigger:
                "div[name=clause_ids] tr.o_data_row:nth-child(1) td[name=title]:contains(标的)",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Render the contract",
            trigger: ".o_form_saved button[name=action_render_document]",
            run: "click",
        },
        {
            content: "A document version exists",
            trigger:
                "button.oe_stat_button:has(.o_stat_text:contains(Documents)) .o_stat_value:contains(1)",
        },
    ],
});
