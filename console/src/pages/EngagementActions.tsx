// The actions on an engagement the signed-in role may take in its current status, each a form whose
// refusals appear next to the field they name.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { TransitionMessage } from '../../../domain/transitions';
import { api, callUntyped, type Engagement } from '../api/client';
import { Field, FormErrors, Notice } from '../components/Field';
import { useAction } from '../components/useForm';
import { CompletionReport } from './CompletionReportForm';
import type { Role, Session } from '../session';

/** Who sends each message (SPEC §5). */
export const MESSAGE_ROLES: Record<TransitionMessage, readonly Role[]> = {
  voucherForwarded: ['partner'],
  voucherReserved: ['partner'],
  reservationChanged: ['partner'],
  reservationCancelled: ['partner', 'backoffice'],
  completionReportSubmitted: ['partner'],
  voucherRedeemed: ['partner'],
  engagementCancelled: ['backoffice'],
  invoiceRetryRequested: ['partner', 'operator'],
  voucherExpiryExtended: ['backoffice'],
};

export const MESSAGE_TITLE: Record<TransitionMessage, string> = {
  voucherForwarded: 'validate (forward)',
  voucherReserved: 'reserve',
  reservationChanged: 'change dates',
  reservationCancelled: 'cancel the reservation',
  completionReportSubmitted: 'submit the completion report',
  voucherRedeemed: 'redeem',
  engagementCancelled: 'cancel the engagement',
  invoiceRetryRequested: 'retry the invoice',
  voucherExpiryExtended: 'extend validity',
};

export interface ActionProps {
  engagement: Engagement;
  onDone: (engagement: Engagement) => void;
}

export function EngagementActions({
  engagement,
  session,
  actions,
  onDone,
}: ActionProps & { session: Session; actions: TransitionMessage[] }): ReactNode {
  const props = { engagement, onDone };
  return (
    <div className="actions">
      {actions.includes('voucherReserved') ? <Reserve {...props} /> : null}
      {actions.includes('reservationChanged') ? <ChangeDates {...props} /> : null}
      {actions.includes('completionReportSubmitted') ? <CompletionReport {...props} /> : null}
      {actions.includes('voucherRedeemed') ? <Simple {...props} message="voucherRedeemed" /> : null}
      {actions.includes('invoiceRetryRequested') ? <Simple {...props} message="invoiceRetryRequested" /> : null}
      {actions.includes('reservationCancelled') ? <Simple {...props} message="reservationCancelled" /> : null}
      {actions.includes('voucherExpiryExtended') ? <ExtendValidity {...props} /> : null}
      {actions.includes('engagementCancelled') ? <Cancel {...props} /> : null}
      {session.role === 'partner' && actions.length === 0 ? <p>Nothing for you to do now.</p> : null}
    </div>
  );
}

export const today = () => new Date().toISOString().slice(0, 10);

function Reserve({ engagement, onDone }: ActionProps): ReactNode {
  const [form, setForm] = useState({
    locationId: '',
    consultantId: '',
    startDate: today(),
    endDate: today(),
    deliveryCountry: engagement.customer.country,
    division: '',
    productScope: '',
  });
  const action = useAction<Engagement>(Object.keys(form));
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  async function submit(event: FormEvent) {
    event.preventDefault();
    const { division, productScope, ...rest } = form;
    const done = await action.run(() =>
      api.POST('/v1/engagements/{voucherId}/reservation', {
        params: { path: { voucherId: engagement.voucherId } },
        body: { ...rest, ...(division ? { division } : {}), ...(productScope ? { productScope } : {}) },
      }),
    );
    if (done) onDone(done);
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="reserve-title">
      <h3 id="reserve-title">Reserve</h3>
      <div className="row">
        <Field
          label="Location ID"
          name="locationId"
          value={form.locationId}
          onChange={set('locationId')}
          errors={action.errors}
          required
        />
        <Field
          label="Consultant ID"
          name="consultantId"
          value={form.consultantId}
          onChange={set('consultantId')}
          errors={action.errors}
          required
        />
      </div>
      <div className="row">
        <Field
          label="Start date"
          name="startDate"
          type="date"
          value={form.startDate}
          onChange={set('startDate')}
          errors={action.errors}
          required
        />
        <Field
          label="End date"
          name="endDate"
          type="date"
          value={form.endDate}
          onChange={set('endDate')}
          errors={action.errors}
          required
        />
      </div>
      <div className="row">
        <Field
          label="Delivery country"
          name="deliveryCountry"
          value={form.deliveryCountry}
          onChange={set('deliveryCountry')}
          errors={action.errors}
          required
          hint="ISO code, e.g. US"
        />
        <Field
          label="Division (optional)"
          name="division"
          value={form.division}
          onChange={set('division')}
          errors={action.errors}
        />
        <Field
          label="Product scope (optional)"
          name="productScope"
          value={form.productScope}
          onChange={set('productScope')}
          errors={action.errors}
        />
      </div>
      <FormErrors errors={action.errors} />
      <button type="submit" disabled={action.busy}>
        Reserve
      </button>
    </form>
  );
}

