// Bulk actions for operators and the back-office: retry a partner's waiting invoices, extend the open
// vouchers of an offering or agreement, cancel a selection. The same API calls as one at a time, four
// in parallel, with progress and each item's result.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, callUntyped, type EngagementStatus, type EngagementSummary } from '../api/client';
import { runBounded, resultOf, type ItemResult } from '../bulk';
import { useCatalog } from '../catalog';
import { Field } from '../components/Field';
import { NO_ERRORS } from '../problems';
import type { Session } from '../session';
import { EngagementTable } from './EngagementList';

const PARALLEL = 4;
const OPEN: EngagementStatus[] = ['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED'];

async function listAll(query: Record<string, string>): Promise<EngagementSummary[]> {
  const items: EngagementSummary[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await api.GET('/v1/engagements', {
      params: { query: { pageSize: 100, ...query, ...(pageToken ? { pageToken } : {}) } as never },
    });
    if (!data) break;
    items.push(...data.items);
    pageToken = data.nextPageToken;
  } while (pageToken);
  return items;
}

async function listOpen(query: Record<string, string>): Promise<EngagementSummary[]> {
  const lists = await Promise.all(OPEN.map((status) => listAll({ ...query, status })));
  return lists.flat();
}

function Progress({ total, results }: { total: number; results: ItemResult[] }): ReactNode {
  if (!total) return null;
  const failed = results.filter((r) => !r.ok).length;
  return (
    <div className="bulk-progress">
      <label>
        Progress: {results.length} of {total} done{failed ? `, ${failed} refused` : ''}
        <progress max={total} value={results.length} />
      </label>
      <ul className="bulk-results" aria-live="polite">
        {results.map((r) => (
          <li key={r.voucherId} className={r.ok ? 'ok' : 'failed'} data-voucher={r.voucherId}>
            <strong>{r.voucherId}</strong>: {r.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

function useBulk() {
  const [total, setTotal] = useState(0);
  const [results, setResults] = useState<ItemResult[]>([]);
  const [running, setRunning] = useState(false);
  async function run(ids: string[], call: (voucherId: string) => Promise<ItemResult>) {
    setTotal(ids.length);
    setResults([]);
    setRunning(true);
    await runBounded(ids, PARALLEL, call, (r) => setResults((prev) => [...prev, r]));
    setRunning(false);
  }
  return { total, results, running, run };
}

export function Bulk({ session }: { session: Session }): ReactNode {
  return (
    <section>
      <h1>Bulk actions</h1>
      <p>
        Each action sends the same request as the engagement page, {PARALLEL} at a time; every item shows its own
        result.
      </p>
      <RetryInvoices />
      <ExtendVouchers />
      <CancelSelection />
      {session.role === 'operator' ? (
        <p className="hint">
          Extension and cancellation are the back-office's: with an operator token each item is refused (403).
        </p>
      ) : null}
    </section>
  );
}

function RetryInvoices(): ReactNode {
  const [partnerId, setPartnerId] = useState('');
  const [found, setFound] = useState<EngagementSummary[] | undefined>();
  const bulk = useBulk();
  async function find(event: FormEvent) {
    event.preventDefault();
    setFound(await listAll({ partnerId: partnerId.trim(), status: 'AWAITING_SAVB_REGISTRATION' }));
  }
  const retry = (voucherId: string) =>
    api
      .POST('/v1/engagements/{voucherId}/invoice/retry', { params: { path: { voucherId } }, body: {} })
      .then(({ response }) => resultOf(voucherId, response));
  return (
    <form className="card" onSubmit={(e) => void find(e)} noValidate aria-labelledby="retry-title">
      <h2 id="retry-title">Retry the waiting invoices of a partner</h2>
      <p>Once the partner registered in SAVB, retry every invoice waiting for the registration.</p>
      <Field
        label="Partner ID"
        name="retryPartnerId"
        value={partnerId}
        onChange={setPartnerId}
        errors={NO_ERRORS}
        required
      />
      <div className="buttons">
        <button type="submit" className="secondary">
          Find waiting invoices
        </button>
        {found?.length ? (
          <button
            type="button"
            disabled={bulk.running}
            onClick={() =>
              void bulk.run(
                found.map((e) => e.voucherId),
                retry,
              )
            }
          >
            Retry {found.length} invoices
          </button>
        ) : null}
      </div>
      {found ? (
        found.length ? (
          <EngagementTable items={found} />
        ) : (
          <p>No invoice of {partnerId} waits for SAVB registration.</p>
        )
      ) : null}
      <Progress total={bulk.total} results={bulk.results} />
    </form>
  );
}

function ExtendVouchers(): ReactNode {
  const catalog = useCatalog();
  const [offering, setOffering] = useState('');
  const [agreement, setAgreement] = useState('');
  const [days, setDays] = useState('30');
  const [reason, setReason] = useState('');
  const [found, setFound] = useState<EngagementSummary[] | undefined>();
  const bulk = useBulk();
  async function find(event: FormEvent) {
    event.preventDefault();
    let open = await listOpen(offering ? { offering } : {});
    if (agreement.trim()) {
      // The list has no agreement filter: read each open engagement's customer.
      const states = await Promise.all(
        open.map((e) => api.GET('/v1/engagements/{voucherId}', { params: { path: { voucherId: e.voucherId } } })),
      );
      open = open.filter((_, i) => states[i].data?.customer.agreementNumber === agreement.trim());
    }
    setFound(open);
  }
  const extend = (voucherId: string) =>
    callUntyped('POST', `/v1/engagements/${encodeURIComponent(voucherId)}/expiry-extension`, {
      body: { days: Number(days), reason },
    }).then((response) => resultOf(voucherId, response));
  return (
    <form className="card" onSubmit={(e) => void find(e)} noValidate aria-labelledby="extend-bulk-title">
      <h2 id="extend-bulk-title">Extend the open vouchers of an offering or agreement</h2>
      <div className="row">
        <Field
          label="Offering"
          name="extendOffering"
          value={offering}
          onChange={setOffering}
          errors={NO_ERRORS}
          options={[
            { value: '', label: 'Any offering' },
            ...(catalog?.offerings ?? []).map((o) => ({ value: o.code, label: o.code })),
          ]}
        />
        <Field
          label="Customer agreement (optional)"
          name="extendAgreement"
          value={agreement}
          onChange={setAgreement}
          errors={NO_ERRORS}
        />
      </div>
      <div className="row">
        <Field
          label="Days to add"
          name="extendDays"
          type="number"
          value={days}
          onChange={setDays}
          errors={NO_ERRORS}
          required
        />
        <Field label="Reason" name="extendReason" value={reason} onChange={setReason} errors={NO_ERRORS} required />
      </div>
      <div className="buttons">
        <button type="submit" className="secondary">
          Find open vouchers
        </button>
        {found?.length ? (
          <button
            type="button"
            disabled={bulk.running}
            onClick={() =>
              void bulk.run(
                found.map((e) => e.voucherId),
                extend,
              )
            }
          >
            Extend {found.length} vouchers
          </button>
        ) : null}
      </div>
      {found ? found.length ? <EngagementTable items={found} /> : <p>No open voucher matches.</p> : null}
      <Progress total={bulk.total} results={bulk.results} />
    </form>
  );
}

function CancelSelection(): ReactNode {
  const [found, setFound] = useState<EngagementSummary[] | undefined>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState('');
  const bulk = useBulk();
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const cancel = (voucherId: string) =>
    api
      .POST('/v1/engagements/{voucherId}/cancellation', { params: { path: { voucherId } }, body: { reason } })
      .then(({ response }) => resultOf(voucherId, response));
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        void listOpen({}).then(setFound);
      }}
      noValidate
      aria-labelledby="cancel-bulk-title"
    >
      <h2 id="cancel-bulk-title">Cancel a selection</h2>
      <button type="submit" className="secondary">
        List open engagements
      </button>
      {found ? <EngagementTable items={found} selection={{ selected, toggle }} /> : null}
      {found ? (
        <>
          <Field label="Reason" name="cancelReason" value={reason} onChange={setReason} errors={NO_ERRORS} required />
          <button
            type="button"
            className="danger"
            disabled={bulk.running || !selected.size || !reason.trim()}
            onClick={() => void bulk.run([...selected], cancel)}
          >
            Cancel {selected.size} engagements
          </button>
        </>
      ) : null}
      <Progress total={bulk.total} results={bulk.results} />
    </form>
  );
}
