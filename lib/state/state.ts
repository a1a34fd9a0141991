// The state database: one bun:sqlite file (WAL) in the state dir. Each module owns its tables and
// declares them with `ensureSchema`; this module owns the file, its pragmas and its failures.
import { Database } from "bun:sqlite";
import { accessSync, constants, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { usageError } from "../cli/errors.ts";

export const STATE_DB_FILE = "state.db";

export interface State {
  db: Database;
  dir: string;
  close(): void;
}

/** Opens (creating if needed) the state db; a read-only, locked or corrupt state is one clear error. */
export function openState(stateDir: string): State {
  const dir = resolve(stateDir);
  const file = join(dir, STATE_DB_FILE);
  let db: Database | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    db = new Database(file, { create: true, strict: true });
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  } catch (error) {
    db?.close();
    throw stateError(error, file, dir);
  }
  const opened = db;
  return { db: opened, dir, close: () => opened.close() };
}

/** Opens the state db for a synchronous `use` and closes it when `use` returns or throws. */
export function withState<T>(stateDir: string, use: (state: State) => T): T {
  const state = openState(stateDir);
  try {
    return use(state);
  } finally {
    state.close();
  }
}

const isWritable = (dir: string) => {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "ENOENT";
  }
};

function stateError(error: unknown, file: string, dir?: string) {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string })?.code ?? "";
  if (/EACCES|EROFS|readonly|read-only|permission/i.test(`${code} ${text}`) || (dir !== undefined && !isWritable(dir))) {
    return usageError("state_read_only", `state dir ${file} is not writable: pass a writable --state-dir (env OPERATOR_STATE_DIR)`, { cause: error });
  }
  if (/locked|busy/i.test(text)) {
    return usageError("state_locked", `state db ${file} is locked by another process for too long: retry, or stop the process holding it`, { cause: error });
  }
  if (/not a database|malformed|corrupt/i.test(text)) {
    return usageError("state_corrupt", `state db ${file} is corrupt: move it aside and run again (nothing was written)`, { cause: error });
  }
  return usageError("state_unusable", `state db ${file} cannot be opened: ${text}`, { cause: error });
}

/**
 * Brings one module's tables to `statements.length` (each statement is one migration, applied in
 * order, all pending ones in one transaction). Call it from the module that owns those tables.
 */
export function ensureSchema(state: State, module: string, statements: string[]): void {
  // Stores call this before every query: once a module is current on this handle, it stays so.
  const current = currentModules.get(state) ?? new Map<string, number>();
  currentModules.set(state, current);
  if ((current.get(module) ?? 0) >= statements.length) return;
  try {
    const versionOf = () => state.db.query<{ version: number }, [string]>("SELECT version FROM schema_versions WHERE module = ?").get(module)?.version ?? 0;
    if (versionOf() >= statements.length) {
      if (!state.db.inTransaction) current.set(module, statements.length);
      return;
    }
    // Two processes may start on a fresh state dir at once: the version is read again inside
    // an IMMEDIATE transaction, so only one of them applies a migration.
    state.db.transaction(() => {
      for (let version = versionOf(); version < statements.length; version++) {
        state.db.exec(statements[version]!);
        state.db.query("INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version").run(module, version + 1);
      }
    }).immediate();
    // Inside a caller's transaction the migration is only a savepoint: it may still roll back, so
    // it is not remembered until it has been seen committed.
    if (!state.db.inTransaction) current.set(module, statements.length);
  } catch (error) {
    throw stateError(error, join(state.dir, STATE_DB_FILE));
  }
}

const currentModules = new WeakMap<State, Map<string, number>>();
