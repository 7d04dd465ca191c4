/* The API's reference page: openapi.json written out as text (no HTML from the
   document is ever interpreted: every value goes through textContent). */
(function () {
    "use strict";
    const root = document.getElementById("api-docs");

    function el(tag, attrs, ...children) {
        const node = document.createElement(tag);
        for (const [key, value] of Object.entries(attrs || {})) {
            node.setAttribute(key, value);
        }
        for (const child of children) {
            if (child === null || child === undefined) {
                continue;
            }
            node.append(typeof child === "string" ? document.createTextNode(child) : child);
        }
        return node;
    }

    function refName(ref) {
        return ref.split("/").pop();
    }

    function typeOf(schema) {
        if (!schema) {
            return "";
        }
        if (schema.$ref) {
            return refName(schema.$ref);
        }
        if (schema.anyOf || schema.oneOf) {
            return (schema.anyOf || schema.oneOf).map(typeOf).join(" | ");
        }
        if (schema.enum) {
            return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
        }
        if (schema.const !== undefined) {
            return JSON.stringify(schema.const);
        }
        if (schema.type === "array") {
            return typeOf(schema.items) + "[]";
        }
        let type = schema.type || "object";
        if (schema.format) {
            type += " (" + schema.format + ")";
        }
        return type;
    }

    function limits(schema) {
        const parts = [];
        for (const key of [
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "pattern",
        ]) {
            if (schema && schema[key] !== undefined) {
                parts.push(key + " " + schema[key]);
            }
        }
        return parts.join(", ");
    }

    function propertiesTable(schema) {
        const properties = (schema && schema.properties) || {};
        const required = new Set((schema && schema.required) || []);
        const rows = Object.entries(properties).map(([name, property]) =>
            el(
                "tr",
                {},
                el("td", {}, el("code", {}, name), required.has(name) ? " *" : ""),
                el("td", {class: "type"}, typeOf(property)),
                el(
                    "td",
                    {},
                    property.description || property.title || "",
                    el("span", {class: "muted"}, " " + limits(property))
                )
            )
        );
        if (!rows.length) {
            return el("p", {class: "muted"}, typeOf(schema));
        }
        return el(
            "table",
            {},
            el("tr", {}, el("th", {}, "member"), el("th", {}, "type"), el("th", {}, "")),
            ...rows
        );
    }

    function content(body) {
        const parts = [];
        for (const [media, spec] of Object.entries((body && body.content) || {})) {
            parts.push(
                el(
                    "p",
                    {},
                    el("code", {}, media),
                    " ",
                    el("span", {class: "type"}, typeOf(spec.schema))
                )
            );
        }
        return parts;
    }

    function operation(path, method, op) {
        const node = el(
            "details",
            {class: "op", id: op.operationId || method + path},
            el(
                "summary",
                {},
                el("span", {class: "method " + method}, method.toUpperCase()),
                el("span", {class: "path"}, path),
                " ",
                el("span", {class: "muted"}, op.summary || "")
            )
        );
        if (op.description) {
            node.append(el("p", {}, op.description));
        }
        const parameters = op.parameters || [];
        if (parameters.length) {
            node.append(
                el(
                    "table",
                    {},
                    el(
                        "tr",
                        {},
                        el("th", {}, "parameter"),
                        el("th", {}, "in"),
                        el("th", {}, "type"),
                        el("th", {}, "")
                    ),
                    ...parameters.map((p) =>
                        el(
                            "tr",
                            {},
                            el("td", {}, el("code", {}, p.name), p.required ? " *" : ""),
                            el("td", {}, p.in),
                            el("td", {class: "type"}, typeOf(p.schema)),
                            el(
                                "td",
                                {},
                                p.description || "",
                                el("span", {class: "muted"}, " " + limits(p.schema))
                            )
                        )
                    )
                )
            );
        }
        if (op.requestBody) {
            node.append(el("h4", {}, "Request body"), ...content(op.requestBody));
        }
        node.append(el("h4", {}, "Answers"));
        for (const [status, answer] of Object.entries(op.responses || {})) {
            node.append(
                el(
                    "p",
                    {},
                    el("strong", {}, status),
                    " ",
                    answer.description || "",
                    ...content(answer)
                )
            );
        }
        return node;
    }

    function render(doc) {
        root.replaceChildren();
        root.append(el("h1", {}, doc.info.title + " " + doc.info.version));
        root.append(
            el(
                "p",
                {},
                "OpenAPI ",
                doc.openapi,
                ": ",
                el("a", {href: "openapi.json"}, "openapi.json")
            )
        );
        if (doc.info.description) {
            root.append(el("p", {}, doc.info.description));
        }
        const byTag = new Map((doc.tags || []).map((t) => [t.name, {tag: t, ops: []}]));
        for (const [path, item] of Object.entries(doc.paths || {})) {
            for (const [method, op] of Object.entries(item)) {
                const name = (op.tags && op.tags[0]) || "other";
                if (!byTag.has(name)) {
                    byTag.set(name, {tag: {name: name}, ops: []});
                }
                byTag.get(name).ops.push(operation(path, method, op));
            }
        }
        for (const {tag, ops} of byTag.values()) {
            if (!ops.length) {
                continue;
            }
            root.append(
                el("h2", {id: "tag-" + tag.name}, tag.name),
                el("p", {class: "muted"}, tag.description || ""),
                ...ops
            );
        }
        root.append(el("h2", {id: "schemas"}, "Schemas"));
        const schemas = (doc.components && doc.components.schemas) || {};
        for (const [name, schema] of Object.entries(schemas)) {
            root.append(
                el("h3", {id: "schema-" + name, class: "schema"}, name),
                el("p", {}, schema.description || ""),
                propertiesTable(schema)
            );
        }
        root.dataset.rendered = "1";
    }

    fetch(root.dataset.openapi, {credentials: "omit"})
        .then((response) => response.json())
        .then(render)
        .catch((error) =>
            root.replaceChildren(el("p", {}, "The API's description could not be read: " + error))
        );
})();
