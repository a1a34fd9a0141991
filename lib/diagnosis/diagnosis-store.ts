// Diagnoses kept with their ticket: every one made (the monitor's, a person's `diagnose`, each
// engine's), newest last, so a ticket shows what was concluded and when.
import { ensureSchema, type State } from "../state/state.ts";
import { diagnosisFromJson, diagnosisJson, type Diagnosis, type DiagnosisJson } from "./diagnosis.ts";

export function ensureDiagnosisSchema(state: State): void {
  ensureSchema(state, "diagnoses", [
    `CREATE TABLE diagnoses (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       ticket_id INTEGER NOT NULL,
       engine TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       body TEXT NOT NULL
     );
     CREATE INDEX diagnoses_ticket ON diagnoses (ticket_id, id);`,
  ]);
}

export interface StoredDiagnosis {
  id: number;
  createdAt: number;
  diagnosis: Diagnosis;
}

export function saveDiagnosis(state: State, diagnosis: Diagnosis, now: number): StoredDiagnosis {
  ensureDiagnosisSchema(state);
  const row = state.db
    .query<{ id: number }, [number, string, number, string]>("INSERT INTO diagnoses (ticket_id, engine, created_at, body) VALUES (?, ?, ?, ?) RETURNING id")
    .get(diagnosis.ticketId, diagnosis.engine, now, JSON.stringify(diagnosisJson(diagnosis)))!;
  return { id: row.id, createdAt: now, diagnosis };
}

interface DiagnosisRow {
  id: number;
  created_at: number;
  body: string;
}
const fromRow = (r: DiagnosisRow): StoredDiagnosis => ({ id: r.id, createdAt: r.created_at, diagnosis: diagnosisFromJson(JSON.parse(r.body) as DiagnosisJson) });

/** Every diagnosis of one ticket, oldest first. */
export function listDiagnoses(state: State, ticketId: number): StoredDiagnosis[] {
  ensureDiagnosisSchema(state);
  return state.db.query<DiagnosisRow, [number]>("SELECT id, created_at, body FROM diagnoses WHERE ticket_id = ? ORDER BY id").all(ticketId).map(fromRow);
}

export function latestDiagnosis(state: State, ticketId: number): StoredDiagnosis | undefined {
  return listDiagnoses(state, ticketId).at(-1);
}
