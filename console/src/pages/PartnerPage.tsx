// A partner's profile and enrollments: enroll in an offering, renew an enrollment (from 90 days before it lapses).
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, type Partner, type Schemas } from '../api/client';
import { Countdown } from '../components/Countdown';
import { Field, FormErrors, Notice } from '../components/Field';
import { useAction } from '../components/useForm';
import { useCatalog } from '../catalog';
import type { Session } from '../session';

type OfferingCode = Schemas['EnrollmentRequest']['offering'];

export function PartnerPage({ session, partnerId }: { session: Session; partnerId: string }): ReactNode {
  const [partner, setPartner] = useState<Partner | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(async () => {
    const { data, error: p } = await api.GET('/v1/partners/{partnerId}', { params: { path: { partnerId } } });
    if (data) setPartner(data);
    else setError(p?.detail ?? p?.title ?? 'The partner could not be read');
  }, [partnerId]);
  useEffect(() => {
    void load();
  }, [load]);
  const manage = session.role !== 'operator';
  return (
    <section>
      <h1>Partner {partnerId}</h1>
      {error ? <p role="alert">{error}</p> : null}
      {partner ? <PartnerDetails partner={partner} manage={manage} onChange={setPartner} /> : null}
    </section>
  );
}

export function PartnerDetails({
  partner,
  manage,
  onChange,
}: {
  partner: Partner;
  manage: boolean;
  onChange: (p: Partner) => void;
}): ReactNode {
  const profile = partner.profile;
  return (
    <>
      <h2>Profile</h2>
      {profile ? (
        <div className="card">
          <dl className="facts">
            <dt>Name</dt>
            <dd>{profile.name}</dd>
            {profile.website ? (
              <>
                <dt>Website</dt>
                <dd>{profile.website}</dd>
              </>
            ) : null}
            <dt>Locations</dt>
            <dd>{profile.locations.map((l) => `${l.locationId} (${l.country})`).join(', ') || '—'}</dd>
            <dt>Competencies</dt>
            <dd>
              {profile.competencies
                .map((c) => `${c.area} ${c.level}${c.expiresAt ? ` until ${c.expiresAt}` : ''}`)
                .join('; ') || '—'}
            </dd>
            <dt>Consultants</dt>
            <dd>
              {profile.consultants
                .map((c) => `${c.consultantId} ${c.name} (${c.exams.map((e) => e.code).join(', ') || 'no exams'})`)
                .join('; ') || '—'}
            </dd>
          </dl>
        </div>
      ) : (
        <p>No profile yet: the back-office creates it.</p>
      )}
      <Enrollments partner={partner} manage={manage} onChange={onChange} />
    </>
  );
}

function Enrollments({
  partner,
  manage,
  onChange,
}: {
  partner: Partner;
  manage: boolean;
  onChange: (p: Partner) => void;
}): ReactNode {
  const [offering, setOffering] = useState<OfferingCode>('DDPS');
  const [notice, setNotice] = useState('');
  const enroll = useAction<Partner>(['offering']);
  const renew = useAction<Partner>(['offering']);
  const entries = Object.values(partner.enrollments);
  const catalog = useCatalog();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await enroll.run(() =>
      api.POST('/v1/partners/{partnerId}/enrollments', {
        params: { path: { partnerId: partner.partnerId } },
        body: { offering },
      }),
    );
    if (done) {
      setNotice(`Enrolled in ${offering}.`);
      onChange(done);
    }
  }
  async function renewOne(code: string) {
    const done = await renew.run(() =>
      api.POST('/v1/partners/{partnerId}/enrollments/{offering}/renewal', {
        params: { path: { partnerId: partner.partnerId, offering: code as OfferingCode } },
        body: {},
      }),
    );
    if (done) {
      setNotice(`Renewed ${code}.`);
      onChange(done);
    }
  }
  return (
    <>
      <h2>Enrollments</h2>
      {entries.length === 0 ? <p>Not enrolled in any offering.</p> : null}
      {entries.length ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
          <table>
            <thead>
              <tr>
                <th scope="col">Offering</th>
                <th scope="col">Status</th>
                <th scope="col">Valid until</th>
                <th scope="col">Renewals</th>
                {manage ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.offering}>
                  <td>{e.offering}</td>
                  <td>{e.status}</td>
                  <td>
                    <Countdown until={e.validUntil} />
                  </td>
                  <td>{e.renewals.length}</td>
                  {manage ? (
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        disabled={renew.busy}
                        onClick={() => void renewOne(e.offering)}
                      >
                        Renew {e.offering}
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <FormErrors errors={renew.errors} />
      {manage ? (
        <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="enroll-title">
          <h3 id="enroll-title">Enroll in an offering</h3>
          <Field
            label="Offering"
            name="offering"
            value={offering}
            onChange={(v) => setOffering(v as OfferingCode)}
            errors={enroll.errors}
            options={(catalog?.offerings ?? []).map((o) => ({ value: o.code, label: `${o.code}: ${o.name}` }))}
          />
          <FormErrors errors={enroll.errors} />
          <button type="submit" disabled={enroll.busy}>
            Enroll
          </button>
        </form>
      ) : null}
      {notice ? <Notice text={notice} /> : null}
    </>
  );
}
