'use client';

import { memo, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { Finding, Severity } from '@/lib/findings/types';
import { RULES, ruleDocsPath } from '@/lib/findings/catalogue';
import { SeverityIcon, severityLabel } from './SeverityIcon';

/** IAM findings (RG3xx) need the server's IAM source; everything else is computed live. */
export const isIamFinding = (f: Finding) => f.ruleId.startsWith('RG3');

/** The last server validation's IAM check. */
export interface IamCheck {
  /** Date.now() when it answered. */
  at: number;
  /** The text changed since. */
  stale: boolean;
  /** IAM findings it reported. */
  count: number;
}

/**
 * Whether `findings` belong to the text in the editor:
 * - `current`: they do;
 * - `checking`: the text was edited since; the list is the previous text's, shown dimmed until the
 *   live analysis of the new text arrives;
 * - `loading`: another text was loaded (file, sample, ...) and not analysed yet; the previous
 *   text's findings are not shown at all.
 */
export type FindingsState = 'current' | 'checking' | 'loading';

export interface FindingsPanelProps {
  /** Live static findings plus the last validation's IAM findings; null before the first analysis. */
  findings: readonly Finding[] | null;
  state: FindingsState;
  validating: boolean;
  /** Why the last server validation failed (IAM not checked), if it did. */
  serverError: string | null;
  /** null: IAM not checked yet (no server validation of this text). */
  iam: IamCheck | null;
  /** Why the live analysis stopped, if it did. */
  liveError: string | null;
  fileName: string | null;
  onSelect: (finding: Finding) => void;
  onValidate: () => void;
}

const RULE_NAMES = new Map(RULES.map((r) => [r.id, r.name]));
const SEVERITIES: Severity[] = ['error', 'warning', 'info'];
/** A pasted file can have thousands of findings: list the first ones, count the rest. */
const MAX_LISTED = 500;

function FindingsPanelImpl({ findings: given, state, validating, serverError, iam, liveError, fileName, onSelect, onValidate }: FindingsPanelProps) {
  // Another text's findings are never shown as this one's.
  const findings = state === 'loading' ? null : given;
  const checking = state !== 'current' || findings === null;
  const [hidden, setHidden] = useState<ReadonlySet<Severity>>(new Set());

  const counts = useMemo(() => {
    const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    for (const f of findings ?? []) c[f.severity]++;
    return c;
  }, [findings]);

  const shown = useMemo(() => (findings ?? []).filter((f) => !hidden.has(f.severity)), [findings, hidden]);

  const toggle = (s: Severity) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(s)) next.delete(s);
      else next.add(s);
      return next;
    });

  const keys = new Map<string, number>();
  const keyOf = (f: Finding) => {
    const k = `${f.ruleId}:${f.line}:${f.column}:${f.endLine}:${f.endColumn}`;
    const n = keys.get(k) ?? 0;
    keys.set(k, n + 1);
    return n ? `${k}#${n}` : k;
  };

  return (
    <section
      className="panel findings"
      aria-labelledby="findings-title"
      aria-busy={checking}
      data-testid="findings-panel"
      data-state={findings === null ? 'loading' : state}
    >
      <header className="panel-head">
        <h2 id="findings-title">Findings</h2>
        {checking ? (
          <span className="live-badge checking" title="The text changed: the findings are being recomputed" data-testid="live-badge" role="status">
            checking…
          </span>
        ) : (
          <span className="live-badge" title="Static checks and credential detection run as you type" data-testid="live-badge">
            live
          </span>
        )}
        {findings && (
          <div className={`counts${checking ? ' stale' : ''}`} data-testid="findings-summary" aria-label="Filter by severity">
            {SEVERITIES.map((s) => (
              <button
                key={s}
                type="button"
                className={`count-chip sev-${s}${hidden.has(s) ? ' off' : ''}`}
                aria-pressed={!hidden.has(s)}
                title={hidden.has(s) ? `Show ${s} findings` : `Hide ${s} findings`}
                onClick={() => toggle(s)}
                data-testid={`count-${s}`}
              >
                <SeverityIcon severity={s} />
                {severityLabel(s, counts[s])}
              </button>
            ))}
          </div>
        )}
      </header>

      {liveError && (
        <div className="panel-note stale" role="status" data-testid="live-error">
          Live checks stopped: {liveError}. Validate still checks everything.
        </div>
      )}
      {validating ? (
        <div className="panel-note busy" role="status" data-testid="validating">
          <span className="spinner" aria-hidden="true" /> Validating with IAM…
        </div>
      ) : serverError ? (
        <div className="panel-note failed" role="status" data-testid="iam-note" data-iam="failed" title={serverError}>
          <span>
            <strong>Validation failed</strong> (see the error above): IAM was not checked
            {findings?.length === 0 ? ', so this config is not known to be clean' : ''}.
          </span>
          <button type="button" className="link-btn" onClick={onValidate} data-testid="validate-again">
            Validate again
          </button>
        </div>
      ) : (
        <IamNote iam={iam} onValidate={onValidate} />
      )}

      {findings === null ? (
        <div className="empty-state checking" data-testid="checking">
          <p className="muted">
            <span className="spinner" aria-hidden="true" /> Checking {fileName ?? 'the config'}…
          </p>
        </div>
      ) : findings.length === 0 && checking ? (
        <div className="empty-state checking" data-testid="checking">
          <p className="muted">
            <span className="spinner" aria-hidden="true" /> Checking the edited text…
          </p>
        </div>
      ) : findings.length === 0 && serverError ? (
        <div className="empty-state incomplete" data-testid="not-fully-checked">
          <p>No static findings in {fileName ?? 'this config'}, but the check is incomplete.</p>
          <p className="muted">The server could not validate it, so IAM was not checked. Fix the problem above and validate again.</p>
        </div>
      ) : findings.length === 0 ? (
        <div className="empty-state ok" data-testid="no-findings">
          <svg viewBox="0 0 16 16" width="28" height="28" aria-hidden="true">
            <circle cx="8" cy="8" r="7" fill="currentColor" />
            <path d="M4.8 8.3l2.1 2.1 4.3-4.6" stroke="#fff" strokeWidth="1.7" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <p>No findings in {fileName ?? 'this config'}.</p>
          <p className="muted">{iam ? 'Every check that ran passed.' : 'Every static check passed; IAM is checked on Validate.'}</p>
        </div>
      ) : (
        <ol
          className={`finding-list${checking ? ' stale' : ''}`}
          data-testid="findings-list"
          title={checking ? 'Findings of the text before the last edit; being recomputed' : undefined}
        >
          {shown.slice(0, MAX_LISTED).map((f) => (
            <FindingItem key={keyOf(f)} finding={f} iamStale={!!iam?.stale && isIamFinding(f)} onSelect={onSelect} />
          ))}
          {shown.length > MAX_LISTED && (
            <li className="muted filtered" data-testid="more-findings">
              … and {shown.length - MAX_LISTED} more (all are marked in the editor).
            </li>
          )}
          {shown.length === 0 && <li className="muted filtered">All findings are filtered out.</li>}
        </ol>
      )}
    </section>
  );
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

