// The engagement's statuses and every transition between them, with the message or timer that causes
// each: one table that the workflow's allowed-status checks, the console's diagram and the README's
// Mermaid diagram are all derived from. Pure data and functions.
import type { EngagementStatus } from './engagement';

/** The engagement's messages: each is an Update (HTTP) and a Signal (operators) of this name (SPEC §3). */
export const ENGAGEMENT_MESSAGES = [
  'voucherForwarded',
  'voucherReserved',
  'reservationChanged',
  'reservationCancelled',
  'completionReportSubmitted',
  'voucherRedeemed',
  'engagementCancelled',
  'invoiceRetryRequested',
  'voucherExpiryExtended',
] as const;
export type EngagementMessage = (typeof ENGAGEMENT_MESSAGES)[number];
/** The console's name for the same list. */
export type TransitionMessage = EngagementMessage;
export const TRANSITION_MESSAGES = ENGAGEMENT_MESSAGES;

/** What moves an engagement: a caller's message, a workflow timer, or an activity's answer (SAVB). */
export type TransitionCause =
  | { kind: 'message'; name: TransitionMessage }
  | { kind: 'timer'; name: 'voucherExpiry' | 'invoiceWindow' }
  | { kind: 'activity'; name: 'invoiceSubmitted' | 'savbNotRegistered' | 'savbRefused' | 'savbPaid' | 'savbDenied' };

export interface Transition {
  from: EngagementStatus;
  to: EngagementStatus;
  cause: TransitionCause;
  /** What happens, in the program's words (diagram label). */
  label: string;
}

/** The main line of the program, in order (diagrams lay it out along this order). */
export const MAIN_LINE: readonly EngagementStatus[] = [
  'ASSIGNED',
  'FORWARDED',
  'RESERVED',
  'REPORT_SUBMITTED',
  'REDEEMED',
  'AWAITING_SAVB_REGISTRATION',
  'INVOICE_SUBMITTED',
  'PAID',
];

/** Statuses after which nothing changes any more (INVOICE_DENIED stays open to a retry until the invoice window closes). */
export const TERMINAL_STATUSES: readonly EngagementStatus[] = ['PAID', 'EXPIRED', 'CANCELLED', 'INVOICE_WINDOW_MISSED'];

/** Before redemption: the voucher's validity still runs (expiry, extension, cancellation). */
const BEFORE_REDEMPTION: readonly EngagementStatus[] = ['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED'];
/** After redemption, before an accepted invoice: the 60-day invoice window runs. */
const INVOICE_OPEN: readonly EngagementStatus[] = ['REDEEMED', 'AWAITING_SAVB_REGISTRATION', 'INVOICE_DENIED'];

const message = (name: TransitionMessage): TransitionCause => ({ kind: 'message', name });
const activity = (name: Extract<TransitionCause, { kind: 'activity' }>['name']): TransitionCause => ({
  kind: 'activity',
  name,
});
const timer = (name: Extract<TransitionCause, { kind: 'timer' }>['name']): TransitionCause => ({ kind: 'timer', name });

export const TRANSITIONS: readonly Transition[] = [
  { from: 'ASSIGNED', to: 'FORWARDED', cause: message('voucherForwarded'), label: 'partner validates the voucher' },
  { from: 'FORWARDED', to: 'FORWARDED', cause: message('voucherForwarded'), label: 'another partner takes it over' },
  { from: 'FORWARDED', to: 'RESERVED', cause: message('voucherReserved'), label: 'partner reserves' },
  { from: 'RESERVED', to: 'RESERVED', cause: message('reservationChanged'), label: 'dates changed before start' },
  { from: 'RESERVED', to: 'FORWARDED', cause: message('reservationCancelled'), label: 'reservation cancelled' },
  {
    from: 'RESERVED',
    to: 'REPORT_SUBMITTED',
    cause: message('completionReportSubmitted'),
    label: 'completion report',
  },
  { from: 'REPORT_SUBMITTED', to: 'REDEEMED', cause: message('voucherRedeemed'), label: 'partner redeems' },
  ...BEFORE_REDEMPTION.map((from) => ({
    from,
    to: from,
    cause: message('voucherExpiryExtended'),
    label: 'validity extended',
  })),
  ...BEFORE_REDEMPTION.map((from) => ({
    from,
    to: 'CANCELLED' as const,
    cause: message('engagementCancelled'),
    label: 'back-office cancels',
  })),
  ...BEFORE_REDEMPTION.map((from) => ({
    from,
    to: 'EXPIRED' as const,
    cause: timer('voucherExpiry'),
    label: '180 days passed unredeemed',
  })),
  ...INVOICE_OPEN.map((from) => ({
    from,
    to: 'INVOICE_SUBMITTED' as const,
    cause: activity('invoiceSubmitted'),
    label: 'SAVB accepts the invoice',
  })),
  {
    from: 'REDEEMED',
    to: 'AWAITING_SAVB_REGISTRATION',
    cause: activity('savbNotRegistered'),
    label: 'partner not registered in SAVB',
  },
  { from: 'REDEEMED', to: 'INVOICE_DENIED', cause: activity('savbRefused'), label: 'SAVB refuses the invoice' },
  {
    from: 'AWAITING_SAVB_REGISTRATION',
    to: 'AWAITING_SAVB_REGISTRATION',
    cause: message('invoiceRetryRequested'),
    label: 'retry after registering',
  },
  {
    from: 'AWAITING_SAVB_REGISTRATION',
    to: 'INVOICE_DENIED',
    cause: activity('savbRefused'),
    label: 'SAVB refuses the invoice',
  },
  {
    from: 'INVOICE_DENIED',
    to: 'INVOICE_DENIED',
    cause: message('invoiceRetryRequested'),
    label: 'retry after a fix',
  },
  { from: 'INVOICE_SUBMITTED', to: 'PAID', cause: activity('savbPaid'), label: 'SAVB pays' },
  { from: 'INVOICE_SUBMITTED', to: 'INVOICE_DENIED', cause: activity('savbDenied'), label: 'SAVB denies' },
  ...INVOICE_OPEN.map((from) => ({
    from,
    to: 'INVOICE_WINDOW_MISSED' as const,
    cause: timer('invoiceWindow'),
    label: '60 days passed without an accepted invoice',
  })),
];

