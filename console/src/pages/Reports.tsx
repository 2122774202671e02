// Reports for the back-office and operators (SPEC §5: invoices, days per agreement, expiring
// vouchers, JSON or CSV from the record store), and the engagement list as CSV.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, callUntyped, type EngagementSummary } from '../api/client';
import { Field, Notice } from '../components/Field';
import { NO_ERRORS } from '../problems';

const REPORTS = [
  { value: 'invoices', label: 'Invoices (by period, partner, offering, status)' },
  { value: 'days', label: 'Days per customer agreement (assigned, redeemed, returned, lost, open)' },
  { value: 'expiring', label: 'Open vouchers expiring in a period' },
] as const;

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

/** A value as display text: objects as JSON, nothing as empty. */
const textOf = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
};

const csvCell = (value: unknown) => {
  const text = textOf(value);
  return /[",\n\r]/.test(text) || /^[=+\-@]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The engagement list as CSV (what the API lists, every page). */
export function engagementsCsv(items: EngagementSummary[]): string {
  const columns = [
    'voucherId',
    'status',
    'offering',
    'engagementType',
    'days',
    'partnerId',
    'customerCountry',
    'voucherExpiresAt',
    'startedAt',
  ] as const;
  return [columns.join(','), ...items.map((e) => columns.map((c) => csvCell(e[c])).join(','))].join('\r\n') + '\r\n';
}

export function Reports(): ReactNode {
  const [report, setReport] = useState<string>('invoices');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rows, setRows] = useState<Record<string, unknown>[] | undefined>();
  const [notice, setNotice] = useState('');

  const query = () => {
    const params = new URLSearchParams();
    if (from) params.set('from', from);
    if (to) params.set('to', to);
    const q = params.toString();
    return `/v1/reports/${report}${q ? `?${q}` : ''}`;
  };

  async function show(event: FormEvent) {
    event.preventDefault();
    setNotice('');
    const res = await callUntyped('GET', query());
    if (res.status === 404) {
      setRows(undefined);
      setNotice('This server offers no reports yet: they come from the record store, which is not deployed here.');
      return;
    }
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
      setNotice(`The report was refused: ${p.detail ?? p.title ?? res.status}`);
      return;
    }
    const body = (await res.json()) as { items?: Record<string, unknown>[] } | Record<string, unknown>[];
    setRows(Array.isArray(body) ? body : (body.items ?? []));
  }

  async function csv() {
    setNotice('');
    const res = await callUntyped('GET', query(), { accept: 'text/csv' });
    if (res.status === 404) {
      setNotice('This server offers no reports yet: they come from the record store, which is not deployed here.');
      return;
    }
    if (!res.ok) {
      setNotice(`The report was refused (HTTP ${res.status}).`);
      return;
    }
    download(`${report}-report.csv`, await res.text());
    setNotice(`Downloaded ${report}-report.csv.`);
  }

  async function engagementsDownload() {
    const items: EngagementSummary[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await api.GET('/v1/engagements', {
        params: { query: { pageSize: 100, ...(pageToken ? { pageToken } : {}) } },
      });
      if (!data) break;
      items.push(...data.items);
      pageToken = data.nextPageToken;
    } while (pageToken);
    download('engagements.csv', engagementsCsv(items));
    setNotice(`Downloaded engagements.csv (${items.length} engagements).`);
  }

  const columns = rows?.length ? Object.keys(rows[0]) : [];
  return (
    <section>
      <h1>Reports</h1>
      <form className="card" onSubmit={(e) => void show(e)} noValidate>
        <Field label="Report" name="report" value={report} onChange={setReport} errors={NO_ERRORS} options={REPORTS} />
        <div className="row">
          <Field label="From" name="from" type="date" value={from} onChange={setFrom} errors={NO_ERRORS} />
          <Field label="To" name="to" type="date" value={to} onChange={setTo} errors={NO_ERRORS} />
        </div>
        <div className="buttons">
          <button type="submit">Show</button>
          <button type="button" className="secondary" onClick={() => void csv()}>
            Download CSV
          </button>
        </div>
      </form>
      <div className="card">
        <h2>Engagement list</h2>
        <p>Every engagement the API lists (status, type, partner, expiry), as CSV.</p>
        <button type="button" className="secondary" onClick={() => void engagementsDownload()}>
          Download engagements CSV
        </button>
      </div>
      {notice ? <Notice text={notice} /> : null}
      {rows ? (
        rows.length ? (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row, i) => (
                  <tr key={i}>
                    {columns.map((c) => (
                      <td key={c}>{textOf(row[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>The report is empty.</p>
        )
      ) : null}
    </section>
  );
}
