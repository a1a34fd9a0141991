// operator subjects: the systems the operator can watch, with their invariants and actions.
import { defineOperatorCommand } from "../lib/cli/cli.ts";
import { describeSubjects } from "../lib/subject/subjects-catalog.ts";

export default defineOperatorCommand({
  name: "subjects",
  description: "List the subjects the operator can watch, with their invariants and actions.",
  examples: ["operator subjects", "operator subjects --json | jq '.subjects[].name'"],
  options: {},
  async run({ out }) {
    const subjects = await describeSubjects();
    out.result({ subjects }, ({ subjects }) =>
      subjects
        .map((s) => [
          `${s.name}: ${s.description}`,
          `  invariants: ${s.invariants.map((i) => `${i.name} (${i.severity})`).join(", ") || "none yet"}`,
          `  actions: ${s.actions.map((a) => `${a.name} (${a.kind === "tool" ? "read-only" : `${a.risk} risk`})`).join(", ") || "none yet"}`,
        ].join("\n"))
        .join("\n"),
    );
  },
});
