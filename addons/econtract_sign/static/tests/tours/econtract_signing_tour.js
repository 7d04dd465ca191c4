/** @odoo-module **/

import {registry} from "@web/core/registry";

/** Strokes over the signature pad, as a finger would draw them. */
function drawOn(canvas) {
    const box = canvas.getBoundingClientRect();
    const points = [
        [0.1, 0.7],
        [0.25, 0.3],
        [0.4, 0.65],
        [0.55, 0.35],
        [0.7, 0.6],
        [0.9, 0.3],
    ];
    const at = ([x, y]) => ({
        clientX: box.left + x * box.width,
        clientY: box.top + y * box.height,
        bubbles: true,
        pointerType: "touch",
    });
    canvas.dispatchEvent(new PointerEvent("pointerdown", at(points[0])));
    for (const point of points.slice(1)) {
        canvas.dispatchEvent(new PointerEvent("pointermove", at(point)));
    }
    window.dispatchEvent(new PointerEvent("pointerup", at(points.at(-1))));
}

registry.category("web_tour.tours").add("econtract_portal_signing_tour", {
    steps: () => [
        {
            content: "On a phone, the document opens from a button",
            trigger: "a.d-md-none:contains(Open the document)",
        },
        {
            content: "Enter the code that came by e-mail (the test put it in the fragment)",
            trigger: "input[name=code]",
            run: `edit ${new URLSearchParams(window.location.hash.slice(1)).get("code")}`,
        },
        {
            content: "Confirm the code",
            trigger: "button.o_econtract_verify",
            run: "click",
        },
        {
            content: "The code is accepted",
            trigger: ".alert-success:contains(you may sign now)",
        },
        {
            content: "Draw a signature",
            trigger: "canvas.o_econtract_signature_pad",
            run() {
                drawOn(this.anchor);
            },
        },
        {
            content: "Agree to sign electronically",
            trigger: "input[name=consent]",
            run: "click",
        },
        {
            content: "Sign",
            trigger: "button.o_econtract_sign",
            run: "click",
        },
        {
            content: "Signed; the company seal completed the contract",
            trigger: ".o_econtract_signed:contains(Everybody has signed)",
        },
    ],
});
