// One engagement: its status in the state diagram (path taken, allowed actions now), deadlines with
// countdowns, reservation, report, invoice, history, and the actions the signed-in role may take.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { messagesAllowedIn, pathTaken, type TransitionMessage } from '../../../domain/transitions';
import { api, type Engagement } from '../api/client';
import { Countdown } from '../components/Countdown';
import { StateDiagram, TransitionList } from '../components/StateDiagram';
import type { Session } from '../session';
import { loadTemporalUi, temporalWorkflowUrl } from '../temporal-ui';
import { EngagementActions, MESSAGE_ROLES, MESSAGE_TITLE } from './EngagementActions';

export function EngagementPage({ session }: { session: Session }): ReactNode {
  const { voucherId = '' } = useParams();
  const [engagement, setEngagement] = useState<Engagement | undefined>();
  const [missing, setMissing] = useState<string | undefined>();
  // When the record store answered instead of the workflow: the time of that record.
  const [recordedAt, setRecordedAt] = useState<string | undefined>();

  const load = useCallback(async () => {
    const { data, error, response } = await api.GET('/v1/engagements/{voucherId}', {
      params: { path: { voucherId } },
    });
    if (data) {
      setEngagement(data);
      setMissing(undefined);
      setRecordedAt(
        response.headers.get('State-Source') === 'record-store'
          ? (response.headers.get('State-Recorded-At') ?? '')
          : undefined,
      );
    } else
      setMissing(response.status === 404 || response.status === 400 ? 'not-found' : (error?.detail ?? error?.title));
  }, [voucherId]);

  useEffect(() => {
    void load();
  }, [load]);

  // While the invoice steps run by themselves, follow them.
  useEffect(() => {
    if (!engagement || !['REDEEMED', 'INVOICE_SUBMITTED', 'AWAITING_SAVB_REGISTRATION'].includes(engagement.status))
      return;
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [engagement, load]);

  if (missing === 'not-found') {
    return (
      <section>
        <h1>Engagement not found</h1>
        <p>
          There is no engagement {voucherId} that you can see. <Link to="/engagements">Back to the engagements</Link>.
        </p>
      </section>
    );
  }
  if (missing) return <p role="alert">{missing}</p>;
  if (!engagement) return <p>Loading…</p>;

  const allowed = messagesAllowedIn(engagement.status);
  const mine = allowed.filter((m) => MESSAGE_ROLES[m].includes(session.role));
  const path = pathTaken(engagement.history, engagement.status);
  return (
    <section>
      <h1>
        Engagement {engagement.voucherId}{' '}
        <span className={`status status-${engagement.status}`} data-testid="status">
          {engagement.status}
        </span>
      </h1>
      {recordedAt !== undefined && <RecordedNotice recordedAt={recordedAt} />}
      <Summary engagement={engagement} session={session} />
      <div className="columns">
        <div>
          <h2>Actions</h2>
          <p>
            Allowed now:{' '}
            {allowed.length ? allowed.map((m: TransitionMessage) => MESSAGE_TITLE[m]).join(', ') : 'none (final)'}.
            {mine.length === 0 && allowed.length ? ' None of them by your role.' : ''}
          </p>
          <EngagementActions engagement={engagement} session={session} actions={mine} onDone={setEngagement} />
        </div>
        <div>
          <h2>State</h2>
          <StateDiagram current={engagement.status} path={path} />
          <TransitionList current={engagement.status} />
        </div>
      </div>
      <History engagement={engagement} />
    </section>
  );
}

/** The state shown is the record store's: Temporal did not answer, or no longer keeps the workflow. */
function RecordedNotice({ recordedAt }: { recordedAt: string }): ReactNode {
  const when = Date.parse(recordedAt);
  return (
    <p role="status" className="notice" data-testid="recorded-notice">
      Shown from the record store{Number.isNaN(when) ? '' : `, as recorded ${new Date(when).toLocaleString()}`}:
      Temporal did not answer for this engagement (its workers may be busy or down, or its workflow has ended and been
      deleted). The engagement may have moved on since; reload to try again.
    </p>
  );
}

/** One line of a fact list (nothing when there is no value). */
function Fact({ label, children }: { label: string; children: ReactNode }): ReactNode {
  if (children === undefined || children === null || children === false) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function invoiceText(invoice: NonNullable<Engagement['invoice']>): string {
  return [
    invoice.referenceNumber ? `${invoice.referenceNumber}: ` : '',
    invoice.savbStatus ?? 'not accepted yet',
    invoice.amount !== undefined ? `, ${invoice.amount} ${invoice.currency ?? ''}` : '',
    invoice.paidAt ? `, paid ${new Date(invoice.paidAt).toLocaleString()}` : '',
    invoice.lastRefusal ? ` — last refusal ${invoice.lastRefusal.code}: ${invoice.lastRefusal.message}` : '',
    ` (${invoice.attempts} attempts)`,
  ].join('');
}

function Summary({ engagement: e, session }: { engagement: Engagement; session: Session }): ReactNode {
  const ui = loadTemporalUi();
  const r = e.reservation;
  return (
    <div className="card">
      <dl className="facts">
        <Fact label="Offering / type">{`${e.offering} / ${e.engagementType}`}</Fact>
        <Fact label="Days">{e.days}</Fact>
        <Fact label="Customer">{`${e.customer.name} (${e.customer.country}), agreement ${e.customer.agreementNumber}`}</Fact>
        <Fact label="Partner">{e.partnerId ?? 'not forwarded yet'}</Fact>
        <Fact label="Voucher expires">
          <Countdown until={e.deadlines.voucherExpiresAt} /> — last valid day {e.deadlines.lastValidDate}
        </Fact>
        <Fact label="Invoice due">
          {e.deadlines.invoiceDueAt ? <Countdown until={e.deadlines.invoiceDueAt} /> : null}
        </Fact>
        <Fact label="Eligibility">
          {e.eligibility &&
            (e.eligibility.eligible
              ? 'eligible'
              : `not eligible: ${e.eligibility.refusals.map((x) => x.message).join('; ')}`)}
        </Fact>
        <Fact label="Reservation">
          {r &&
            `${r.startDate} to ${r.endDate} in ${r.deliveryCountry}, location ${r.locationId}, consultant ${r.consultantId}`}
        </Fact>
        <Fact label="Report">
          {e.report &&
            `delivered ${e.report.deliveredFrom} to ${e.report.deliveredTo}; ${e.report.deliverables.length} deliverables`}
        </Fact>
        <Fact label="Invoice">{e.invoice && <span data-testid="invoice">{invoiceText(e.invoice)}</span>}</Fact>
        <Fact label="Cancelled">{e.cancellation && `by ${e.cancellation.actor}: ${e.cancellation.reason}`}</Fact>
        <Fact label="Days returned or lost">
          {e.daysDisposition &&
            `${e.daysDisposition.days} ${e.daysDisposition.outcome === 'LOST' ? 'lost' : 'returned to the pool'}`}
        </Fact>
      </dl>
      {session.role === 'operator' ? (
        <p>
          <a href={temporalWorkflowUrl(ui, `engagement-${e.voucherId}`)} target="_blank" rel="noreferrer">
            Open the workflow in the Temporal UI
          </a>{' '}
          ({ui.baseUrl}, namespace {ui.namespace})
        </p>
      ) : null}
    </div>
  );
}

function History({ engagement }: { engagement: Engagement }): ReactNode {
  return (
    <>
      <h2>History</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {[...engagement.history].reverse().map((h, i) => (
              <tr key={i}>
                <td>
                  <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time>
                </td>
                <td>{h.actor}</td>
                <td>
                  {h.event}
                  {h.via ? ` (${h.via})` : ''}
                </td>
                <td>
                  {h.accepted ? 'accepted' : 'refused'}
                  {h.detail ? `: ${h.detail}` : ''}
                  {h.refusals?.length ? `: ${h.refusals.map((r) => r.message).join('; ')}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
