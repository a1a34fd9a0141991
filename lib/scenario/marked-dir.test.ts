import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../../test/fixtures/temp-dirs.ts";
import { DEMO_MARKER, prepareDemoDir } from "../demo/demo-dir.ts";
import { EVAL_MARKER, prepareEvalDir } from "../eval/eval-dir.ts";

const newDir = tempDirs("operator-marked-");
const notes: string[] = [];
const env = { env: {}, selfCommand: ["operator"], signal: new AbortController().signal, note: (text: string) => void notes.push(text) };

test("a dir holding anything but the runner's mark is refused, naming the runner and its env var", async () => {
  const foreign = newDir();
  writeFileSync(join(foreign, "state.db"), "");
  const refusal = (prepare: Promise<string>) => prepare.then(() => "prepared", (e: { exitCode: number; message: string }) => [e.exitCode, e.message]);
  expect([await refusal(prepareDemoDir(foreign, env)), await refusal(prepareEvalDir(foreign, env))]).toEqual([
    [2, `--state-dir ${foreign} holds state that is not a demo's: pass a new or empty directory (env OPERATOR_DEMO_STATE_DIR)`],
    [2, `--state-dir ${foreign} holds state that is not an eval's: pass a new or empty directory (env OPERATOR_EVAL_STATE_DIR)`],
  ]);
  expect(readdirSync(foreign)).toEqual(["state.db"]);
});

test("a new dir is made and marked; a marked one is emptied to its mark, each earlier run's dir with it", async () => {
  const demo = join(newDir(), "demo");
  expect(await prepareDemoDir(demo, env)).toBe(demo);
  expect(readFileSync(join(demo, DEMO_MARKER), "utf8")).toBe("state of operator demo: removed and recreated by the next demo run\n");
  writeFileSync(join(demo, "state.db"), "");
  await prepareDemoDir(demo, env);
  expect(readdirSync(demo)).toEqual([DEMO_MARKER]);

  const evaluation = newDir();
  await prepareEvalDir(evaluation, env);
  mkdirSync(join(evaluation, "001-node-kill-builtin-1"));
  writeFileSync(join(evaluation, "result.json"), "{}");
  await prepareEvalDir(evaluation, env);
  expect([readdirSync(evaluation), readFileSync(join(evaluation, EVAL_MARKER), "utf8")]).toEqual([[EVAL_MARKER], "state of operator eval: one directory per run, removed and recreated by the next eval\n"]);
  expect(notes).toEqual([]);
});
