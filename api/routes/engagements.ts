// /v1/engagements: start, list, read, and the partner's, back-office's and operator's messages.
import { z } from 'zod';
import type { EngagementMessage } from '../../domain/engagement';
import {
  Cancellation,
  CompletionReport,
  ExpiryExtension,
  Forwarding,
  InvoiceRetry,
  Redemption,
  Reservation,
  ReservationCancellation,
  ReservationChange,
} from '../../domain/schemas';
import { engagementWorkflowId } from '../../workflows/messages';
import type { Role } from '../auth';
import { listEngagements, readEngagementReading, sendMessage, startEngagement } from '../engagements';
import { defineRoute, type Method, type RouteDef } from '../router';
import {
  EngagementListSchema,
  EngagementSchema,
  ListEngagementsQuery,
  StartEngagementBody,
  VoucherIdParams,
} from '../schemas';

const TAG = 'Engagements';
const ALL: Role[] = ['backoffice', 'operator', 'partner'];
const engagementResponse = (description: string) => ({ description, schema: EngagementSchema });

const start = defineRoute({
  method: 'post',
  path: '/v1/engagements',
  operationId: 'startEngagement',
  summary: 'Start an engagement (customer assigns a voucher)',
  description:
    'Starts the engagement workflow `engagement-<voucherId>`. Idempotent: the same voucher with the same body again answers 200 with the same engagement; ' +
    'the same voucher with another body is a 409, also after Temporal deleted the workflow (the record store remembers every voucher started). Program rules (known offering and type, allowed length, voucher not expired) give a 422 naming the rule.',
  tags: [TAG],
  auth: ['backoffice'],
  body: StartEngagementBody,
  responses: {
    201: {
      ...engagementResponse('Started'),
      headers: { Location: { description: 'The engagement', schema: { type: 'string' } } },
    },
    200: engagementResponse('Already started with the same request: the same engagement'),
  },
  errors: [409, 422],
  temporal: true,
  handler: async ({ body, app, log }) => {
    const result = await startEngagement(app, body, log);
    return {
      status: result.created ? 201 : 200,
      body: result.state,
      headers: { Location: `/v1/engagements/${encodeURIComponent(body.voucherId)}` },
    };
  },
});

const list = defineRoute({
  method: 'get',
  path: '/v1/engagements',
  operationId: 'listEngagements',
  summary: 'List engagements',
  description:
    "Filters combine (AND). A partner sees only engagements forwarded to it. Paginated: pass the previous page's `nextPageToken` as `pageToken` (with the same filters). " +
    'Listing reads Temporal visibility, which lags changes by up to a second or so and keeps closed engagements only for the namespace retention; ' +
    'with `closed=true` (or `false`) the list comes from the record store, which keeps ended engagements for good.',
  tags: [TAG],
  auth: ALL,
  query: ListEngagementsQuery,
  responses: { 200: { description: 'A page of engagements', schema: EngagementListSchema } },
  temporal: true,
  handler: async ({ query, principal, app }) => ({ status: 200, body: await listEngagements(app, query, principal) }),
});

const read = defineRoute({
  method: 'get',
  path: '/v1/engagements/{voucherId}',
  operationId: 'getEngagement',
  summary: 'The state of an engagement',
  description:
    'Back-office and operators read any engagement; a partner only one forwarded to it (else 404, as for an unknown voucher). ' +
    'When Temporal no longer has the workflow (its retention deleted it), or cannot answer within the read deadline (no worker free, ' +
    'Temporal unreachable), the answer comes from the record store, in the same shape, marked by `State-Source: record-store` and ' +
    '`State-Recorded-At`; without a record those are the 404, 503 and 504 they were.',
  tags: [TAG],
  auth: ALL,
  params: VoucherIdParams,
  responses: {
    200: {
      ...engagementResponse('The engagement'),
      headers: {
        'State-Source': {
          description: '`record-store` when the record store answered instead of the workflow (absent otherwise)',
          schema: { type: 'string' },
        },
        'State-Recorded-At': {
          description: 'With `State-Source`: when the record store last wrote the engagement (ISO 8601)',
          schema: { type: 'string' },
        },
      },
    },
  },
  errors: [404],
  temporal: true,
  handler: async ({ params, principal, app, res }) => {
    res.locals.workflowId = engagementWorkflowId(params.voucherId);
    const { state, recordedAt } = await readEngagementReading(app, params.voucherId, principal);
    const marked = recordedAt && { 'State-Source': 'record-store', 'State-Recorded-At': recordedAt.toISOString() };
    return { status: 200, body: state, ...(marked && { headers: marked }) };
  },
});

