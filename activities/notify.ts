// Notification activities: POST each notification as JSON to the configured webhook, signed by the
// Standard Webhooks scheme (https://www.standardwebhooks.com, the `standardwebhooks` package):
//   webhook-id:        <voucherId>:<kind>:<at> (engagement) or <partnerId>:<kind>:<at> (partner), the same
//                      on every retry, so the receiver can drop duplicates (also sent as Idempotency-Key)
//   webhook-timestamp: when this delivery attempt was made (Unix seconds), so receivers refuse stale ones
//   webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">
//   X-PSO-Subject:     engagement | partner
// The secret is a `whsec_<base64>` secret of the scheme; any other string is used as its UTF-8 bytes.
// 2xx = delivered; 5xx, 408/425/429, network errors and time-outs throw, so Temporal retries; any
// other answer is a refusal that retrying will not fix: { delivered: false } with the reason.
// Without a webhook (or without a secret to sign with) nothing is sent and nothing fails.
import { asyncLocalStorage } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import type { EngagementActivities, NotificationInput, NotificationResult, PartnerActivities } from './types';

export const WEBHOOK_UNAVAILABLE = 'WebhookUnavailable';
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface NotificationActivityDeps {
  webhookUrl?: string;
  webhookSecret?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export type PartnerNotificationInput = Parameters<PartnerActivities['notifyPartner']>[0];

const TRANSIENT_CLIENT_ERRORS = new Set([408, 425, 429]);

/** The scheme's signer for a configured secret: `whsec_<base64>` as the scheme defines it, else the string's bytes. */
export function webhookSigner(secret: string): Webhook {
  return secret.startsWith('whsec_')
    ? new Webhook(secret)
    : new Webhook(new Uint8Array(Buffer.from(secret, 'utf8')), { format: 'raw' });
}

/** The Standard Webhooks headers of one delivery attempt. */
export function webhookHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': webhookSigner(secret).sign(id, at, body),
  };
}

export function createNotificationActivities(
  deps: NotificationActivityDeps,
): Pick<EngagementActivities, 'notify'> & PartnerActivities {
  const fetchImpl = deps.fetchImpl ?? fetch;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;

  async function deliver(
    subject: 'engagement' | 'partner',
    payload: object,
    idempotencyKey: string,
  ): Promise<NotificationResult> {
    if (!deps.webhookUrl) return { delivered: false, detail: 'no webhook configured' };
    // Configuration refuses a webhook without a secret; never send an unsigned notification anyway.
    if (!deps.webhookSecret) return { delivered: false, detail: 'no webhook secret configured' };
    const body = JSON.stringify(payload);
    const timeout = AbortSignal.timeout(timeoutMs);
    // Inside an activity, its cancellation also aborts the call.
    const cancellation = asyncLocalStorage.getStore()?.cancellationSignal;
    let response: Response;
    try {
      response = await fetchImpl(deps.webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...webhookHeaders(deps.webhookSecret, idempotencyKey, body),
          'X-PSO-Subject': subject,
          'Idempotency-Key': idempotencyKey,
        },
        body,
        // A signed notification goes to the configured address only, never where a redirect points.
        redirect: 'manual',
        signal: cancellation ? AbortSignal.any([timeout, cancellation]) : timeout,
      });
      // Drain the body so the connection can be reused; its content does not matter.
      await response.arrayBuffer();
    } catch (err) {
      if (cancellation?.aborted) throw cancellation.reason;
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : describe(err);
      throw ApplicationFailure.retryable(`webhook unreachable: ${why}`, WEBHOOK_UNAVAILABLE);
    }
    if (response.status >= 200 && response.status < 300) return { delivered: true };
    if (response.status >= 500 || TRANSIENT_CLIENT_ERRORS.has(response.status)) {
      throw ApplicationFailure.retryable(`webhook answered ${response.status}`, WEBHOOK_UNAVAILABLE);
    }
    return { delivered: false, detail: `webhook refused: ${response.status}` };
  }

  return {
    async notify(input: NotificationInput): Promise<NotificationResult> {
      return deliver('engagement', input, `${input.voucherId}:${input.kind}:${input.at}`);
    },
    async notifyPartner(input: PartnerNotificationInput): Promise<NotificationResult> {
      const payload = { partnerId: input.partnerId, kind: input.kind, message: input.message, at: input.at };
      return deliver('partner', payload, `${input.partnerId}:${input.kind}:${input.at}`);
    },
  };
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
