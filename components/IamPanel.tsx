'use client';

import { memo, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { cardHeadline, isPendingCard, sourceLabel } from '@/lib/iam/card-headline';
import type { ActionVerdict, ProfileCard } from '@/lib/iam/report';
import type { IamSourceInfo, PolicyDocument } from '@/lib/iam/types';

/** The IAM part of the last validation, as it streams in (server) or as the worker reports it (browser snapshot). */
export interface IamView {
  /** Who ran the IAM checks: the server (its source) or this browser (an uploaded snapshot). */
  origin: 'server' | 'browser';
  /** The source the cards were checked against (null until the server says). */
  source: IamSourceInfo | null;
  cards: ProfileCard[];
  /** The final answer is in: cards, policy and gaps are complete. */
  done: boolean;
  policy: PolicyDocument | null;
  policyGaps: string[];
  /** Why the check failed, if it did. */
  error: string | null;
  /** The config file name that was checked. */
  fileName: string;
}

/** The IAM source the next validation uses. */
export interface IamSourceView {
  status: 'loading' | 'ready' | 'error';
  info: IamSourceInfo | null;
  /** Why the server's source is not known (status error). */
  message?: string;
}

/** An uploaded snapshot (browser only). */
export interface BrowserSnapshotView {
  source: IamSourceInfo;
  /** Files it was read from. */
  files: string[];
  profileCount: number;
  usableCount: number;
  /** Kept in sessionStorage (false: in this page's memory only, too large for the storage). */
  persisted: boolean;
}

export interface IamPanelProps {
  /** The source the next validation uses: the server's, or the browser's snapshot. */
  current: IamSourceView;
  snapshot: BrowserSnapshotView | null;
  view: IamView | null;
  /** The text changed since `view` was computed. */
  stale: boolean;
  snapshotBusy: boolean;
  snapshotError: string | null;
  onUpload: (files: File[]) => void;
  onUseServer: () => void;
  onDismissSnapshotError: () => void;
  onValidate: () => void;
}

/** A card still waiting for its lookup (as first announced). */
const isPending = isPendingCard;

const KIND_LABEL: Record<IamSourceInfo['kind'], string> = { demo: 'demo', snapshot: 'snapshot', live: 'live' };

function formatDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

function IamPanelImpl({ current, snapshot, view, stale, snapshotBusy, snapshotError, onUpload, onUseServer, onDismissSnapshotError, onValidate }: IamPanelProps) {
  const fileInput = useRef<HTMLInputElement>(null);
  const onFiles = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = ''; // the same files can be chosen again
    if (files.length) onUpload(files);
  };
  // The source shown: the one the cards were checked against, else the one the next validation uses.
  const shownSource = view?.source && (view.origin === 'browser') === !!snapshot ? view.source : current.info;
  const head = view?.cards.find((c) => c.isHead) ?? null;
  const others = view?.cards.filter((c) => c !== head) ?? [];

  return (
    <section className="panel iam-panel" id="iam-panel" aria-labelledby="iam-title" aria-busy={!!view && !view.done && !view.error} data-testid="iam-panel">
      <header className="panel-head">
        <h2 id="iam-title">IAM</h2>
        <SourceLine source={shownSource} current={current} snapshot={snapshot} />
        <div className="panel-actions">
          <button
            type="button"
            className="btn"
            onClick={() => fileInput.current?.click()}
            disabled={snapshotBusy}
            data-testid="snapshot-upload"
            title="Check against your own account offline: the JSON of `aws iam get-account-authorization-details` (and optionally `aws iam list-instance-profiles`). It stays in this browser."
          >
            {snapshotBusy ? <span className="spinner" aria-hidden="true" /> : (
              <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                <path d="M8 11V3M4.5 6.2L8 2.7l3.5 3.5M2.5 13.5h11" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
              </svg>
            )}
            {snapshot ? 'Replace snapshot…' : 'Upload IAM snapshot…'}
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            multiple
            className="visually-hidden"
            tabIndex={-1}
            onChange={onFiles}
            data-testid="snapshot-input"
            aria-label="IAM snapshot files"
          />
          {snapshot && (
            <button type="button" className="btn" onClick={onUseServer} data-testid="use-server-source" title="Forget the uploaded snapshot and check against the server's IAM source">
              Use server source
            </button>
          )}
        </div>
      </header>

      {snapshotError && (
        <div className="iam-alert" role="alert" data-testid="snapshot-error">
          <span>
            <strong>Snapshot not loaded.</strong> {snapshotError}
          </span>
          <button type="button" className="alert-close" aria-label="Dismiss" onClick={onDismissSnapshotError}>
            ×
          </button>
        </div>
      )}

      <SourceNote source={shownSource} current={current} snapshot={snapshot} />

      <Progress view={view} stale={stale} onValidate={onValidate} />

      {view && (view.cards.length > 0 || view.policy) && (
        <div className="iam-body">
          <div className="iam-cards" data-testid="iam-cards">
            {head && <Card card={head} done={view.done} />}
            {others.length > 0 && (
              <div className="iam-card-grid">
                {others.map((c) => (
                  <Card key={c.id} card={c} done={view.done} />
                ))}
              </div>
            )}
          </div>
          <PolicyBox policy={view.policy} gaps={view.policyGaps} done={view.done} />
        </div>
      )}
    </section>
  );
}

