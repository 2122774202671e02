// A partner's eligibility matrix: per engagement type eligible or not, with the unmet requirements named.
import { useEffect, useState, type ReactNode } from 'react';
import { api, type Schemas } from '../api/client';

export function Eligibility({ partnerId }: { partnerId: string }): ReactNode {
  const [matrix, setMatrix] = useState<Schemas['EligibilityMatrix'] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void api
      .GET('/v1/partners/{partnerId}/eligibility', { params: { path: { partnerId } } })
      .then(({ data, error: p }) => {
        if (data) setMatrix(data);
        else setError(p?.detail ?? p?.title ?? 'The eligibility could not be read');
      });
  }, [partnerId]);
  return (
    <section>
      <h1>Eligibility of {partnerId}</h1>
      {error ? <p role="alert">{error}</p> : null}
      {matrix ? <EligibilityTable matrix={matrix} /> : error ? null : <p>Loading…</p>}
    </section>
  );
}

export function EligibilityTable({ matrix }: { matrix: Schemas['EligibilityMatrix'] }): ReactNode {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
      <table>
        <caption className="visually-hidden">Eligibility per engagement type</caption>
        <thead>
          <tr>
            <th scope="col">Offering</th>
            <th scope="col">Engagement type</th>
            <th scope="col">Eligible</th>
            <th scope="col">Unmet requirements</th>
          </tr>
        </thead>
        <tbody>
          {matrix.rows.map((row) => (
            <tr key={row.engagementType}>
              <td>{row.offering}</td>
              <td>{row.name}</td>
              <td className={row.eligible ? 'yes' : 'no'}>{row.eligible ? 'Yes' : 'No'}</td>
              <td>
                {row.unmet.length ? (
                  <ul>
                    {row.unmet.map((u) => (
                      <li key={u.code + u.message}>{u.message}</li>
                    ))}
                  </ul>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
