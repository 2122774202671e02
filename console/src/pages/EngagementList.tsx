// Engagements: filters by status and expiry, the ones needing action first. Partners also validate
// a voucher here (voucher ID + the project manager's e-mail), which forwards it to them.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { STATUSES } from '../../../domain/transitions';
import { api, type EngagementStatus, type EngagementSummary } from '../api/client';
import { Countdown } from '../components/Countdown';
import { Field, FormErrors } from '../components/Field';
import { useAction } from '../components/useForm';
import { NO_ERRORS } from '../problems';
import type { Session } from '../session';

/** What needs action first: the partner's next step, then the waiting, then the finished. */
const URGENCY: Record<EngagementStatus, number> = {
  AWAITING_SAVB_REGISTRATION: 0,
  INVOICE_DENIED: 0,
  FORWARDED: 1,
  RESERVED: 1,
  REPORT_SUBMITTED: 1,
  ASSIGNED: 2,
  REDEEMED: 3,
  INVOICE_SUBMITTED: 3,
  PAID: 4,
  EXPIRED: 4,
  CANCELLED: 4,
  INVOICE_WINDOW_MISSED: 4,
};

export function byUrgency(a: EngagementSummary, b: EngagementSummary): number {
  const rank = (e: EngagementSummary) => (e.status ? URGENCY[e.status] : 5);
  return rank(a) - rank(b) || (a.voucherExpiresAt ?? '~').localeCompare(b.voucherExpiresAt ?? '~');
}

export function EngagementList({ session }: { session: Session }): ReactNode {
  const [status, setStatus] = useState('');
  const [expiresBefore, setExpiresBefore] = useState('');
  const [items, setItems] = useState<EngagementSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    void (async () => {
      const all: EngagementSummary[] = [];
      let pageToken: string | undefined;
      do {
        const { data, error: problem } = await api.GET('/v1/engagements', {
          params: {
            query: {
              pageSize: 100,
              ...(status ? { status: status as EngagementStatus } : {}),
              ...(expiresBefore ? { expiresBefore } : {}),
              ...(pageToken ? { pageToken } : {}),
            },
          },
        });
        if (!data) {
          if (live) setError(problem?.detail ?? problem?.title ?? 'The list could not be read');
          return;
        }
        all.push(...data.items);
        pageToken = data.nextPageToken;
      } while (pageToken && all.length < 1000);
      if (live) {
        setError(undefined);
        setItems(all.sort(byUrgency));
      }
    })();
    return () => {
      live = false;
    };
  }, [status, expiresBefore, refresh]);

  return (
    <section>
      <h1>{session.role === 'partner' ? 'My engagements' : 'Engagements'}</h1>
      {session.role === 'partner' ? <ValidateVoucher partnerId={session.partnerId ?? ''} /> : null}
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Field
          label="Status"
          name="status"
          value={status}
          onChange={setStatus}
          errors={NO_ERRORS}
          options={[{ value: '', label: 'Any status' }, ...STATUSES.map((s) => ({ value: s, label: s }))]}
        />
        <Field
          label="Expires before"
          name="expiresBefore"
          type="date"
          value={expiresBefore}
          onChange={setExpiresBefore}
          errors={NO_ERRORS}
        />
        <button type="button" className="secondary" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
      </form>
      {error ? <p role="alert">{error}</p> : null}
      {items === undefined ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No engagements match.</p>
      ) : (
        <EngagementTable items={items} />
      )}
    </section>
  );
}

export function EngagementTable({
  items,
  selection,
}: {
  items: EngagementSummary[];
  selection?: { selected: Set<string>; toggle: (voucherId: string) => void };
}): ReactNode {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
      <table className="engagements">
        <caption className="visually-hidden">Engagements, the ones needing action first</caption>
        <thead>
          <tr>
            {selection ? <th scope="col">Select</th> : null}
            <th scope="col">Voucher</th>
            <th scope="col">Status</th>
            <th scope="col">Type</th>
            <th scope="col">Days</th>
            <th scope="col">Partner</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.voucherId}>
              {selection ? (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${e.voucherId}`}
                    checked={selection.selected.has(e.voucherId)}
                    onChange={() => selection.toggle(e.voucherId)}
                  />
                </td>
              ) : null}
              <td>
                <Link to={`/engagements/${encodeURIComponent(e.voucherId)}`}>{e.voucherId}</Link>
              </td>
              <td>
                <span className={`status status-${e.status ?? 'UNKNOWN'}`}>{e.status ?? e.workflowStatus}</span>
              </td>
              <td>{e.engagementType}</td>
              <td>{e.days}</td>
              <td>{e.partnerId ?? '—'}</td>
              <td>{e.voucherExpiresAt ? <Countdown until={e.voucherExpiresAt} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ValidateVoucher({ partnerId }: { partnerId: string }): ReactNode {
  const [voucherId, setVoucherId] = useState('');
  const [email, setEmail] = useState('');
  const navigate = useNavigate();
  const action = useAction(['voucherId', 'partnerId', 'projectManagerEmail']);
  // An unknown voucher (404) is about the voucher ID the partner typed.
  const errors =
    action.problem?.status === 404
      ? { fields: { voucherId: ['No voucher with this ID is waiting for validation.'] }, form: [] }
      : action.errors;
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() =>
      api.POST('/v1/engagements/{voucherId}/forwarding', {
        params: { path: { voucherId: voucherId.trim() } },
        body: { partnerId, projectManagerEmail: email.trim() },
      }),
    );
    if (done) void navigate(`/engagements/${encodeURIComponent(voucherId.trim())}`);
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="validate-title">
      <h2 id="validate-title">Validate a voucher</h2>
      <p>The customer gives you the voucher ID; its project manager's e-mail proves it was assigned to you.</p>
      <div className="row">
        <Field label="Voucher ID" name="voucherId" value={voucherId} onChange={setVoucherId} errors={errors} required />
        <Field
          label="Project manager's e-mail"
          name="projectManagerEmail"
          type="email"
          value={email}
          onChange={setEmail}
          errors={errors}
          required
        />
      </div>
      <FormErrors errors={errors} />
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Validating…' : 'Validate'}
      </button>
    </form>
  );
}
