// Who a person is, for the audit log: --by, else the login name the command was given.
import { defineOptions, NonEmptyText } from "../cli/config.ts";
import { userInfo } from "node:os";

export const actorOptions = defineOptions({
  by: { env: "OPERATOR_ACTOR", schema: NonEmptyText, help: "who is acting, recorded in the audit log (default: your login name)" },
});

/** `--by`, else the login name (env USER or LOGNAME, else the account running the command). */
export const actorOf = (by: string | undefined, env: Record<string, string | undefined>) => by ?? env.USER ?? env.LOGNAME ?? userInfo().username;
