// Reports for the back-office and operators (SPEC §5: invoices, days per agreement, expiring
// vouchers, JSON or CSV from the record store), and the engagement list as CSV.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, callUntyped, type EngagementSummary } from '../api/client';
import { useCatalog } from '../catalog';
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

/** Each report's filters (the API refuses a filter a report does not have). */
type FilterName = 'from' | 'to' | 'partnerId' | 'offering' | 'status' | 'agreementNumber';
const FILTERS: Record<ReportName, readonly FilterName[]> = {
  invoices: ['from', 'to', 'partnerId', 'offering', 'status'],
  days: ['agreementNumber'],
  expiring: ['from', 'to', 'partnerId'],
};
type ReportName = (typeof REPORTS)[number]['value'];
type Filters = Record<FilterName, string>;
const SAVB_STATUSES = ['SUBMITTED', 'APPROVED', 'PAID', 'DENIED'];
const NO_REPORTS = 'This server offers no reports yet: they come from the record store, which is not deployed here.';

function reportPath(report: ReportName, filters: Filters, pageToken?: string): string {
  const params = new URLSearchParams();
  for (const key of FILTERS[report]) if (filters[key].trim()) params.set(key, filters[key].trim());
  if (pageToken) params.set('pageToken', pageToken);
  const q = params.toString();
  return `/v1/reports/${report}${q ? `?${q}` : ''}`;
}

async function refusalText(res: Response): Promise<string> {
  if (res.status === 404) return NO_REPORTS;
  const p = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
  return `The report was refused: ${p.detail ?? p.title ?? `HTTP ${res.status}`}`;
}

/** Every page of a report as one CSV (the header row once; pages linked by X-Next-Page-Token). */
async function reportCsv(report: ReportName, filters: Filters): Promise<{ csv?: string; refusal?: string }> {
  let csv = '';
  let pageToken: string | undefined;
  do {
    const res = await callUntyped('GET', reportPath(report, filters, pageToken), { accept: 'text/csv' });
    if (!res.ok) return { refusal: await refusalText(res) };
    const text = await res.text();
    csv += csv ? text.slice(text.indexOf('\n') + 1) : text;
    pageToken = res.headers.get('x-next-page-token') ?? undefined;
  } while (pageToken);
  return { csv };
}

async function allEngagements(): Promise<EngagementSummary[]> {
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
  return items;
}

export function Reports(): ReactNode {
  const [report, setReport] = useState<ReportName>('invoices');
  const [filters, setFilters] = useState<Filters>({
    from: '',
    to: '',
    partnerId: '',
    offering: '',
    status: '',
    agreementNumber: '',
  });
  const [rows, setRows] = useState<Record<string, unknown>[] | undefined>();
  const [notice, setNotice] = useState('');
  const set = (key: keyof Filters) => (value: string) => setFilters({ ...filters, [key]: value });
  const catalog = useCatalog();

  async function show(event: FormEvent) {
    event.preventDefault();
    setNotice('');
    setRows(undefined);
    const res = await callUntyped('GET', reportPath(report, filters));
    if (!res.ok) return setNotice(await refusalText(res));
    const body = (await res.json()) as { items?: Record<string, unknown>[] } | Record<string, unknown>[];
    setRows(Array.isArray(body) ? body : (body.items ?? []));
  }
  async function csv() {
    setNotice('');
    const { csv: text, refusal } = await reportCsv(report, filters);
    if (text === undefined) return setNotice(refusal ?? '');
    download(`${report}-report.csv`, text);
    setNotice(`Downloaded ${report}-report.csv.`);
  }
  async function engagementsDownload() {
    const items = await allEngagements();
    download('engagements.csv', engagementsCsv(items));
    setNotice(`Downloaded engagements.csv (${items.length} engagements).`);
  }
  const shown = FILTERS[report];
  return (
    <section>
      <h1>Reports</h1>
      <form className="card" onSubmit={(e) => void show(e)} noValidate>
        <Field
          label="Report"
          name="report"
          value={report}
          onChange={(v) => setReport(v as ReportName)}
          errors={NO_ERRORS}
          options={REPORTS}
        />
        <div className="row">
          {shown.includes('from') ? (
            <Field
              label="From"
              name="from"
              type="date"
              value={filters.from}
              onChange={set('from')}
              errors={NO_ERRORS}
            />
          ) : null}
          {shown.includes('to') ? (
            <Field label="To" name="to" type="date" value={filters.to} onChange={set('to')} errors={NO_ERRORS} />
          ) : null}
          {shown.includes('partnerId') ? (
            <Field
              label="Partner ID"
              name="partnerId"
              value={filters.partnerId}
              onChange={set('partnerId')}
              errors={NO_ERRORS}
            />
          ) : null}
          {shown.includes('offering') ? (
            <Field
              label="Offering"
              name="offering"
              value={filters.offering}
              onChange={set('offering')}
              errors={NO_ERRORS}
              options={[
                { value: '', label: 'Any offering' },
                ...(catalog?.offerings ?? []).map((o) => ({ value: o.code, label: o.code })),
              ]}
            />
          ) : null}
          {shown.includes('status') ? (
            <Field
              label="SAVB status"
              name="status"
              value={filters.status}
              onChange={set('status')}
              errors={NO_ERRORS}
              options={[{ value: '', label: 'Any status' }, ...SAVB_STATUSES.map((v) => ({ value: v, label: v }))]}
            />
          ) : null}
          {shown.includes('agreementNumber') ? (
            <Field
              label="Customer agreement"
              name="agreementNumber"
              value={filters.agreementNumber}
              onChange={set('agreementNumber')}
              errors={NO_ERRORS}
            />
          ) : null}
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
      {rows ? <ReportTable rows={rows} /> : null}
    </section>
  );
}

function ReportTable({ rows }: { rows: Record<string, unknown>[] }): ReactNode {
  if (!rows.length) return <p>The report is empty.</p>;
  const columns = Object.keys(rows[0]);
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Report">
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
  );
}
