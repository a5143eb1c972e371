import type { ReactNode } from 'react';
import Link from 'next/link';
import { HeaderUser } from './HeaderUser';

/** The dark bar at the top of every page. `children` sit on the right (e.g. the IAM banner). */
export function AppHeader({ children, current, newTabLinks = false }: { children?: ReactNode; current: 'dashboard' | 'rules'; newTabLinks?: boolean }) {
  // On the dashboard, links open in a new tab so nothing typed in the editor is lost.
  const tab = newTabLinks ? { target: '_blank', rel: 'noopener' } : {};
  return (
    <header className="app-header">
      <Link href="/" className="brand" aria-label="Rayguard dashboard">
        <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
          <path d="M16 2l11 4v9c0 7.2-4.7 12.4-11 15-6.3-2.6-11-7.8-11-15V6z" fill="#3b82f6" />
          <path d="M16 8v16M10 13l6 3 6-3" stroke="#fff" strokeWidth="2.2" fill="none" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span className="brand-name">Rayguard</span>
        <span className="brand-tag">Ray cluster configs × AWS IAM</span>
      </Link>
      <nav className="app-nav" aria-label="Main">
        <Link href="/" aria-current={current === 'dashboard' ? 'page' : undefined}>
          Dashboard
        </Link>
        <Link href="/rules" aria-current={current === 'rules' ? 'page' : undefined} {...tab}>
          Rules
        </Link>
      </nav>
      <div className="app-header-right">{children}</div>
      <HeaderUser />
    </header>
  );
}