function SourceLine({ source, current, snapshot }: { source: IamSourceInfo | null; current: IamSourceView; snapshot: BrowserSnapshotView | null }) {
  if (!source) {
    return (
      <span className="iam-source muted" data-testid="iam-source" data-kind="">
        {current.status === 'error' ? `source unavailable (${current.message ?? 'unknown'})` : 'source…'}
      </span>
    );
  }
  const captured = formatDate(source.capturedAt);
  return (
    <span className={`iam-source kind-${source.kind}`} data-testid="iam-source" data-kind={source.kind} data-origin={snapshot ? 'browser' : 'server'}>
      <span className="iam-kind">{KIND_LABEL[source.kind]}</span>
      <strong className="iam-source-label" title={source.label}>
        {sourceLabel(source)}
      </strong>
      {snapshot && <span className="tag">in this browser</span>}
      <span className="iam-source-meta">
        {source.accountId ? (
          <>
            account <span className="mono" data-testid="iam-account">{source.accountId}</span>
          </>
        ) : (
          'account unknown'
        )}
        {' · '}partition <span className="mono">{source.partition ?? 'unknown'}</span>
        {captured && <> · captured {captured}</>}
      </span>
    </span>
  );
}

function SourceNote({ source, current, snapshot }: { source: IamSourceInfo | null; current: IamSourceView; snapshot: BrowserSnapshotView | null }) {
  if (snapshot) {
    return (
      <div className="panel-note iam-note-line" data-testid="iam-source-note">
        <span className="muted">
          Uploaded {snapshot.files.join(' + ')}: {snapshot.profileCount} instance {snapshot.profileCount === 1 ? 'profile' : 'profiles'} ({snapshot.usableCount} usable
          by a head). IAM checks run in this browser; the snapshot is never sent to the server
          {snapshot.persisted ? ' (kept for this tab until you close it).' : '. It is too large for the browser\'s session storage: reloading the page drops it.'}
        </span>
      </div>
    );
  }
  if (source?.note) {
    return (
      <div className="panel-note stale iam-note-line" data-testid="iam-source-note">
        <span>
          <strong>{source.kind === 'demo' ? 'Why the demo account:' : 'Note:'}</strong> {source.note.charAt(0).toUpperCase() + source.note.slice(1)}
          {/[.!?]$/.test(source.note) ? '' : '.'}
        </span>
      </div>
    );
  }
  if (current.status === 'error') {
    return (
      <div className="panel-note failed iam-note-line" data-testid="iam-source-note">
        <span>The server&apos;s IAM source is unavailable: {current.message}. Upload a snapshot to check offline.</span>
      </div>
    );
  }
  return null;
}

