'use client';

import { memo, useMemo, useState, type KeyboardEvent } from 'react';
import type { Finding, Severity } from '@/lib/findings/types';
import { RULES, ruleDocsPath } from '@/lib/findings/catalogue';
import { SeverityIcon, severityLabel } from './SeverityIcon';

export interface FindingsPanelProps {
  /** null: not validated yet. */
  findings: readonly Finding[] | null;
  validating: boolean;
  /** The editor changed after the findings were computed. */
  stale: boolean;
  fileName: string | null;
  onSelect: (finding: Finding) => void;
}

const RULE_NAMES = new Map(RULES.map((r) => [r.id, r.name]));
const SEVERITIES: Severity[] = ['error', 'warning', 'info'];

function FindingsPanelImpl({ findings, validating, stale, fileName, onSelect }: FindingsPanelProps) {
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

  return (
    <section className="panel findings" aria-labelledby="findings-title" data-testid="findings-panel">
      <header className="panel-head">
        <h2 id="findings-title">Findings</h2>
        {findings && (
          <div className="counts" data-testid="findings-summary" aria-label="Filter by severity">
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

      {validating && (
        <div className="panel-note busy" role="status" data-testid="validating">
          <span className="spinner" aria-hidden="true" /> Validating…
        </div>
      )}
      {!validating && stale && findings && (
        <div className="panel-note stale">Edited since validation. Press Validate (Ctrl+Enter) to refresh.</div>
      )}

      {findings === null ? (
        !validating && (
          <div className="empty-state">
            <p>Not validated yet.</p>
            <p className="muted">
              Press <kbd>Validate</kbd> or <kbd>Ctrl</kbd>+<kbd>Enter</kbd> in the editor.
            </p>
          </div>
        )
      ) : findings.length === 0 ? (
        <div className="empty-state ok" data-testid="no-findings">
          <svg viewBox="0 0 16 16" width="28" height="28" aria-hidden="true">
            <circle cx="8" cy="8" r="7" fill="currentColor" />
            <path d="M4.8 8.3l2.1 2.1 4.3-4.6" stroke="#fff" strokeWidth="1.7" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <p>No findings in {fileName ?? 'this config'}.</p>
          <p className="muted">Every check that ran passed.</p>
        </div>
      ) : (
        <ol className="finding-list" data-testid="findings-list">
          {shown.map((f, i) => (
            <FindingItem key={`${f.ruleId}:${f.line}:${f.column}:${i}`} finding={f} onSelect={onSelect} />
          ))}
          {shown.length === 0 && <li className="muted filtered">All findings are filtered out.</li>}
        </ol>
      )}
    </section>
  );
}

function FindingItem({ finding: f, onSelect }: { finding: Finding; onSelect: (f: Finding) => void }) {
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(f);
    }
  };
  const name = RULE_NAMES.get(f.ruleId);
  return (
    <li
      className={`finding sev-${f.severity}`}
      data-testid="finding"
      data-rule-id={f.ruleId}
      data-severity={f.severity}
      data-line={f.line}
      role="button"
      tabIndex={0}
      title="Show in editor"
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
          <span className="tag fixable" title="Fix can correct this">
            fix: {f.fix}
          </span>
        )}
      </div>
    </li>
  );
}

export const FindingsPanel = memo(FindingsPanelImpl);