function ChangeDates({ engagement, onDone }: ActionProps): ReactNode {
  const [startDate, setStart] = useState(engagement.reservation?.startDate ?? today());
  const [endDate, setEnd] = useState(engagement.reservation?.endDate ?? today());
  const action = useAction<Engagement>(['startDate', 'endDate']);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() =>
      api.PATCH('/v1/engagements/{voucherId}/reservation', {
        params: { path: { voucherId: engagement.voucherId } },
        body: { startDate, endDate },
      }),
    );
    if (done) onDone(done);
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="change-title">
      <h3 id="change-title">Change the reserved dates</h3>
      <div className="row">
        <Field
          label="New start date"
          name="startDate"
          type="date"
          value={startDate}
          onChange={setStart}
          errors={action.errors}
          required
        />
        <Field
          label="New end date"
          name="endDate"
          type="date"
          value={endDate}
          onChange={setEnd}
          errors={action.errors}
          required
        />
      </div>
      <FormErrors errors={action.errors} />
      <button type="submit" disabled={action.busy}>
        Change dates
      </button>
    </form>
  );
}

/** Actions without a form: redeem, retry the invoice, cancel the reservation. */
function Simple({ engagement, onDone, message }: ActionProps & { message: TransitionMessage }): ReactNode {
  const action = useAction<Engagement>([]);
  const [notice, setNotice] = useState('');
  const params = { params: { path: { voucherId: engagement.voucherId } } };
  const send = {
    voucherRedeemed: () => api.POST('/v1/engagements/{voucherId}/redemption', { ...params, body: {} }),
    invoiceRetryRequested: () => api.POST('/v1/engagements/{voucherId}/invoice/retry', { ...params, body: {} }),
    reservationCancelled: () => api.DELETE('/v1/engagements/{voucherId}/reservation', { ...params, body: {} }),
  }[message as 'voucherRedeemed'];
  const label = MESSAGE_TITLE[message];
  return (
    <div className="card inline-action">
      <button
        type="button"
        className={message === 'reservationCancelled' ? 'secondary' : undefined}
        disabled={action.busy}
        onClick={() =>
          void action.run(send).then((done) => {
            if (done) {
              setNotice(`Done: ${label}.`);
              onDone(done);
            }
          })
        }
      >
        {label.charAt(0).toUpperCase() + label.slice(1)}
      </button>
      <FormErrors errors={action.errors} />
      {notice ? <Notice text={notice} /> : null}
    </div>
  );
}

function Cancel({ engagement, onDone }: ActionProps): ReactNode {
  const [reason, setReason] = useState('');
  const action = useAction<Engagement>(['reason']);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() =>
      api.POST('/v1/engagements/{voucherId}/cancellation', {
        params: { path: { voucherId: engagement.voucherId } },
        body: { reason },
      }),
    );
    if (done) onDone(done);
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="cancel-title">
      <h3 id="cancel-title">Cancel the engagement</h3>
      <Field label="Reason" name="reason" value={reason} onChange={setReason} errors={action.errors} required />
      <FormErrors errors={action.errors} />
      <button type="submit" className="danger" disabled={action.busy}>
        Cancel the engagement
      </button>
    </form>
  );
}

function ExtendValidity({ engagement, onDone }: ActionProps): ReactNode {
  const [days, setDays] = useState('30');
  const [reason, setReason] = useState('');
  const action = useAction<Engagement>(['days', 'reason']);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(async () => {
      const response = await callUntyped(
        'POST',
        `/v1/engagements/${encodeURIComponent(engagement.voucherId)}/expiry-extension`,
        {
          body: { days: Number(days), reason },
        },
      );
      const body: unknown = await response.json().catch(() => undefined);
      return response.ok ? { data: body as Engagement, response } : { error: body, response };
    });
    if (done && 'voucherId' in done) onDone(done);
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="extend-title">
      <h3 id="extend-title">Extend the voucher's validity</h3>
      <div className="row">
        <Field label="Days" name="days" type="number" value={days} onChange={setDays} errors={action.errors} required />
        <Field label="Reason" name="reason" value={reason} onChange={setReason} errors={action.errors} required />
      </div>
      <FormErrors errors={action.errors} />
      <button type="submit" disabled={action.busy}>
        Extend
      </button>
    </form>
  );
}
