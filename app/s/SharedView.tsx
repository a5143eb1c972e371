'use client';

import { stillHasSecrets } from '@/lib/share/redact';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { AppHeader } from '@/components/AppHeader';
import { SeverityIcon, severityLabel } from '@/components/SeverityIcon';
import { ApiError, getShareLink } from '@/components/api';
import { putSharedCopy, SHARED_COPY_URL } from '@/components/sharedCopy';
import type { EditorHandle } from '@/components/editor/handle';
import { RULES, ruleDocsPath } from '@/lib/findings/catalogue';
import { compareFindings, type Finding, type Severity } from '@/lib/findings/types';
import { fromFragment, keyFromFragment, open, ShareError, type SharePayload } from '@/lib/share/envelope';
import packageJson from '@/package.json';

// Monaco touches `window` on import: the browser only.
const YamlEditor = dynamic(() => import('@/components/editor/YamlEditor'), {
  ssr: false,
  loading: () => <div className="editor-loading">Loading editor…</div>,
});

type Problem =
  | 'no-key'
  | 'no-data'
  | 'bad-key'
  | 'corrupt'
  | 'unsupported-version'
  | 'too-large'
  | 'expired'
  | 'missing'
  | 'network'
  | 'no-crypto';

type State =
  | { status: 'loading' }
  | { status: 'open'; payload: SharePayload; stored: { createdAt: string; expiresAt: string } | null }
  | { status: 'problem'; problem: Problem; detail?: string };

const PROBLEMS: Record<Problem, { title: string; text: string }> = {
  'no-key': {
    title: 'This link has no key',
    text: 'The key is the part of the link after “#k=”. Without it the shared config cannot be decrypted, and the server never has it. Copy the whole link again: some apps cut links short.',
  },
  'no-data': {
    title: 'This link carries no shared data',
    text: 'A link without the server keeps the encrypted config after “#v1:”. That part is missing here. Copy the whole link again: some apps cut links short.',
  },
  'bad-key': {
    title: 'The key in this link does not open it',
    text: 'The link may have been cut short or changed. Ask for the full link again.',
  },
  corrupt: {
    title: 'The shared data is damaged',
    text: 'It was altered or cut short and cannot be opened. Ask for a new link.',
  },
  'unsupported-version': {
    title: 'This share comes from another version of Rayguard',
    text: 'It was made by a newer or unknown version and cannot be opened here.',
  },
  'too-large': {
    title: 'This share is too large to open',
    text: 'It is larger than Rayguard opens. Ask for a smaller share.',
  },
  expired: {
    title: 'This link has expired',
    text: 'Its time is up and the server no longer keeps its data, so nobody can open it any more. Ask for a new link.',
  },
  missing: {
    title: 'This link was deleted or never existed',
    text: 'The server has no share under this link: its creator may have deleted it, or the link is mistyped. Ask for a new link.',
  },
  network: {
    title: 'The shared data could not be fetched',
    text: 'The Rayguard server did not answer. Check the connection and try again.',
  },
  'no-crypto': {
    title: 'This browser cannot decrypt the link here',
    text: 'Decryption needs WebCrypto, which browsers offer only on secure pages (HTTPS or localhost).',
  },
};

const RULE_NAMES = new Map(RULES.map((r) => [r.id, r.name]));
/** A share can hold thousands of findings: list the first ones (all are marked in the config). */
const MAX_LISTED = 500;
const SEVERITIES: Severity[] = ['error', 'warning', 'info'];
const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** "2 hours ago", "3 days ago"; under a minute, "less than a minute ago". */
function timeAgo(iso: string, now: number): string {
  const s = (now - Date.parse(iso)) / 1000;
  if (!Number.isFinite(s)) return 'at an unknown time';
  if (s < 60) return 'less than a minute ago';
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['minute', 60],
    ['hour', 3600],
    ['day', 86_400],
    ['month', 30 * 86_400],
    ['year', 365 * 86_400],
  ];
  let unit = units[0];
  for (const u of units) if (s >= u[1]) unit = u;
  return relative.format(-Math.floor(s / unit[1]), unit[0]);
}

const noop = () => {};
const noServerFix = async () => null;

