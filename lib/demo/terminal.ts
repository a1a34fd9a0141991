// The demo on a terminal: the live view drawn in place (alternate screen, no scrolling) a few
// times a second, the deployment's health polled every two seconds, and keys read in raw mode
// (Enter advances, Ctrl-C interrupts, since raw mode turns off the terminal's own SIGINT).
import type { PartStatus } from "../cluster/deployment.ts";
import { applyEvent, emptyModel, renderView, VIEW_HEIGHT, VIEW_WIDTH, type ViewModel } from "./live-view.ts";

const REDRAW_MS = 250;
const HEALTH_MS = 2_000;

export interface KeyInput {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  off(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export class LiveScreen {
  readonly model: ViewModel;
  private redraw: ReturnType<typeof setInterval> | undefined;
  private health: ReturnType<typeof setInterval> | undefined;

  /**
   * @param size the terminal's size now (it may change); the view uses at most 100×30 of it
   */
  constructor(
    private readonly write: (text: string) => void,
    subject: string,
    title: string,
    private readonly size: () => { columns?: number; rows?: number } = () => ({}),
    private readonly now: () => number = Date.now,
  ) {
    this.model = emptyModel(subject, title, now());
  }

  start(): void {
    this.write("\u001b[?1049h\u001b[?25l");
    this.draw();
    this.redraw = setInterval(() => this.draw(), REDRAW_MS);
  }

  onEvent(type: string, data: Record<string, unknown>): void {
    applyEvent(this.model, type, data, this.now());
  }

  prompt(text: string): void {
    this.model.prompt = text;
    this.draw();
  }

  /** Polls the deployment's health (every part, as `cluster status` sees it) while the demo runs. */
  watchHealth(parts: () => Promise<PartStatus[]>): void {
    let busy = false;
    this.health = setInterval(() => {
      if (busy) return;
      busy = true;
      parts()
        .then((list) => (this.model.parts = list.map((p) => ({ name: p.name, healthy: p.healthy, detail: p.detail }))))
        .catch(() => {})
        .finally(() => (busy = false));
    }, HEALTH_MS);
  }

  draw(): void {
    // "\r\n": in raw mode a bare "\n" does not return the cursor to the first column.
    const { columns, rows } = this.size();
    const lines = renderView(this.model, this.now(), Math.min(VIEW_WIDTH, columns || VIEW_WIDTH), Math.min(VIEW_HEIGHT, rows || VIEW_HEIGHT));
    this.write(`\u001b[H${lines.map((l) => `${l}\u001b[K`).join("\r\n")}\u001b[J`);
  }

  /** Leaves the alternate screen (what was drawn there goes with it). */
  stop(): void {
    if (!this.redraw) return;
    clearInterval(this.redraw);
    clearInterval(this.health);
    this.redraw = undefined;
    this.write("\u001b[?25h\u001b[?1049l");
  }
}

/** Reads Enter and Ctrl-C from a terminal in raw mode; returns the function that restores it. */
export function listenForKeys(input: KeyInput, handlers: { onEnter(): void; onInterrupt(): void }): () => void {
  const listener = (chunk: Buffer | string) => {
    for (const char of chunk.toString()) {
      if (char === "\r" || char === "\n") handlers.onEnter();
      else if (char === "\u0003") handlers.onInterrupt();
    }
  };
  input.setRawMode?.(true);
  input.on("data", listener);
  input.resume();
  return () => {
    input.off("data", listener);
    input.setRawMode?.(false);
    input.pause();
  };
}
