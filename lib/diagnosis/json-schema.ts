// Valibot schemas rendered as JSON Schema for LLM tool definitions. Only the kinds our params use;
// an unknown kind is a bug in a subject's definitions and throws, naming it.
import type * as v from "valibot";

type JsonSchema = Record<string, unknown>;
type AnySchema = v.GenericSchema<unknown, unknown> & { type: string; pipe?: { kind: string; type: string; requirement?: unknown; description?: string }[] };

function applyPipe(schema: AnySchema, out: JsonSchema): JsonSchema {
  for (const item of schema.pipe ?? []) {
    const req = item.requirement;
    switch (item.type) {
      case "description":
        out.description = item.description;
        break;
      case "integer":
        out.type = "integer";
        break;
      case "min_value":
        out.minimum = req;
        break;
      case "max_value":
        out.maximum = req;
        break;
      case "min_length":
        out[out.type === "array" ? "minItems" : "minLength"] = req;
        break;
      case "max_length":
        out[out.type === "array" ? "maxItems" : "maxLength"] = req;
        break;
      case "non_empty":
        out[out.type === "array" ? "minItems" : "minLength"] = 1;
        break;
      case "regex":
        out.pattern = (req as RegExp).source;
        break;
    }
  }
  return out;
}

export function toJsonSchema(schema: v.GenericSchema<unknown, unknown>): JsonSchema {
  const s = schema as AnySchema;
  const node = s as unknown as Record<string, unknown>;
  switch (s.type) {
    case "string":
      return applyPipe(s, { type: "string" });
    case "number":
      return applyPipe(s, { type: "number" });
    case "boolean":
      return applyPipe(s, { type: "boolean" });
    case "picklist":
      return applyPipe(s, { type: "string", enum: node.options });
    case "literal":
      return applyPipe(s, { const: node.literal });
    case "unknown":
    case "any":
      return applyPipe(s, {});
    case "array":
      return applyPipe(s, { type: "array", items: toJsonSchema(node.item as AnySchema) });
    case "record":
      return applyPipe(s, { type: "object", additionalProperties: toJsonSchema(node.value as AnySchema) });
    case "optional":
    case "nullish":
    case "exact_optional":
      return applyPipe(s, toJsonSchema(node.wrapped as AnySchema));
    case "nullable":
      return applyPipe(s, { anyOf: [toJsonSchema(node.wrapped as AnySchema), { type: "null" }] });
    case "object":
    case "strict_object":
    case "loose_object": {
      const entries = node.entries as Record<string, AnySchema>;
      const required = Object.entries(entries)
        .filter(([, e]) => !["optional", "nullish", "exact_optional"].includes(e.type))
        .map(([k]) => k);
      return applyPipe(s, {
        type: "object",
        properties: Object.fromEntries(Object.entries(entries).map(([k, e]) => [k, toJsonSchema(e)])),
        ...(required.length ? { required } : {}),
        additionalProperties: s.type === "loose_object",
      });
    }
    default:
      throw new Error(`cannot render a valibot "${s.type}" schema as JSON Schema: use object, string, number, boolean, picklist, array, record or optional`);
  }
}