/** The statuses in which a message is accepted: every status a transition caused by it leaves from. */
export function allowedIn(name: TransitionMessage, table: readonly Transition[] = TRANSITIONS): EngagementStatus[] {
  const from = table.filter((t) => t.cause.kind === 'message' && t.cause.name === name).map((t) => t.from);
  return [...new Set(from)];
}

/** The messages accepted now (a caller's actions), in the table's order. */
export function messagesAllowedIn(
  status: EngagementStatus,
  table: readonly Transition[] = TRANSITIONS,
): TransitionMessage[] {
  return TRANSITION_MESSAGES.filter((name) => allowedIn(name, table).includes(status));
}

export const isTerminal = (status: EngagementStatus): boolean => TERMINAL_STATUSES.includes(status);

/** The table as a Mermaid state diagram (the README carries it, generated by scripts/transitions-diagram.ts). */
export function mermaidDiagram(table: readonly Transition[] = TRANSITIONS): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${MAIN_LINE[0]}`];
  const seen = new Set<string>();
  for (const t of table) {
    // One arrow per pair: its causes joined (the diagram reads better than one arrow per cause).
    const key = `${t.from}>${t.to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const causes = [...new Set(table.filter((u) => u.from === t.from && u.to === t.to).map((u) => u.cause.name))];
    lines.push(`  ${t.from} --> ${t.to}: ${causes.join(' / ')}`);
  }
  for (const status of TERMINAL_STATUSES) lines.push(`  ${status} --> [*]`);
  return lines.join('\n');
}

/** Every status, the main line first (the order diagrams and filters list them in). */
export const STATUSES: readonly EngagementStatus[] = [
  ...MAIN_LINE,
  ...[...new Set(TRANSITIONS.map((t) => t.to))].filter((s) => !MAIN_LINE.includes(s)),
];

/** The history events (EngagementState.history[].event) that are a transition's cause, by cause name. */
const EVENT_CAUSES: Record<string, readonly TransitionCause['name'][]> = {
  voucherExpired: ['voucherExpiry'],
  invoiceWindowMissed: ['invoiceWindow'],
  invoiceSubmitted: ['invoiceSubmitted'],
  savbStatusPAID: ['savbPaid'],
  savbStatusDENIED: ['savbDenied'],
};

export interface HistoryStep {
  event: string;
  accepted: boolean;
  refusals?: { code: string }[];
}

function causesOf(step: HistoryStep): readonly TransitionCause['name'][] {
  // SAVB's refusal is recorded as not accepted: "not registered" waits for registration, any other code denies.
  if (step.event === 'invoiceRefused')
    return step.refusals?.some((r) => r.code === 'PARTNER_NOT_REGISTERED') ? ['savbNotRegistered'] : ['savbRefused'];
  if (!step.accepted) return [];
  return EVENT_CAUSES[step.event] ?? [step.event as TransitionMessage];
}

/**
 * The statuses an engagement went through, replayed from its history with the table: each accepted
 * event that is a transition's cause from the status reached so far moves along that transition.
 * Ends with `current` (so a history cut short still ends where the engagement is).
 */
export function pathTaken(history: readonly HistoryStep[], current: EngagementStatus): EngagementStatus[] {
  const path: EngagementStatus[] = [MAIN_LINE[0]];
  for (const step of history) {
    const at = path[path.length - 1];
    const causes = causesOf(step);
    const next = TRANSITIONS.find((t) => t.from === at && t.to !== at && causes.includes(t.cause.name));
    if (next) path.push(next.to);
  }
  if (path[path.length - 1] !== current) path.push(current);
  return path;
}
