/** @odoo-module **/
import {Component, onWillStart, useState} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

/**
 * Key figures of the contracts the user may read (查询统计), each opening the contracts
 * it counts. The figures are the server's (`read_statistics`), computed under the user's
 * record rules; this component only lays them out.
 */
export class ContractDashboard extends Component {
    static template = "econtract_lifecycle.ContractDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({figures: null});
        onWillStart(async () => {
            this.state.figures = await this.orm.call(
                "econtract.contract.report",
                "read_statistics",
                []
            );
        });
    }

    openContracts(domain, name) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: "econtract.contract",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain,
        });
    }

    openStatistics() {
        this.action.doAction("econtract_lifecycle.econtract_contract_report_action");
    }
}

registry.category("actions").add("econtract_lifecycle.dashboard", ContractDashboard);
