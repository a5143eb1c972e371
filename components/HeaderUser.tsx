'use client';

import { useEffect, useState, type CSSProperties } from 'react';

/**
 * The signed-in user and "Sign out", at the right end of the header; nothing when sign-in is off.
 * Styles are set from script (React applies them through the CSSOM), so a strict CSP is no obstacle.
 */
type Me = { user: string | null; mode: 'off' | 'oidc' | 'proxy' };

const wrap: CSSProperties = { display: 'flex', alignItems: 'center', gap: 8, marginLeft: 12, fontSize: 12, color: 'var(--header-muted)', whiteSpace: 'nowrap' };
const name: CSSProperties = { maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis', color: 'var(--header-fg)' };
const button: CSSProperties = { font: 'inherit', color: 'var(--header-muted)', background: 'transparent', border: '1px solid #2c3545', borderRadius: 'var(--radius)', padding: '2px 8px', cursor: 'pointer' };

export function HeaderUser() {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    let live = true;
    fetch('/api/auth/me', { cache: 'no-store' })
      .then((r) => (r.ok ? (r.json() as Promise<Me>) : null))
      .then((m) => live && setMe(m))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  if (!me || me.mode === 'off' || !me.user) return null;
  return (
    <div style={wrap} data-testid="header-user">
      <span style={name} title={`Signed in as ${me.user}`}>
        {me.user}
      </span>
      {/* Proxy mode: signing out is the proxy's business (for oauth2-proxy, /oauth2/sign_out). */}
      {me.mode === 'oidc' && (
        <form method="post" action="/api/auth/logout">
          <button type="submit" style={button}>
            Sign out
          </button>
        </form>
      )}
    </div>
  );
}
