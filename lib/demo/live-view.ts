// The demo's live view: a model fed by the run's events, and a pure rendering of it that fits a
// terminal of 100×30 (cluster health, traffic, tickets, the latest diagnosis, actions, the
// chapter's narration and progress). The terminal module draws it in place.

export const VIEW_WIDTH = 100;
export const VIEW_HEIGHT = 30;

export interface PartView {
  name: string;
  healthy: boolean;
  detail: string;
}

interface TrafficView {
  sent: number;
  allowed: number;
  denied: number;
  errors: number;
  p99Ms: number;
}

interface TicketView {
  id: number;
  invariant: string;
  resource: string;
  severity: string;
  openedAt: number;
}

interface ActionView {
  id: number;
  name: string;
  params: unknown;
  risk: string;
  status: string;
  verification: string | null;
}

export interface ViewModel {
  subject: string;
  title: string;
  startedAt: number;
  chapter?: { index: number; total: number; title: string; narration: string; status: "running" | "passed" | "failed"; failure?: string };
  results: { name: string; passed: boolean; tookMs: number }[];
  steps: string[];
  parts: PartView[];
  traffic: Map<string, TrafficView>;
  tickets: Map<number, TicketView>;
  diagnosis?: { ticketId: number; component: string; faultClass: string; confidence: number; summary: string; actions: string[] };
  actions: Map<number, ActionView>;
  prompt: string;
}

export function emptyModel(subject: string, title: string, now: number): ViewModel {
  return { subject, title, startedAt: now, results: [], steps: [], parts: [], traffic: new Map(), tickets: new Map(), actions: new Map(), prompt: "" };
}

const actionOf = (a: Record<string, any>): ActionView => ({ id: a.id, name: a.name, params: a.params, risk: a.risk, status: a.status, verification: a.verification ?? null });

/** Folds one event of the run into the model. */
export function applyEvent(m: ViewModel, type: string, data: Record<string, any>, at: number): void {
  switch (type) {
    case "chapter_started":
      m.chapter = { index: data.index, total: data.total, title: data.title, narration: data.narration, status: "running" };
      m.steps = [];
      m.traffic = new Map([...m.traffic].filter(([name]) => name === "background"));
      break;
    case "chapter_passed":
    case "chapter_failed":
      m.results.push({ name: data.chapter, passed: type === "chapter_passed", tookMs: data.took_ms });
      if (m.chapter) Object.assign(m.chapter, { status: type === "chapter_passed" ? "passed" : "failed", ...(data.failure ? { failure: data.failure } : {}) });
      break;
    case "step":
      m.steps.push(data.message);
      break;
    case "traffic":
      m.traffic.set(data.load, { sent: data.sent, allowed: data.allowed, denied: data.denied, errors: data.errors, p99Ms: data.p99_ms });
      break;
    case "ticket_opened":
      m.tickets.set(data.ticket.id, { id: data.ticket.id, invariant: data.ticket.invariant, resource: data.ticket.resource, severity: data.ticket.severity, openedAt: at });
      break;
    case "ticket_resolved":
      m.tickets.delete(data.ticket.id);
      break;
    case "diagnosis": {
      const d = data.diagnosis;
      m.diagnosis = { ticketId: data.ticket.id, component: d.root_cause.component, faultClass: d.fault_class, confidence: d.root_cause.confidence, summary: d.root_cause.summary, actions: d.recommended_actions.map((a: { name: string; params: unknown }) => `${a.name} ${JSON.stringify(a.params)}`) };
      break;
    }
    case "action_proposed":
    case "action_finished":
    case "action_verified":
      m.actions.set(data.action.id, actionOf(data.action));
      break;
    case "action_approved": {
      const a = m.actions.get(data.action_id);
      if (a) a.status = "approved";
      break;
    }
    case "kill_switch":
      for (const id of data.cancelled as number[]) {
        const a = m.actions.get(id);
        if (a) a.status = "cancelled";
      }
      break;
    case "undeployed":
      m.traffic.clear();
      m.parts = [];
      break;
  }
}

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
const rule = (title: string, width: number) => `── ${title} ${"─".repeat(Math.max(0, width - title.length - 4))}`;
const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;
const milliseconds = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
const clock = (ms: number) => `${String(Math.floor(ms / 60_000)).padStart(2, "0")}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}`;

/** Words of `text` in lines of at most `width`, at most `lines` of them (the last takes the rest; the view cuts it with …). */
export function wrap(text: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  if (out.length > lines) out.splice(lines - 1, out.length, `${out[lines - 1]} ${out.slice(lines).join(" ")}`);
  return out;
}

