import { expect, test } from "bun:test";
import { redactDeep, redactText } from "./redact.ts";

test("passwords in URLs, bearer tokens, Authorization headers and API keys are redacted", () => {
  const text = [
    "store at kv://:hunter2pass@127.0.0.1:6380/0 and postgres://app:pg-S3cret@db:5432/x",
    "curl -H 'Authorization: Bearer s3cr3t-admin-token' http://node/api",
    'header {"authorization":"Basic dXNlcjpwYXNz"} x-api-key: sk-ant-abcdefghijklmnop12345',
    "admin_token=tok-998877 password: p4ssw0rd!",
  ].join("\n");
  const out = redactText(text);
  for (const secret of ["hunter2pass", "pg-S3cret", "s3cr3t-admin-token", "dXNlcjpwYXNz", "sk-ant-abcdefghijklmnop12345", "tok-998877", "p4ssw0rd!"]) {
    expect(out).not.toContain(secret);
  }
  expect(out).toContain("kv://:[REDACTED]@127.0.0.1:6380/0");
  expect(out).toContain("postgres://app:[REDACTED]@db:5432/x");
  expect(out).toContain("Authorization: Bearer [REDACTED]");
});

test("known secret values are redacted wherever they appear, and ordinary data is left alone", () => {
  expect(redactText("the token abcd1234xyz leaked in a key name", ["abcd1234xyz"])).toBe("the token [REDACTED] leaked in a key name");
  const plain = '{"key":"user:42","limit":10,"algorithm":"token-bucket","max_tokens":5,"url":"http://127.0.0.1:8080"}';
  expect(redactText(plain)).toBe(plain);
});

test("deep redaction covers nested strings, secret-named fields and keys", () => {
  const value = { nodes: [{ url: "http://u:pw1234@h:1" }], headers: { Authorization: "whatever-it-is" }, "kv://:keypass99@h:1": 1, password: "x" };
  expect(redactDeep(value) as unknown).toEqual({
    nodes: [{ url: "http://u:[REDACTED]@h:1" }],
    headers: { Authorization: "[REDACTED]" },
    "kv://:[REDACTED]@h:1": 1,
    password: "[REDACTED]",
  });
});