function Progress({ view, stale, onValidate }: { view: IamView | null; stale: boolean; onValidate: () => void }) {
  let text: string;
  let state: string;
  if (!view) {
    state = 'unchecked';
    text = 'Not checked yet: Validate (Ctrl+Enter) checks the config\u2019s instance profiles, roles and the head\u2019s permissions.';
  } else if (view.error) {
    state = 'failed';
    text = `IAM check failed: ${view.error}`;
  } else if (!view.done) {
    state = 'checking';
    const m = view.cards.length;
    const n = view.cards.filter((c) => !isPending(c)).length;
    text = m === 0 ? `Checking IAM for ${view.fileName}…` : `Checking IAM… ${n} of ${m} ${m === 1 ? 'profile' : 'profiles'} checked`;
  } else {
    state = stale ? 'stale' : 'done';
    const m = view.cards.length;
    const where = view.origin === 'browser' ? 'in this browser' : 'by the server';
    text =
      m === 0
        ? `No instance profiles to check in ${view.fileName} (checked ${where}).`
        : `${m} ${m === 1 ? 'profile' : 'profiles'} checked ${where}${stale ? '; the text changed since' : ''}.`;
  }
  return (
    <div className={`panel-note iam-progress ${state}`} data-testid="iam-progress" data-state={state}>
      {state === 'checking' && <span className="spinner" aria-hidden="true" />}
      <span role="status" aria-live="polite" aria-atomic="true" className={state === 'unchecked' ? 'muted' : undefined}>
        {text}
      </span>
      {state === 'stale' && (
        <button type="button" className="link-btn" onClick={onValidate}>
          Validate again
        </button>
      )}
    </div>
  );
}