/** When IAM was last checked; its own component so that the clock does not re-render the list. */
function IamNote({ iam, onValidate }: { iam: IamCheck | null; onValidate: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!iam) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [iam]);

  if (!iam) {
    return (
      <div className="panel-note" data-testid="iam-note" data-iam="unchecked">
        <span className="muted">
          Checked as you type. IAM (RG3xx) is checked when you press <kbd>Validate</kbd> (<kbd>Ctrl</kbd>+<kbd>Enter</kbd>).
        </span>
      </div>
    );
  }
  const when = ago(now - iam.at);
  const what = iam.count === 0 ? 'no IAM findings' : `${iam.count} IAM ${iam.count === 1 ? 'finding' : 'findings'}`;
  return iam.stale ? (
    <div className="panel-note stale" data-testid="iam-note" data-iam="stale">
      <span>
        IAM checked {when} — the text changed since; {what} shown as of then.
      </span>
      <button type="button" className="link-btn" onClick={onValidate} data-testid="validate-again">
        Validate again
      </button>
    </div>
  ) : (
    <div className="panel-note" data-testid="iam-note" data-iam="current">
      <span className="muted">
        IAM checked {when}: {what}.
      </span>
    </div>
  );
}

interface FindingItemProps {
  finding: Finding;
  /** An IAM finding of a text that changed since. */
  iamStale: boolean;
  onSelect: (f: Finding) => void;
}

function FindingItemImpl({ finding: f, iamStale, onSelect }: FindingItemProps) {
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(f);
    }
  };
  const name = RULE_NAMES.get(f.ruleId);
  const iam = isIamFinding(f);
  return (
    <li
      className={`finding sev-${f.severity}${iamStale ? ' iam-stale' : ''}`}
      data-testid="finding"
      data-rule-id={f.ruleId}
      data-severity={f.severity}
      data-line={f.line}
      data-source={iam ? 'iam' : 'live'}
      role="button"
      tabIndex={0}
      title={iamStale ? 'From the last validation; the text changed since. Show in editor' : 'Show in editor'}
      onClick={() => onSelect(f)}
      onKeyDown={onKeyDown}
    >
      <div className="finding-head">
        <SeverityIcon severity={f.severity} />
        <a
          className="rule-id"
          href={ruleDocsPath(f.ruleId)}
          target="_blank"
          rel="noopener"
          title={name ? `${f.ruleId} ${name}: open the rule's documentation` : 'Open the rule documentation'}
          onClick={(e) => e.stopPropagation()}
        >
          {f.ruleId}
        </a>
        {name && <span className="rule-name">{name}</span>}
        {iam && <span className="tag iam">{iamStale ? 'IAM, before the last edit' : 'IAM'}</span>}
        <span className="loc" data-testid="finding-location">
          {f.line}:{f.column}
        </span>
      </div>
      <p className="finding-message">{f.message}</p>
      {(f.preview || f.kind || f.accountId) && (
        <div className="finding-secret">
          {f.preview && (
            <code className="preview" data-testid="finding-preview" title="Masked preview; the secret itself is never shown">
              {f.preview}
            </code>
          )}
          {f.kind && <span className="tag">{f.kind}</span>}
          {f.accountId && <span className="tag">account {f.accountId}</span>}
        </div>
      )}
      <div className="finding-meta">
        {f.yamlPath && (
          <code className="yaml-path" title={f.yamlPath}>
            {f.yamlPath}
          </code>
        )}
        {f.fix && (
          <span className="tag fixable" title="A quick fix (Ctrl+. on the marker) or Fix can correct this">
            fix: {f.fix}
          </span>
        )}
      </div>
    </li>
  );
}

const sameFinding = (a: Finding, b: Finding) =>
  a === b ||
  (a.ruleId === b.ruleId && a.severity === b.severity && a.message === b.message && a.line === b.line && a.column === b.column &&
    a.endLine === b.endLine && a.endColumn === b.endColumn && a.yamlPath === b.yamlPath && a.kind === b.kind &&
    a.preview === b.preview && a.accountId === b.accountId && a.fix === b.fix);

/** Each live analysis brings new objects; unchanged findings keep their rendered item. */
const FindingItem = memo(FindingItemImpl, (p, n) => p.iamStale === n.iamStale && p.onSelect === n.onSelect && sameFinding(p.finding, n.finding));

export const FindingsPanel = memo(FindingsPanelImpl);