interface MessageRoute {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  description: string;
  roles: Role[];
  message: EngagementMessage;
  body: z.ZodType<object>;
}

const messageRoute = (m: MessageRoute): RouteDef =>
  defineRoute({
    method: m.method,
    path: m.path,
    operationId: m.operationId,
    summary: m.summary,
    description:
      `${m.description} Sends the \`${m.message}\` update to the engagement workflow and answers with the new state. ` +
      'Refusals: 409 when not allowed in the current status, 422 naming the program rule(s).',
    tags: [TAG],
    auth: m.roles,
    params: VoucherIdParams,
    body: m.body,
    responses: { 200: engagementResponse('Accepted: the new state') },
    errors: [404, 409, 422],
    temporal: true,
    handler: async ({ params, body, principal, app, log, res }) => {
      const workflowId = engagementWorkflowId(params.voucherId);
      res.locals.workflowId = workflowId;
      const state = await sendMessage(app, principal, params.voucherId, m.message, body, log.child({ workflowId }));
      return { status: 200, body: state };
    },
  });

const messages: RouteDef[] = [
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/forwarding',
    operationId: 'forwardVoucher',
    summary: 'Forward the voucher to a partner (validate it)',
    description:
      "The partner presents the voucher ID and the customer project manager's e-mail; `partnerId` must be the token's partner. " +
      "The workflow checks the partner's eligibility and records the result. Another partner may take over while the voucher is not reserved.",
    roles: ['partner'],
    message: 'voucherForwarded',
    body: Forwarding,
  }),
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/reservation',
    operationId: 'reserveVoucher',
    summary: 'Reserve the voucher',
    description:
      'By the forwarded, eligible partner: location in the delivery country, a qualified consultant, dates from today and before expiry.',
    roles: ['partner'],
    message: 'voucherReserved',
    body: Reservation,
  }),
  messageRoute({
    method: 'patch',
    path: '/v1/engagements/{voucherId}/reservation',
    operationId: 'changeReservation',
    summary: 'Change the reserved dates',
    description: 'New dates, while the engagement has not started.',
    roles: ['partner'],
    message: 'reservationChanged',
    body: ReservationChange,
  }),
  messageRoute({
    method: 'delete',
    path: '/v1/engagements/{voucherId}/reservation',
    operationId: 'cancelReservation',
    summary: 'Cancel the reservation',
    description: 'The voucher goes back to the partner (FORWARDED). The body (an optional reason) may be omitted.',
    roles: ['partner', 'backoffice'],
    message: 'reservationCancelled',
    body: ReservationCancellation,
  }),
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/completion-report',
    operationId: 'submitCompletionReport',
    summary: 'Submit the completion report',
    description:
      'Delivered dates inside the reserved window (or later), not in the future, not after expiry; on-site + off-site days = voucher days (at most 3 off-site); both deliverable kinds present.',
    roles: ['partner'],
    message: 'completionReportSubmitted',
    body: CompletionReport,
  }),
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/redemption',
    operationId: 'redeemVoucher',
    summary: 'Redeem the voucher',
    description:
      'After the completion report, before expiry. The invoice steps then run by themselves. The body is `{}` and may be omitted.',
    roles: ['partner'],
    message: 'voucherRedeemed',
    body: Redemption,
  }),
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/invoice/retry',
    operationId: 'retryInvoice',
    summary: 'Retry the invoice',
    description: 'After a missing SAVB registration or a denial was fixed. The body may be omitted.',
    roles: ['partner', 'operator'],
    message: 'invoiceRetryRequested',
    body: InvoiceRetry,
  }),
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/cancellation',
    operationId: 'cancelEngagement',
    summary: 'Cancel the engagement',
    description:
      "With a reason. The voucher's days go back to the customer's pool if its enrollment is still active, else they are lost.",
    roles: ['backoffice'],
    message: 'engagementCancelled',
    body: Cancellation,
  }),
  messageRoute({
    method: 'post',
    path: '/v1/engagements/{voucherId}/expiry-extension',
    operationId: 'extendVoucherExpiry',
    summary: 'Extend the voucher validity',
    description:
      'By `days`, with a reason, while the voucher is neither redeemed nor ended: the expiry, its reminders and `VoucherExpiresAt` move.',
    roles: ['backoffice'],
    message: 'voucherExpiryExtended',
    body: ExpiryExtension,
  }),
];

export const engagementRoutes: RouteDef[] = [start, list, read, ...messages];
