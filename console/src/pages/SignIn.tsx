// Sign-in with a bearer token: a development API token (API_TOKENS) or an access token (JWT) from
// the identity provider. The token is checked against the API before the console opens.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Field, FormErrors } from '../components/Field';
import { NO_ERRORS, type FieldErrors } from '../problems';
import type { Role, Session } from '../session';

const ROLES = [
  { value: 'partner', label: 'Partner' },
  { value: 'backoffice', label: 'Back-office' },
  { value: 'operator', label: 'Operator' },
] as const;

export function SignIn({ onSignIn }: { onSignIn: (session: Session) => void }): ReactNode {
  const [token, setToken] = useState('');
  const [role, setRole] = useState<Role>('partner');
  const [partnerId, setPartnerId] = useState('');
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      // A read every role may make: 401 means the token is unknown.
      const probe = role === 'partner' ? `/v1/partners/${encodeURIComponent(partnerId)}` : '/v1/engagements?pageSize=1';
      const res = await fetch(probe, { headers: { authorization: `Bearer ${token.trim()}` } });
      if (res.status === 401) setErrors({ fields: { token: ['The API does not know this token.'] }, form: [] });
      else if (res.status === 403)
        setErrors({ fields: { partnerId: ['This token does not belong to that partner.'] }, form: [] });
      else if (res.status === 400) setErrors({ fields: { partnerId: ['Not a partner ID.'] }, form: [] });
      else if (res.status >= 500) setErrors({ fields: {}, form: [`The API answered ${res.status}; try again.`] });
      else onSignIn({ role, token: token.trim(), ...(role === 'partner' ? { partnerId: partnerId.trim() } : {}) });
    } catch (err) {
      setErrors({ fields: {}, form: [`The API did not answer: ${(err as Error).message}`] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <p>
        Use the API token you were given (in development, <code>npm start</code> prints them), or an access token from
        your identity provider.
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="I am"
          name="role"
          value={role}
          onChange={(v) => setRole(v as Role)}
          errors={errors}
          options={ROLES}
        />
        {role === 'partner' ? (
          <Field
            label="Partner ID"
            name="partnerId"
            value={partnerId}
            onChange={setPartnerId}
            errors={errors}
            required
          />
        ) : null}
        <Field
          label="Token"
          name="token"
          type="password"
          value={token}
          onChange={setToken}
          errors={errors}
          required
          autoComplete="current-password"
        />
        <FormErrors errors={errors} />
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
