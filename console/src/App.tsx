// The console's shell: sign-in, navigation per role, and the pages.
import { useState, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Route, Routes, useNavigate } from 'react-router';
import { loadSession, saveSession, type Session } from './session';
import { SignIn } from './pages/SignIn';
import { EngagementList } from './pages/EngagementList';
import { EngagementPage } from './pages/EngagementPage';
import { Eligibility } from './pages/Eligibility';
import { PartnerPage } from './pages/PartnerPage';
import { StartEngagement } from './pages/StartEngagement';
import { Partners } from './pages/Partners';
import { Reports } from './pages/Reports';
import { Bulk } from './pages/Bulk';

const NAV: Record<Session['role'], { to: string; label: string }[]> = {
  partner: [
    { to: '/engagements', label: 'My engagements' },
    { to: '/eligibility', label: 'Eligibility' },
    { to: '/profile', label: 'Profile and enrollments' },
  ],
  backoffice: [
    { to: '/engagements', label: 'Engagements' },
    { to: '/start', label: 'Start an engagement' },
    { to: '/partners', label: 'Partners' },
    { to: '/reports', label: 'Reports' },
    { to: '/bulk', label: 'Bulk actions' },
  ],
  operator: [
    { to: '/engagements', label: 'Engagements' },
    { to: '/partners', label: 'Partners' },
    { to: '/reports', label: 'Reports' },
    { to: '/bulk', label: 'Bulk actions' },
  ],
};

const ROLE_NAME: Record<Session['role'], string> = {
  partner: 'Partner',
  backoffice: 'Back-office',
  operator: 'Operator',
};

export function App(): ReactNode {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const navigate = useNavigate();
  const signIn = (s: Session) => {
    saveSession(s);
    setSession(s);
    void navigate('/engagements');
  };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
    void navigate('/');
  };
  if (!session) {
    return (
      <>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="top">
          <span className="brand">Planning Services</span>
        </header>
        <main id="main" tabIndex={-1}>
          <SignIn onSignIn={signIn} />
        </main>
      </>
    );
  }
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link className="brand" to="/engagements">
          Planning Services
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV[session.role].map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {ROLE_NAME[session.role]}
            {session.partnerId ? ` ${session.partnerId}` : ''}
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to="/engagements" replace />} />
          <Route path="/engagements" element={<EngagementList session={session} />} />
          <Route path="/engagements/:voucherId" element={<EngagementPage session={session} />} />
          <Route path="/eligibility" element={<Eligibility partnerId={session.partnerId ?? ''} />} />
          <Route path="/profile" element={<PartnerPage session={session} partnerId={session.partnerId ?? ''} />} />
          <Route path="/start" element={<StartEngagement />} />
          <Route path="/partners" element={<Partners session={session} />} />
          <Route path="/partners/:partnerId" element={<Partners session={session} />} />
          <Route path="/reports" element={<Reports />} />
          <Route path="/bulk" element={<Bulk session={session} />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

function NotFound(): ReactNode {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no such page. <Link to="/engagements">Back to the engagements</Link>.
      </p>
    </section>
  );
}
