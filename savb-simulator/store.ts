// The SAVB simulator's records: payment requests, registrations and the "redeemed voucher seen"
// marks that allow a registration, plus the deny list. Optionally persisted to one JSON file
// (written to a temporary file and renamed on every change, so a crash never leaves half a file).
// Statuses are not stored: they follow from the request's timestamps when read, so no timers run.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SavbStatus } from '../domain/rules/invoice';

export const PaymentRequestBody = z.strictObject({
  voucherId: z.string().min(1).max(128),
  partnerId: z.string().min(1).max(128),
  offering: z.string().min(1).max(20),
  locationId: z.string().min(1).max(128),
  country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code'),
  // The program never has engagements longer than 15 days, so SAVB refuses to pay for more.
  days: z.number().int().min(1).max(15),
  amount: z.number().positive().finite(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code'),
});
export type PaymentRequestBody = z.infer<typeof PaymentRequestBody>;

export const RegistrationBody = z.strictObject({
  partnerId: z.string().min(1).max(128),
  offering: z.string().min(1).max(20),
});
export type RegistrationBody = z.infer<typeof RegistrationBody>;

export type PaymentRequestStatus = SavbStatus;

const StoredPaymentRequest = PaymentRequestBody.extend({
  referenceNumber: z.string(),
  idempotencyKey: z.string(),
  submittedAt: z.iso.datetime(),
  approveAt: z.iso.datetime(),
  payAt: z.iso.datetime(),
  /** Set while the voucher is on the deny list and the request not yet decided: it is denied instead of approved. */
  denial: z.strictObject({ reason: z.string() }).optional(),
});
type StoredPaymentRequest = z.infer<typeof StoredPaymentRequest>;

const PartnerOffering = z.strictObject({ partnerId: z.string(), offering: z.string(), at: z.iso.datetime() });
type PartnerOffering = z.infer<typeof PartnerOffering>;

const PersistedState = z.strictObject({
  version: z.literal(1),
  requests: z.array(StoredPaymentRequest),
  registrations: z.array(PartnerOffering),
  /** Partner+offering pairs for which a refused request was seen: SAVB's evidence of a redeemed voucher. */
  redeemedVoucherSeen: z.array(PartnerOffering),
  /** voucherId → denial reason. */
  denyVouchers: z.record(z.string(), z.string()),
});
type PersistedState = z.infer<typeof PersistedState>;

/** A payment request as SAVB shows it, with its status as of the moment it is read. */
export interface PaymentRequestRecord extends PaymentRequestBody {
  referenceNumber: string;
  idempotencyKey: string;
  status: PaymentRequestStatus;
  reason?: string;
  submittedAt: string;
  approvedAt?: string;
  paidAt?: string;
  deniedAt?: string;
}

export interface Registration {
  partnerId: string;
  offering: string;
  registeredAt: string;
}

/** voucherId → reason without a prototype: voucher IDs such as `__proto__` or `constructor` are plain keys. */
const voucherRecord = (entries: Record<string, string> = {}): Record<string, string> =>
  Object.assign(Object.create(null) as Record<string, string>, entries);

const emptyState = (): PersistedState => ({
  version: 1,
  requests: [],
  registrations: [],
  redeemedVoucherSeen: [],
  denyVouchers: voucherRecord(),
});

/** SUBMITTED until approveAt; then DENIED if a denial is stamped, else APPROVED until payAt, then PAID. */
export function viewOf(stored: StoredPaymentRequest, nowMs: number): PaymentRequestRecord {
  const { approveAt, payAt, denial, ...rest } = stored;
  if (nowMs < Date.parse(approveAt)) return { ...rest, status: 'SUBMITTED' };
  if (denial) return { ...rest, status: 'DENIED', reason: denial.reason, deniedAt: approveAt };
  if (nowMs < Date.parse(payAt)) return { ...rest, status: 'APPROVED', approvedAt: approveAt };
  return { ...rest, status: 'PAID', approvedAt: approveAt, paidAt: payAt };
}

export function sameRequestBody(stored: PaymentRequestBody, body: PaymentRequestBody): boolean {
  return (Object.keys(PaymentRequestBody.shape) as (keyof PaymentRequestBody)[]).every(
    (field) => stored[field] === body[field],
  );
}

export class SavbStore {
  private state: PersistedState;

  constructor(
    private readonly dataFile: string | undefined,
    initialDenyVouchers: Record<string, string> = {},
  ) {
    this.state = dataFile ? loadState(dataFile) : emptyState();
    this.state.denyVouchers = voucherRecord({ ...this.state.denyVouchers, ...initialDenyVouchers });
  }

  reset(denyVouchers: Record<string, string>): void {
    this.state = emptyState();
    Object.assign(this.state.denyVouchers, denyVouchers);
    this.save();
  }

  all(nowMs: number): PaymentRequestRecord[] {
    return this.state.requests.map((r) => viewOf(r, nowMs));
  }

  byReference(referenceNumber: string): StoredPaymentRequest | undefined {
    return this.state.requests.find((r) => r.referenceNumber === referenceNumber);
  }

  byIdempotencyKey(key: string): StoredPaymentRequest | undefined {
    return this.state.requests.find((r) => r.idempotencyKey === key);
  }

  forVoucher(voucherId: string): StoredPaymentRequest[] {
    return this.state.requests.filter((r) => r.voucherId === voucherId);
  }

  create(
    key: string,
    body: PaymentRequestBody,
    nowMs: number,
    approveAfterMs: number,
    payAfterMs: number,
  ): StoredPaymentRequest {
    let referenceNumber: string;
    do referenceNumber = `SAVB-${randomBytes(5).toString('hex').toUpperCase()}`;
    while (this.byReference(referenceNumber));
    const reason = Object.hasOwn(this.state.denyVouchers, body.voucherId)
      ? this.state.denyVouchers[body.voucherId]
      : undefined;
    const stored: StoredPaymentRequest = {
      referenceNumber,
      idempotencyKey: key,
      ...body,
      submittedAt: new Date(nowMs).toISOString(),
      approveAt: new Date(nowMs + approveAfterMs).toISOString(),
      // Payment never precedes approval, whatever the two delays say.
      payAt: new Date(nowMs + Math.max(approveAfterMs, payAfterMs)).toISOString(),
      ...(reason !== undefined ? { denial: { reason } } : {}),
    };
    this.state.requests.push(stored);
    this.save();
    return stored;
  }

  isRegistered(partnerId: string, offering: string): boolean {
    return this.findPair(this.state.registrations, partnerId, offering) !== undefined;
  }

  registration(partnerId: string, offering: string): Registration | undefined {
    const found = this.findPair(this.state.registrations, partnerId, offering);
    return found && { partnerId, offering, registeredAt: found.at };
  }

  register(partnerId: string, offering: string, nowMs: number): Registration {
    const existing = this.registration(partnerId, offering);
    if (existing) return existing;
    const at = new Date(nowMs).toISOString();
    this.state.registrations.push({ partnerId, offering, at });
    this.save();
    return { partnerId, offering, registeredAt: at };
  }

  hasRedeemedVoucher(partnerId: string, offering: string): boolean {
    return this.findPair(this.state.redeemedVoucherSeen, partnerId, offering) !== undefined;
  }

  recordRedeemedVoucher(partnerId: string, offering: string, nowMs: number): void {
    if (this.hasRedeemedVoucher(partnerId, offering)) return;
    this.state.redeemedVoucherSeen.push({ partnerId, offering, at: new Date(nowMs).toISOString() });
    this.save();
  }

  denyList(): Record<string, string> {
    return { ...this.state.denyVouchers };
  }

  /** Lists the voucher; its requests not yet decided (still SUBMITTED) will be denied. Returns those. */
  deny(voucherId: string, reason: string, nowMs: number): string[] {
    this.state.denyVouchers[voucherId] = reason;
    const affected = this.forVoucher(voucherId).filter((r) => viewOf(r, nowMs).status === 'SUBMITTED');
    for (const r of affected) r.denial = { reason };
    this.save();
    return affected.map((r) => r.referenceNumber);
  }

  /** Takes the voucher off the list; its undecided requests will be approved after all. */
  undeny(voucherId: string, nowMs: number): boolean {
    const wasListed = Object.hasOwn(this.state.denyVouchers, voucherId);
    delete this.state.denyVouchers[voucherId];
    for (const r of this.forVoucher(voucherId)) if (viewOf(r, nowMs).status === 'SUBMITTED') delete r.denial;
    this.save();
    return wasListed;
  }

  private findPair(list: PartnerOffering[], partnerId: string, offering: string): PartnerOffering | undefined {
    return list.find((p) => p.partnerId === partnerId && p.offering === offering);
  }

  private save(): void {
    if (!this.dataFile) return;
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const temporary = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2));
    renameSync(temporary, this.dataFile);
  }
}

function loadState(dataFile: string): PersistedState {
  if (!existsSync(dataFile)) return emptyState();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(dataFile, 'utf8'));
  } catch (err) {
    throw new Error(`SAVB simulator: cannot read its data file ${dataFile}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = PersistedState.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(
      `SAVB simulator: the data file ${dataFile} is not valid (${problems}); move it away to start empty`,
    );
  }
  // zod builds records on a plain object, where a `__proto__` key would vanish: keep the file's own entries.
  const denied = Object.entries((raw as { denyVouchers: Record<string, unknown> }).denyVouchers);
  if (denied.some(([, reason]) => typeof reason !== 'string'))
    throw new Error(
      `SAVB simulator: the data file ${dataFile} is not valid (denyVouchers); move it away to start empty`,
    );
  return { ...parsed.data, denyVouchers: voucherRecord(Object.fromEntries(denied) as Record<string, string>) };
}
