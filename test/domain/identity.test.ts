// Who an identity provider's token names: exactly one role of the product from the roles claim
// (an array, a space/comma separated string, or a nested claim), and a partner ID for partners.
import { identityFromClaims } from '../../domain/identity';

const names = { roles: 'roles', partner: 'partner_id' };

describe('identityFromClaims', () => {
  it('reads the role from an array or a string, and the partner ID for partners', () => {
    expect(identityFromClaims({ roles: ['operator', 'offline_access'] }, names)).toEqual({
      ok: true,
      role: 'operator',
      actor: 'operator',
    });
    expect(identityFromClaims({ roles: 'openid partner', partner_id: 'contoso' }, names)).toEqual({
      ok: true,
      role: 'partner',
      partnerId: 'contoso',
      actor: 'partner:contoso',
    });
  });

  it('reads nested claims by a dotted name (e.g. Keycloak realm_access.roles)', () => {
    const claims = { realm_access: { roles: ['backoffice'] } };
    expect(identityFromClaims(claims, { ...names, roles: 'realm_access.roles' })).toMatchObject({
      ok: true,
      role: 'backoffice',
    });
  });

  it('refuses no role, two roles, and a partner without a valid partner ID', () => {
    for (const claims of [
      {},
      { roles: ['admin'] },
      { roles: ['operator', 'backoffice'] },
      { roles: ['partner'] },
      { roles: ['partner'], partner_id: '../other' },
      { roles: ['partner'], partner_id: 42 },
      { roles: { partner: true }, partner_id: 'contoso' },
    ])
      expect(identityFromClaims(claims, names).ok).toBe(false);
  });

  it('does not read inherited properties as claims', () => {
    expect(identityFromClaims({}, { roles: 'constructor.name', partner: 'partner_id' }).ok).toBe(false);
  });
});