/** Reads the fragment, fetches the ciphertext (stored links), decrypts. Never throws. */
async function load(id: string | null, hash: string, signal: AbortSignal): Promise<State> {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  let ciphertext: string;
  let key: string;
  let stored: { createdAt: string; expiresAt: string } | null = null;
  try {
    if (id === null) {
      if (!fragment) return { status: 'problem', problem: 'no-data' };
      ({ ciphertext, key } = fromFragment(fragment));
    } else {
      const k = keyFromFragment(fragment);
      if (!k) return { status: 'problem', problem: 'no-key' };
      key = k;
      // The request carries the id only; the key stays in this page.
      const found = await getShareLink(id, signal);
      if (found.status === 'expired' && found.expiredAt) {
        return { status: 'problem', problem: 'expired', detail: `It expired on ${dateTime.format(new Date(found.expiredAt))}.` };
      }
      if (found.status !== 'found') return { status: 'problem', problem: found.status };
      ciphertext = found.ciphertext;
      stored = { createdAt: found.createdAt, expiresAt: found.expiresAt };
    }
    const payload = await open(ciphertext, key);
    return { status: 'open', payload, stored };
  } catch (e) {
    if (e instanceof ShareError) return { status: 'problem', problem: e.code };
    if (e instanceof ApiError) return { status: 'problem', problem: 'network', detail: e.message };
    if (!globalThis.crypto?.subtle) return { status: 'problem', problem: 'no-crypto' };
    return { status: 'problem', problem: 'corrupt' };
  }
}