/** Exactly `rows` lines: `items` rendered, padded with blanks, the last one saying how many more there are. */
function block<T>(items: T[], rows: number, render: (item: T) => string, empty: string): string[] {
  if (items.length === 0) return [empty, ...Array(rows - 1).fill("")];
  const shown = items.length > rows ? [...items.slice(0, rows - 1).map(render), `… and ${items.length - rows + 1} more`] : items.map(render);
  return [...shown, ...Array(rows - shown.length).fill("")];
}

/** The whole screen: at most `height` lines of exactly `width` characters. */
export function renderView(m: ViewModel, now: number, width = VIEW_WIDTH, height = VIEW_HEIGHT): string[] {
  const c = m.chapter;
  const status = !c ? "" : c.status === "running" ? "[running]" : c.status === "passed" ? "[passed]" : "[FAILED]";
  const head = `operator demo · ${m.subject} — ${m.title}`;
  const elapsed = `${clock(now - m.startedAt)} elapsed`;
  const chapterLine = c ? `Chapter ${c.index}/${c.total}: ${c.title}` : "Starting";
  const lines = [
    `${clip(head, width - elapsed.length - 1)} ${elapsed}`,
    `${clip(chapterLine, width - status.length - 1)} ${status}`,
    ...block(wrap(c?.status === "failed" && c.failure ? `FAILED: ${c.failure}` : c?.narration ?? "", width, 3), 3, (l) => l, ""),
    rule("Cluster", width),
    ...clusterLines(m.parts, width),
    rule("Traffic, last second", width),
    ...block([...m.traffic], 2, ([name, t]) => `${name.padEnd(14)} sent ${String(t.sent).padStart(4)}/s  allowed ${String(t.allowed).padStart(4)}  denied ${String(t.denied).padStart(4)}  errors ${String(t.errors).padStart(3)}  p99 ${milliseconds(t.p99Ms)}`, "no load yet"),
    rule(`Tickets open: ${m.tickets.size}`, width),
    ...block([...m.tickets.values()], 3, (t) => `#${t.id} ${t.severity.padEnd(8)} ${t.invariant} on ${t.resource}  (${seconds(now - t.openedAt)})`, "none"),
    rule("Latest diagnosis", width),
    ...diagnosisLines(m, width),
    rule("Actions", width),
    ...block(actionsShown(m), 2, (a) => `#${a.id} ${a.status}${a.verification && a.verification !== "pending" ? ` (${a.verification})` : ""}: ${a.name} ${JSON.stringify(a.params)} · ${a.risk} risk`, "none"),
    rule("Progress", width),
    ...block(m.steps.slice(-4), 4, (s) => s.trim(), "…"),
    m.results.map((r) => `${r.passed ? "✓" : "✗"} ${r.name} ${seconds(r.tookMs)}`).join("  ") || "no chapter finished yet",
    m.prompt,
  ];
  // A shorter terminal loses the bottom sections, never the chapter results and the prompt.
  const shown = lines.length > height ? [...lines.slice(0, Math.max(0, height - 2)), ...lines.slice(-2)] : lines;
  return shown.slice(0, height).map((l) => clip(l, width));
}

function clusterLines(parts: PartView[], width: number): string[] {
  if (parts.length === 0) return ["not up yet", ""];
  const summary = parts.map((p) => `${p.name} ${p.healthy ? "ok" : "FAILING"}`).join("  ");
  const sick = parts.filter((p) => !p.healthy).map((p) => `${p.name}: ${p.detail}`).join("; ");
  return [summary, sick ? clip(sick, width) : "every part healthy"];
}

function diagnosisLines(m: ViewModel, width: number): string[] {
  const d = m.diagnosis;
  if (!d) return ["none yet", "", ""];
  return [
    `ticket #${d.ticketId}: ${d.component} · ${d.faultClass} · confidence ${d.confidence}`,
    clip(d.summary, width),
    clip(d.actions.length ? `recommends ${d.actions.join(", ")}` : "recommends no action: the fault has to end", width),
  ];
}

/** Pending actions first, then the most recent others. */
function actionsShown(m: ViewModel): ActionView[] {
  const all = [...m.actions.values()].sort((a, b) => b.id - a.id);
  const pending = all.filter((a) => a.status === "proposed" || a.status === "approved" || a.status === "executing");
  return [...pending, ...all.filter((a) => !pending.includes(a))];
}
