/** @odoo-module **/
/**
 * The signing page's signature pad: strokes drawn with a finger, pen or mouse (pointer
 * events, so phones and desktops alike), sent as a PNG with the form. Nothing is drawn:
 * the typed name is the signature.
 */
import publicWidget from "@web/legacy/js/public/public_widget";

publicWidget.registry.EcontractSignaturePad = publicWidget.Widget.extend({
    selector: "form.o_econtract_sign_form",
    events: {
        "click .o_econtract_pad_clear": "_onClear",
        submit: "_onSubmit",
    },

    start() {
        this.canvas = this.el.querySelector("canvas.o_econtract_signature_pad");
        this.drawn = false;
        this._resize();
        this._onDown = this._onDown.bind(this);
        this._onMove = this._onMove.bind(this);
        this._onUp = this._onUp.bind(this);
        this.canvas.addEventListener("pointerdown", this._onDown);
        this.canvas.addEventListener("pointermove", this._onMove);
        window.addEventListener("pointerup", this._onUp);
        return this._super(...arguments);
    },

    destroy() {
        window.removeEventListener("pointerup", this._onUp);
        this._super(...arguments);
    },

    /** Draw at the device's resolution, so strokes stay sharp on phone screens. */
    _resize() {
        const ratio = window.devicePixelRatio || 1;
        const width = this.canvas.clientWidth || 300;
        const height = this.canvas.clientHeight || 160;
        this.canvas.width = Math.round(width * ratio);
        this.canvas.height = Math.round(height * ratio);
        const context = this.canvas.getContext("2d");
        context.scale(ratio, ratio);
        context.lineWidth = 2.5;
        context.lineCap = "round";
        context.lineJoin = "round";
        context.strokeStyle = "#0b2a6f";
    },

    _point(event) {
        const box = this.canvas.getBoundingClientRect();
        return [event.clientX - box.left, event.clientY - box.top];
    },

    _onDown(event) {
        event.preventDefault();
        this.drawing = true;
        const context = this.canvas.getContext("2d");
        context.beginPath();
        context.moveTo(...this._point(event));
    },

    _onMove(event) {
        if (!this.drawing) {
            return;
        }
        event.preventDefault();
        const context = this.canvas.getContext("2d");
        context.lineTo(...this._point(event));
        context.stroke();
        this.drawn = true;
    },

    _onUp() {
        this.drawing = false;
    },

    _onClear() {
        const context = this.canvas.getContext("2d");
        context.save();
        context.setTransform(1, 0, 0, 1, 0, 0);
        context.clearRect(0, 0, this.canvas.width, this.canvas.height);
        context.restore();
        this.drawn = false;
    },

    _onSubmit() {
        this.el.querySelector("input[name=drawing]").value = this.drawn
            ? this.canvas.toDataURL("image/png")
            : "";
        // One press signs once: a second press would only be refused as a duplicate.
        this.el.querySelector("button[type=submit]").disabled = true;
    },
});