/** A shared validation: `/s/<id>#k=<key>` (stored) or `/s#v1:…` (in the link). */
export function SharedView({ id }: { id: string | null }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [hash, setHash] = useState<string | null>(null);

  // The fragment is read in the browser only; a changed fragment is another link.
  useEffect(() => {
    const read = () => setHash(window.location.hash);
    read();
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);

  useEffect(() => {
    if (hash === null) return;
    const ac = new AbortController();
    setState({ status: 'loading' });
    void load(id, hash, ac.signal).then((s) => {
      if (!ac.signal.aborted) setState(s);
    });
    return () => ac.abort();
  }, [id, hash, attempt]);

  return (
    <div className={`app share-page${state.status === 'open' ? ' share-open' : ''}`}>
      {/* Neither entry of the navigation is this page. */}
      <AppHeader current={'shared' as never} />
      {state.status === 'loading' ? (
        <main className="share-message" data-testid="share-loading" aria-busy="true">
          <p className="share-progress">
            <span className="spinner" aria-hidden="true" /> Opening the shared validation…
          </p>
          <noscript>
            <p>The shared config is encrypted: opening it needs JavaScript.</p>
          </noscript>
        </main>
      ) : state.status === 'problem' ? (
        <main className="share-message" data-testid="share-problem" data-problem={state.problem} role="alert">
          <h1>{PROBLEMS[state.problem].title}</h1>
          <p>{PROBLEMS[state.problem].text}</p>
          {state.detail && <p className="muted">{state.detail}</p>}
          <p className="share-message-actions">
            {state.problem === 'network' && (
              <button type="button" className="btn primary" onClick={() => setAttempt((n) => n + 1)} data-testid="share-retry">
                Try again
              </button>
            )}
            <a className="btn" href="/">
              Open the Rayguard dashboard
            </a>
          </p>
        </main>
      ) : (
        <SharedValidation payload={state.payload} stored={state.stored} />
      )}
    </div>
  );
}

function SharedValidation({ payload, stored }: { payload: SharePayload; stored: { createdAt: string; expiresAt: string } | null }) {
  const [handle, setHandle] = useState<EditorHandle | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [copyError, setCopyError] = useState(false);
  const findings = useMemo(() => payload.findings.slice().sort(compareFindings), [payload]);
  const counts = useMemo(() => {
    const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    for (const f of findings) c[f.severity]++;
    return c;
  }, [findings]);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  // The findings as they were, as markers of the read-only editor.
  const onReady = useCallback(
    (h: EditorHandle) => {
      h.showIamFindings(findings);
      setHandle(h);
    },
    [findings],
  );

  const validateAgain = () => {
    if (!putSharedCopy({ text: payload.config, fileName: payload.fileName })) {
      setCopyError(true);
      return;
    }
    window.location.assign(SHARED_COPY_URL);
  };

  const iam = payload.iamSource;
  const when = timeAgo(payload.computedAt, now);
  // What the link says was redacted is checked here again: a link made by another tool (or
  // tampered with by its sender) may carry credentials in clear, and its findings are its claim.
  const leaked = useMemo(() => stillHasSecrets(payload.config) || stillHasSecrets(payload.fileName), [payload]);
  const otherVersion = payload.rulesVersion !== packageJson.version;

  return (
    <>
      <div className="toolbar share-bar" role="toolbar" aria-label="Shared validation">
        <div className="file-chip" data-testid="file-name" title="File name of the shared config">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M3 1.5h6.5L13 5v9.5H3z" fill="none" stroke="currentColor" strokeWidth="1.2" />
            <path d="M9.5 1.5V5H13" fill="none" stroke="currentColor" strokeWidth="1.2" />
          </svg>
          <span>{payload.fileName}</span>
        </div>
        <span className="tag">shared · read-only</span>
        <span className="share-validated" data-testid="share-validated">
          Validated{' '}
          <time dateTime={payload.computedAt} title={dateTime.format(new Date(payload.computedAt))}>
            {when}
          </time>{' '}
          {iam ? (
            <>
              against <strong>{iam.label}</strong>
              {iam.accountId ? <> (account {iam.accountId})</> : null}
            </>
          ) : (
            '(static checks only; IAM was not checked)'
          )}
        </span>
        <span className="share-expiry muted" data-testid="share-expiry-note">
          {stored ? <>Link expires {dateTime.format(new Date(stored.expiresAt))}</> : 'Link without the server: never stored, never expires'}
        </span>
        <button type="button" className="btn primary share-again" onClick={validateAgain} data-testid="validate-again-now" title="Open an editable copy in the dashboard and validate it now">
          Validate again now
        </button>
      </div>
      {leaked && (
        <div className="alert" role="alert" data-testid="share-unredacted">
          This shared config holds a credential in clear: it was not made by Rayguard&apos;s Share, or it was changed. Do not trust the
          findings below, which are the sender&apos;s; use <strong>Validate again now</strong> to check it yourself, and tell the sender to
          rotate that credential.
        </div>
      )}
      {copyError && (
        <div className="alert" role="alert">
          This browser refused to hand the copy to the dashboard (storage is full or disabled). Copy the text from the editor instead.
        </div>
      )}

      <main className="workspace">
        <section className="editor-pane" aria-label="Shared config (read-only)">
          <div className="editor-host" data-testid="editor">
            <YamlEditor
              defaultValue={payload.config}
              readOnly
              onChange={noop}
              onReady={onReady}
              onValidateShortcut={noop}
              onLiveFindings={noop}
              onLiveStatus={noop}
              serverFix={noServerFix}
              onNotice={noop}
            />
          </div>
          <footer className="status-bar">
            <span>YAML</span>
            <span>{payload.fileName}</span>
            <span>Read-only: credentials are replaced by &lt;redacted:…&gt; markers</span>
          </footer>
        </section>

        <section className="panel findings" aria-labelledby="shared-findings-title" data-testid="shared-findings">
          <header className="panel-head">
            <h2 id="shared-findings-title">Findings</h2>
            <span className="live-badge" title="The findings as they were when the link was made; not recomputed">
              as shared
            </span>
            <div className="counts" data-testid="findings-summary">
              {SEVERITIES.map((s) => (
                <span key={s} className={`count-chip sev-${s}`}>
                  <SeverityIcon severity={s} />
                  {severityLabel(s, counts[s])}
                </span>
              ))}
            </div>
          </header>
          <div className="panel-note">
            <span className="muted">
              Computed {dateTime.format(new Date(payload.computedAt))} with Rayguard {payload.rulesVersion}
              {otherVersion ? ` (this server runs ${packageJson.version})` : ''}. <em>Validate again now</em> checks the config as it is today.
            </span>
          </div>
          {findings.length === 0 ? (
            <div className="empty-state ok" data-testid="no-findings">
              <p>No findings in {payload.fileName}.</p>
              <p className="muted">Every check that ran then passed.</p>
            </div>
          ) : (
            <ol className="finding-list" data-testid="findings-list">
              {findings.slice(0, MAX_LISTED).map((f, i) => (
                <SharedFinding key={i} finding={f} onSelect={(x) => handle?.reveal(x.line, x.column)} />
              ))}
              {findings.length > MAX_LISTED && (
                <li className="muted filtered" data-testid="more-findings">
                  … and {findings.length - MAX_LISTED} more (all are marked in the config).
                </li>
              )}
            </ol>
          )}
        </section>
      </main>
    </>
  );
}

function SharedFinding({ finding: f, onSelect }: { finding: Finding; onSelect: (f: Finding) => void }) {
  const name = RULE_NAMES.get(f.ruleId);
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(f);
    }
  };
  return (
    <li
      className={`finding sev-${f.severity}`}
      data-testid="finding"
      data-rule-id={f.ruleId}
      data-line={f.line}
      role="button"
      tabIndex={0}
      title="Show in the config"
      onClick={() => onSelect(f)}
      onKeyDown={onKeyDown}
    >
      <div className="finding-head">
        <SeverityIcon severity={f.severity} />
        <a className="rule-id" href={ruleDocsPath(f.ruleId)} target="_blank" rel="noopener" onClick={(e) => e.stopPropagation()}>
          {f.ruleId}
        </a>
        {name && <span className="rule-name">{name}</span>}
        <span className="loc" data-testid="finding-location">
          {f.line}:{f.column}
        </span>
      </div>
      <p className="finding-message">{f.message}</p>
      {(f.preview || f.kind || f.accountId) && (
        <div className="finding-secret">
          {f.preview && (
            <code className="preview" data-testid="finding-preview">
              {f.preview}
            </code>
          )}
          {f.kind && <span className="tag">{f.kind}</span>}
          {f.accountId && <span className="tag">account {f.accountId}</span>}
        </div>
      )}
      {f.yamlPath && (
        <div className="finding-meta">
          <code className="yaml-path" title={f.yamlPath}>
            {f.yamlPath}
          </code>
        </div>
      )}
    </li>
  );
}
