import { expect, test } from "bun:test";
import * as v from "valibot";
import { toJsonSchema } from "./json-schema.ts";

test("the schema kinds action params use render as JSON Schema", () => {
  const schema = v.object({
    key: v.pipe(v.string(), v.minLength(1), v.maxLength(512), v.description("the key")),
    limit: v.pipe(v.number(), v.integer(), v.minValue(1)),
    algorithm: v.optional(v.picklist(["a", "b"])),
    tags: v.optional(v.pipe(v.array(v.string()), v.maxLength(3))),
    extra: v.record(v.string(), v.unknown()),
    drain: v.boolean(),
  });
  expect(toJsonSchema(schema)).toEqual({
    type: "object",
    properties: {
      key: { type: "string", minLength: 1, maxLength: 512, description: "the key" },
      limit: { type: "integer", minimum: 1 },
      algorithm: { type: "string", enum: ["a", "b"] },
      tags: { type: "array", items: { type: "string" }, maxItems: 3 },
      extra: { type: "object", additionalProperties: {} },
      drain: { type: "boolean" },
    },
    required: ["key", "limit", "extra", "drain"],
    additionalProperties: false,
  });
});

test("a kind it does not know is named, not silently widened", () => {
  expect(() => toJsonSchema(v.object({ when: v.date() }))).toThrow('cannot render a valibot "date" schema');
});
