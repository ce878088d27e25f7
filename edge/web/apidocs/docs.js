// Renders the OpenAPI document of this device (/api/v1/openapi.json): operations by tag, their
// parameters, request bodies and answers. No framework and no build step; served by the device itself.
"use strict";

const METHODS = ["get", "post", "put", "patch", "delete"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function refName(ref) {
  return ref.split("/").pop();
}

// A schema as indented, readable text: {field: type, ...}; named models are expanded once per path.
function schemaText(doc, schema, depth, seen) {
  const pad = "  ".repeat(depth);
  if (!schema || Object.keys(schema).length === 0) return "any";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (seen.has(name)) return name;
    const target = doc.components.schemas[name];
    const inner = schemaText(doc, target, depth, new Set([...seen, name]));
    return target.enum ? inner : name + " " + inner;
  }
  if (schema.allOf) return schema.allOf.map((part) => schemaText(doc, part, depth, seen)).join(" & ");
  if (schema.anyOf) return schema.anyOf.map((part) => schemaText(doc, part, depth, seen)).join(" | ");
  if (schema.oneOf && !schema.properties) return schema.oneOf.map((part) => schemaText(doc, part, depth, seen)).join(" | ");
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (schema.type === "array") return "[" + schemaText(doc, schema.items, depth, seen) + ", ...]" + limits(schema);
  if (schema.type === "object" && schema.properties) {
    const required = new Set(schema.required || []);
    const lines = Object.entries(schema.properties).map(([name, prop]) => {
      const note = prop.description ? "  // " + prop.description : "";
      const optional = required.has(name) ? "" : "?";
      return pad + "  " + name + optional + ": " + schemaText(doc, prop, depth + 1, seen) + limits(prop) + note;
    });
    if (schema.oneOf) lines.push(pad + "  // exactly one of: " + schema.oneOf.map((b) => b.required.join(", ")).join(" | "));
    if (schema.additionalProperties === false) lines.push(pad + "  // no other fields");
    return "{\n" + lines.join("\n") + "\n" + pad + "}";
  }
  if (schema.type === "object") {
    const values = schema.additionalProperties;
    return values ? "{string: " + schemaText(doc, values, depth, seen) + "}" : "object";
  }
  if (schema.format === "binary") return "binary";
  return (Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "any");
}

function limits(schema) {
  const parts = [];
  if (schema.minimum !== undefined) parts.push(">= " + schema.minimum);
  if (schema.maximum !== undefined) parts.push("<= " + schema.maximum);
  if (schema.minLength !== undefined) parts.push("length >= " + schema.minLength);
  if (schema.maxLength !== undefined) parts.push("length <= " + schema.maxLength);
  if (schema.minItems !== undefined) parts.push("items >= " + schema.minItems);
  if (schema.maxItems !== undefined) parts.push("items <= " + schema.maxItems);
  if (schema.pattern === "\\S") parts.push("not blank");
  return parts.length ? " (" + parts.join(", ") + ")" : "";
}

function security(op) {
  if (!op.security || op.security.length === 0) return "no credentials";
  return op.security.map((alt) => Object.keys(alt).join(" + ")).join(" or ");
}

function parameters(doc, op) {
  const rows = (op.parameters || []).map((p) =>
    el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "yes" : "no"),
      el("td", {}, el("code", {}, schemaText(doc, p.schema, 0, new Set()) + limits(p.schema))), el("td", {}, p.description || "")));
  if (!rows.length) return [];
  const head = el("tr", {}, ...["name", "in", "required", "type", ""].map((t) => el("th", {}, t)));
  return [el("h4", {}, "Parameters"), el("table", {}, head, ...rows)];
}

function content(doc, body) {
  return Object.entries(body.content || {}).map(([media, item]) => {
    // Every error has the same body: named here, shown once under Models.
    if (item.schema && item.schema.$ref === "#/components/schemas/Error") {
      return el("div", {}, el("small", {}, media + ": "), el("a", { href: "#model-Error" }, "Error"), el("code", {}, ' {"error", "message"}'));
    }
    return el("div", {}, el("small", {}, media), el("pre", {}, schemaText(doc, item.schema, 0, new Set())));
  });
}

function operation(doc, path, method, op) {
  const summary = el("summary", {}, el("span", { class: "method " + method.toUpperCase() }, method.toUpperCase()),
    el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || ""));
  if (op.security && op.security.length) summary.append(el("span", { class: "lock", title: security(op) }, "auth"));
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  body.append(el("p", {}, el("small", {}, "Credentials: " + security(op))));
  body.append(...parameters(doc, op));
  if (op.requestBody) {
    body.append(el("h4", {}, "Request body" + (op.requestBody.required ? "" : " (optional)")), ...content(doc, op.requestBody));
  }
  body.append(el("h4", {}, "Responses"));
  const rows = Object.entries(op.responses).map(([status, answer]) =>
    el("tr", {}, el("td", { class: "status s" + status[0] }, status),
      el("td", {}, answer.description || "", ...content(doc, answer))));
  body.append(el("table", {}, ...rows));
  return el("details", { class: "op", id: op.operationId }, summary, body);
}

function render(doc) {
  document.title = doc.info.title;
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("description").textContent = doc.info.description || "";
  const byTag = new Map((doc.tags || []).map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(doc, path, method, op));
    }
  }
  const main = document.getElementById("operations");
  const nav = document.getElementById("tags");
  for (const [tag, ops] of byTag) {
    nav.append(el("a", { href: "#tag-" + tag }, tag));
    main.append(el("h2", { id: "tag-" + tag }, tag), ...ops);
  }
  const auth = document.getElementById("auth");
  auth.append(el("h2", {}, "Credentials"));
  for (const [name, scheme] of Object.entries(doc.components.securitySchemes || {})) {
    const where = scheme.type === "http" ? "Authorization: " + scheme.scheme : scheme.in + " " + scheme.name;
    auth.append(el("p", {}, el("strong", {}, name), ": " + where + " — " + (scheme.description || "")));
  }
  const schemas = document.getElementById("schemas");
  schemas.append(el("h2", {}, "Models"));
  for (const name of Object.keys(doc.components.schemas)) {
    const schema = doc.components.schemas[name];
    schemas.append(el("details", { class: "op", id: "model-" + name },
      el("summary", {}, el("span", { class: "path" }, name), el("span", { class: "summary" }, schema.description || "")),
      el("div", { class: "body" }, el("pre", {}, schemaText(doc, schema, 0, new Set([name]))))));
  }
  // A link to #<operationId> or #model-<name> opens that entry.
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === "DETAILS") {
    target.open = true;
    target.scrollIntoView();
  }
}

fetch("/api/v1/openapi.json")
  .then((response) => {
    if (!response.ok) throw new Error("GET /api/v1/openapi.json answered " + response.status);
    return response.json();
  })
  .then(render)
  .catch((error) => {
    const description = document.getElementById("description");
    description.textContent = "Cannot show the API: " + error.message;
    description.className = "error";
  });