const Card = memo(function Card({ card, done }: { card: ProfileCard; done: boolean }) {
  const pending = isPending(card) && !done;
  const status = pending ? 'checking' : card.status;
  const headline = cardHeadline(card, done);
  const titleId = `iam-card-${card.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <article
      className={`iam-card status-${status}${card.isHead ? ' head' : ''}`}
      aria-labelledby={titleId}
      data-testid="iam-card"
      data-status={status}
      data-head={card.isHead ? 'true' : 'false'}
      data-profile={card.ref}
    >
      <header className="iam-card-head">
        <span className={`iam-status status-${headline.tone}`} data-testid="iam-card-status" data-permissions={headline.permissions ?? undefined}>
          {pending ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{headline.icon}</span>}
          {headline.label}
        </span>
        {!pending && headline.permissions === 'missing' && (
          <span className="tag verdict-denied" data-testid="iam-card-denied" title="The head role may not make some of the calls Ray's autoscaler makes (see below)">
            missing permissions
          </span>
        )}
        {!pending && headline.permissions === 'uncertain' && (
          <span className="tag not-checked" data-testid="iam-card-uncertain" title="Whether the head role may make some of the calls Ray's autoscaler makes cannot be decided here (see below)">
            permissions uncertain
          </span>
        )}
        {!pending && headline.permissions === 'unverified' && (
          <span className="tag not-checked" data-testid="iam-card-unverified" title={card.unverifiedReason ?? 'The role\'s policies could not be checked'}>
            {card.isHead ? 'permissions not verified' : 'policies not verified'}
          </span>
        )}
        <h3 id={titleId} title={card.ref}>
          {card.profile?.name ?? card.ref.split('/').pop()}
        </h3>
        {card.isHead && <span className="tag head-tag">head</span>}
        {card.defaulted && (
          <span className="tag" title="The head names no instance profile: Ray uses this one">
            Ray&apos;s default
          </span>
        )}
      </header>
      {!pending && card.summary && <p className="iam-summary">{card.summary}</p>}
      <dl className="iam-facts">
        <dt>Profile</dt>
        <dd className="mono break" data-testid="iam-profile-arn">
          {card.profile?.arn ?? card.ref}
        </dd>
        <dt>Used by</dt>
        <dd>{card.nodeTypes.length ? card.nodeTypes.map((n) => <code key={n} className="node-type">{n}</code>) : <span className="muted">—</span>}</dd>
        {card.role && (
          <>
            <dt>Role</dt>
            <dd>
              <strong>{card.role.name}</strong>
              <div className="mono break muted" data-testid="iam-role-arn">
                {card.role.arn}
              </div>
            </dd>
            <dt>Trust</dt>
            <dd data-testid="iam-trust" data-trusted={card.role.trustsEc2 ? 'true' : 'false'}>
              {card.role.trustsEc2 ? (
                <span className="v-allowed">✔ EC2 may assume it{card.role.conditionalTrust ? ' (under a condition)' : ''}</span>
              ) : (
                <span className="v-denied">✖ does not trust ec2.amazonaws.com</span>
              )}
            </dd>
          </>
        )}
        {card.policies && (
          <>
            <dt>Policies</dt>
            <dd>
              {card.policies.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ul className="iam-policies">
                  {card.policies.map((p) => (
                    <li key={`${p.kind}:${p.arn ?? p.name}`} title={p.arn ?? `inline policy ${p.name}`}>
                      <span className="tag">{p.kind}</span> {p.name}
                      {p.readable === false && (
                        <span className="tag not-checked" title="Its document is not in the IAM source: verdicts that depend on it are “maybe”">
                          document unknown
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </>
        )}
        {card.permissionsBoundary && (
          <>
            <dt>Boundary</dt>
            <dd className="mono break">{card.permissionsBoundary}</dd>
          </>
        )}
      </dl>
      {card.broadAccess && card.broadAccess.length > 0 && (
        <p className="iam-warn" data-testid="iam-broad-access">
          <strong>Broad access:</strong> {card.broadAccess.join(', ')}.{' '}
          {card.isHead ? 'The head needs only what the least-privilege policy grants.' : 'Grant workers only what the workload uses.'}
        </p>
      )}
      {card.unverifiedReason && (
        <p className="iam-warn" data-testid="iam-unverified">
          <strong>Not verified:</strong> {card.unverifiedReason}.
        </p>
      )}
      {card.isHead && card.verdicts && card.verdicts.length > 0 && <Verdicts verdicts={card.verdicts} roleName={card.role?.name ?? null} />}
      {card.isHead && !card.verdicts && !done && card.status === 'ok' && !card.unverifiedReason && (
        <p className="muted iam-pending-verdicts">
          <span className="spinner" aria-hidden="true" /> Asking what the head role may do…
        </p>
      )}
    </article>
  );
});

const EVALUATOR_LABEL = { iam: 'IAM simulator', local: 'local evaluator' } as const;

function verdictText(v: ActionVerdict): { symbol: string; label: string; cls: string } {
  switch (v.decision) {
    case 'allowed':
      return { symbol: '✔', label: 'allowed', cls: 'v-allowed' };
    case 'explicit-deny':
      return { symbol: '✖', label: 'explicitly denied', cls: 'v-denied' };
    case 'implicit-deny':
      return { symbol: '✖', label: 'denied', cls: 'v-denied' };
    default:
      return { symbol: '?', label: 'maybe', cls: 'v-maybe' };
  }
}

function Verdicts({ verdicts, roleName }: { verdicts: ActionVerdict[]; roleName: string | null }) {
  const evaluators = [...new Set(verdicts.map((v) => EVALUATOR_LABEL[v.evaluator] ?? v.evaluator))];
  const allowed = verdicts.filter((v) => v.decision === 'allowed').length;
  return (
    <div className="iam-verdicts">
      <table data-testid="iam-verdicts">
        <caption>
          What {roleName ? <code>{roleName}</code> : 'the head role'} may do: {allowed} of {verdicts.length} calls allowed
          <span className="muted"> · answered by the {evaluators.join(' and ')}</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">For</th>
            <th scope="col">Verdict</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {verdicts.map((v, i) => {
            const t = verdictText(v);
            return (
              <tr
                key={`${v.action}:${v.resource}:${i}`}
                data-testid="iam-verdict"
                data-action={v.action}
                data-resource={v.resource}
                data-decision={v.decision}
                data-evaluator={v.evaluator}
              >
                <th scope="row">
                  <code>{v.action}</code>
                  <div className="mono muted break verdict-resource" title={v.resource}>
                    {v.resource}
                  </div>
                </th>
                <td>{v.purpose}</td>
                <td className={`verdict ${t.cls}`} data-testid="iam-verdict-decision">
                  <span aria-hidden="true">{t.symbol}</span> {t.label}
                </td>
                <td className="why">
                  {v.decision === 'allowed' ? (
                    <span className="muted">{v.reasons.join('; ')}</span>
                  ) : v.reasons.length ? (
                    v.reasons.join('; ')
                  ) : v.decision === 'explicit-deny' ? (
                    'an explicit Deny applies'
                  ) : (
                    'no statement allows it'
                  )}
                  {evaluators.length > 1 && <span className="muted"> ({EVALUATOR_LABEL[v.evaluator]})</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

type CopyState = 'idle' | 'copied' | 'selected';

function PolicyBox({ policy, gaps, done }: { policy: PolicyDocument | null; gaps: string[]; done: boolean }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');
  const json = policy ? JSON.stringify(policy, null, 2) : '';
  useEffect(() => setCopy('idle'), [json]);

  const selectPolicy = () => {
    const el = pre.current;
    const sel = window.getSelection();
    if (!el || !sel) return;
    const range = document.createRange();
    range.selectNodeContents(el);
    sel.removeAllRanges();
    sel.addRange(range);
    el.focus();
  };

  const onCopy = async () => {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(json);
      setCopy('copied');
    } catch {
      // No clipboard access (permission, insecure context): select the text for Ctrl+C.
      selectPolicy();
      setCopy('selected');
    }
  };

  return (
    <aside className="iam-policy" aria-labelledby="iam-policy-title" data-testid="iam-policy">
      <div className="iam-policy-head">
        <h3 id="iam-policy-title">Least-privilege head policy</h3>
        <button type="button" className="btn" onClick={() => void onCopy()} disabled={!policy} data-testid="copy-policy">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <rect x="5.5" y="5.5" width="8" height="8.5" rx="1.2" fill="none" stroke="currentColor" strokeWidth="1.3" />
            <path d="M3.5 10.5h-.3A1.2 1.2 0 0 1 2 9.3V3.2A1.2 1.2 0 0 1 3.2 2h5.6A1.2 1.2 0 0 1 10 3.2v.3" fill="none" stroke="currentColor" strokeWidth="1.3" />
          </svg>
          {copy === 'copied' ? 'Copied' : 'Copy policy'}
        </button>
      </div>
      <p className="muted iam-policy-lede">
        What the head role needs for this config: the autoscaler&apos;s EC2 calls, and iam:PassRole on exactly the worker roles.
      </p>
      <span className="visually-hidden" role="status" aria-live="polite">
        {copy === 'copied' ? 'Policy copied to the clipboard.' : copy === 'selected' ? 'The clipboard is not available: the policy is selected, press Ctrl+C to copy it.' : ''}
      </span>
      {copy === 'selected' && <p className="iam-copy-hint">The clipboard is not available here: the policy is selected, press Ctrl+C.</p>}
      {policy ? (
        <pre ref={pre} className="iam-policy-json" tabIndex={0} data-testid="policy-json" aria-label="Least-privilege head-role policy (JSON)">
          {json}
        </pre>
      ) : (
        <p className="muted iam-policy-empty">
          {done ? 'No policy: the config has no head node type, or its account is not known.' : 'Computed once the profiles are checked…'}
        </p>
      )}
      {gaps.length > 0 && (
        <div className="iam-warn" data-testid="policy-gaps">
          <strong>The policy may lack iam:PassRole for:</strong>
          <ul>
            {gaps.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}

export const IamPanel = memo(IamPanelImpl);
