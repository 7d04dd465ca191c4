/** @odoo-module **/

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("econtract_archive_search_tour", {
    steps: () => [
        {
            content: "Type a two-character Chinese word in the archive's search box",
            trigger: ".o_searchview_input",
            run: "edit 押金",
        },
        {
            content: "The first suggestion searches the full text",
            trigger: ".o_searchview_autocomplete .o_menu_item:contains(Full Text)",
        },
        {
            content: "Search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "The lease is found",
            trigger: ".o_data_row:contains(张江办公室租赁)",
        },
        {
            content: "The purchase contract, which has no deposit, is not",
            trigger: ".o_list_table:not(:has(.o_data_row:contains(办公家具采购)))",
        },
        {
            content: "The word is marked in the lease's snippet",
            trigger: ".o_data_row:contains(张江办公室租赁) td[name=snippet] mark:contains(押金)",
        },
        {
            content: "Open its archive record",
            trigger: ".o_data_row:contains(张江办公室租赁) td[name=title]",
            run: "click",
        },
        {
            content: "The record shows its archive number and offers the signed PDF",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(ZL-)",
        },
        {
            trigger: "button[name=action_download]",
        },
    ],
});
