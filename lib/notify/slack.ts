// A Slack incoming-webhook message: Block Kit blocks plus the plain `text` fallback that
// notifications and old clients show. Within Slack's limits: at most 50 blocks, 3000 characters
// per section text, 150 per header, 75 per button label; long lists end in "… and N more".
import type { OutgoingRequest } from "./http-post.ts";
import type { Message } from "./message.ts";
import type { NotifyTarget } from "./target.ts";
import { causeText, clip, consoleLink, fitLines, summaryText, ticketLine, ticketsInOrder, title } from "./transition.ts";

const SECTION_MAX = 3_000;
const HEADER_MAX = 150;
/** Slack shows about this much of `text` in a notification; the blocks carry the rest. */
const FALLBACK_MAX = 3_000;

/** `&`, `<` and `>` are Slack's control characters in mrkdwn (links, mentions). */
const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const HEADINGS: Record<Message["event"], string> = {
  open: ":rotating_light: Incident opened",
  update: ":arrows_counterclockwise: Incident updated",
  resolve: ":white_check_mark: Incident resolved",
  test: ":wave: Test message from operator",
};

export function slackRequest(target: NotifyTarget, message: Message): OutgoingRequest {
  const { incident } = message;
  const link = consoleLink(message.consoleUrl, incident.id);
  const heading = `${HEADINGS[message.event]}: ${title(incident)}`;
  const section = (label: string, lines: string[]) => {
    const head = `*${label}*\n`;
    return { type: "section", text: { type: "mrkdwn", text: head + fitLines(lines.map(escape), SECTION_MAX - head.length) } };
  };
  const tickets = ticketsInOrder(incident);
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: clip(heading, HEADER_MAX), emoji: true } },
    section("Summary", [
      clip(summaryText(incident), 1_500),
      `root cause: ${causeText(incident)} · severity: ${incident.severity} · subject: ${incident.subject}`,
      ...(incident.merged_into !== null ? [`merged into incident #${incident.merged_into}`] : []),
    ]),
    section(`Tickets (${tickets.length})`, tickets.length ? tickets.map(ticketLine) : ["none"]),
  ];
  if (incident.actions.length) {
    blocks.push(section(`Actions (${incident.actions.length})`, incident.actions.map((a) => `#${a.id} ${a.name} ${JSON.stringify(a.params ?? {})} (${a.risk} risk, ${a.status})`)));
  }
  if (link) blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in the operator console" }, url: link }] });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: escape(`incident key ${message.key}`) }] });
  const text = clip(`${heading}. ${summaryText(incident)}${link ? ` ${link}` : ""}`, FALLBACK_MAX);
  return { url: target.endpoint, headers: {}, body: JSON.stringify({ text, blocks: blocks.slice(0, 50) }) };
}
