// Back-office and operators: a partner's profile, enrollments and eligibility; the back-office
// creates or replaces the profile (PUT /v1/partners/{partnerId}).
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, type Partner, type PartnerProfile, type Schemas } from '../api/client';
import { Field, FormErrors, Notice } from '../components/Field';
import { useAction } from '../components/useForm';
import { NO_ERRORS } from '../problems';
import type { Session } from '../session';
import { EligibilityTable } from './Eligibility';
import { PartnerDetails } from './PartnerPage';

const EXAMPLE: PartnerProfile = {
  name: 'Contoso Consulting',
  locations: [{ locationId: 'LOC-US', country: 'US' }],
  competencies: [{ area: 'Windows and Devices', level: 'Gold' }],
  consultants: [
    {
      consultantId: 'C-1',
      name: 'Ada',
      exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2025-01-10' }],
    },
  ],
};

export function Partners({ session }: { session: Session }): ReactNode {
  const { partnerId = '' } = useParams();
  const navigate = useNavigate();
  const [lookup, setLookup] = useState(partnerId);
  const [partner, setPartner] = useState<Partner | undefined>();
  const [matrix, setMatrix] = useState<Schemas['EligibilityMatrix'] | undefined>();
  const [missing, setMissing] = useState('');
  useEffect(() => {
    setPartner(undefined);
    setMatrix(undefined);
    setMissing('');
    if (!partnerId) return;
    const path = { params: { path: { partnerId } } };
    void api.GET('/v1/partners/{partnerId}', path).then(({ data, error }) => {
      if (data) setPartner(data);
      else setMissing(error?.detail ?? error?.title ?? 'not found');
    });
    void api.GET('/v1/partners/{partnerId}/eligibility', path).then(({ data }) => setMatrix(data));
  }, [partnerId]);
  return (
    <section>
      <h1>Partners</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void navigate(`/partners/${encodeURIComponent(lookup.trim())}`);
        }}
      >
        <Field label="Partner ID" name="partnerId" value={lookup} onChange={setLookup} errors={NO_ERRORS} />
        <button type="submit">Open</button>
      </form>
      {partnerId ? (
        <>
          {missing ? (
            <p>
              No profile for {partnerId} yet ({missing}).
            </p>
          ) : null}
          {partner ? (
            <PartnerDetails partner={partner} manage={session.role === 'backoffice'} onChange={setPartner} />
          ) : null}
          {matrix ? (
            <>
              <h2>Eligibility</h2>
              <EligibilityTable matrix={matrix} />
            </>
          ) : null}
          {session.role === 'backoffice' ? (
            <ProfileEditor partnerId={partnerId} current={partner?.profile} onSaved={setPartner} />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function ProfileEditor({
  partnerId,
  current,
  onSaved,
}: {
  partnerId: string;
  current?: PartnerProfile;
  onSaved: (p: Partner) => void;
}): ReactNode {
  const [text, setText] = useState(JSON.stringify(current ?? EXAMPLE, null, 2));
  const [notice, setNotice] = useState('');
  const action = useAction<Partner>([]);
  useEffect(() => {
    if (current) setText(JSON.stringify(current, null, 2));
  }, [current]);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setNotice('');
    let body: PartnerProfile;
    try {
      body = JSON.parse(text) as PartnerProfile;
    } catch (err) {
      setNotice(`Not JSON: ${(err as Error).message}`);
      return;
    }
    const done = await action.run(() => api.PUT('/v1/partners/{partnerId}', { params: { path: { partnerId } }, body }));
    if (done) {
      setNotice('Profile saved.');
      onSaved(done);
    }
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="profile-title">
      <h2 id="profile-title">{current ? 'Replace the profile' : 'Create the profile'}</h2>
      <div className="field">
        <label htmlFor="profile-json">
          Profile (JSON: name, description, website, locations, competencies, consultants)
        </label>
        <textarea
          id="profile-json"
          rows={14}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
        />
      </div>
      <FormErrors
        errors={
          action.errors.form.length || !Object.keys(action.errors.fields).length
            ? action.errors
            : { fields: {}, form: Object.entries(action.errors.fields).flatMap(([f, m]) => m.map((x) => `${f}: ${x}`)) }
        }
      />
      <button type="submit" disabled={action.busy}>
        Save the profile
      </button>
      {notice ? <Notice text={notice} /> : null}
    </form>
  );
}
