'use client';

import dynamic from 'next/dynamic';
import { memo } from 'react';
import { RULES, ruleDocsPath } from '@/lib/findings/catalogue';
import { fixKey, type AppliedFix, type SkippedFix } from './api';
import { fixedFileName } from './files';

const DiffView = dynamic(() => import('./editor/DiffView'), {
  ssr: false,
  loading: () => <div className="editor-loading">Loading diff…</div>,
});

export interface FixResult {
  /** The text sent to /api/fix. */
  original: string;
  corrected: string;
  /** The corrections in `corrected`. */
  applied: AppliedFix[];
  /** Every correction offered, accepted or rejected (fixKey), in the order of the text. */
  offered: AppliedFix[];
  rejected: string[];
  /** The head's profile picked in the toolbar, sent with every run. */
  headProfiles: Record<string, string>;
  /** Worker profiles chosen in this panel. */
  chosen: Record<string, string>;
  /** A review change is being computed. */
  updating: boolean;
  /** What Fix did not correct: the corrected config still has these problems. */
  skipped: SkippedFix[];
  fileName: string;
  /** The editor version (EditorHandle.getVersion) of `original`. */
  version: number;
  /** The editor version right after "Use corrected text" put `corrected` into the editor. */
  inEditorVersion: number | null;
}

/** What the editor holds: the text Fix ran on, the corrected text ("Use corrected text"), or something else. */
export type FixEditorState = 'original' | 'corrected' | 'changed';

interface FixPanelProps {
  result: FixResult;
  /** The panel says when the text changed since Fix. */
  editorState: FixEditorState;
  onDownload: () => void;
  onUseCorrected: () => void;
  onClose: () => void;
  /** Put the editor's cursor on a line of the original text. */
  onReveal: (line: number) => void;
  /** Reject or accept one correction (by fixKey). */
  onToggle: (key: string) => void;
  /** Choose the instance profile of a node type a correction needs. */
  onChooseProfile: (nodeType: string, arn: string) => void;
  profileOptions: ReadonlyArray<{ arn: string; name: string }>;
}

const RULE_NAMES = new Map(RULES.map((r) => [r.id, r.name]));
/** Credential rules (RG4xx): what is left is a secret to remove, not a setting to correct. */
const isCredential = (s: SkippedFix) => s.ruleId.startsWith('RG4');

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function skippedHeading(skipped: readonly SkippedFix[]): string {
  const credentials = skipped.filter(isCredential).length;
  if (credentials === skipped.length) return 'Not fixed — remove by hand';
  if (credentials === 0) return 'Not fixed — correct by hand';
  return 'Not fixed — remove or correct by hand';
}

function FixPanelImpl({ result, editorState, onDownload, onUseCorrected, onClose, onReveal, onToggle, onChooseProfile, profileOptions }: FixPanelProps) {
  const unchanged = result.original === result.corrected;
  const n = result.applied.length;
  const rejectedCount = result.rejected.length;
  const left = result.skipped.length;
  const inEditor = editorState === 'corrected';
  const stale = editorState === 'changed';
  /** The editor holds the text Fix ran on: its lines are the skipped entries' lines. */
  const original = editorState === 'original';
  const download = fixedFileName(result.fileName);

  // Never call the result clean when something was left: say what, in the header too.
  const title = left === 0 ? 'Corrected config' : n === 0 && unchanged ? 'Nothing fixed automatically' : 'Partly corrected config';
  const summary =
    (left === 0
      ? unchanged && rejectedCount === 0
        ? 'Nothing to change'
        : `${plural(n, 'fix', 'fixes')} applied`
      : `${plural(n, 'fix', 'fixes')} applied, ${plural(left, 'finding', 'findings')} not fixed`) +
    (rejectedCount ? `, ${rejectedCount} rejected` : '');

  return (
    <section
      className={`panel fix-panel${left ? ' has-skipped' : ''}`}
      id="fix-panel"
      aria-labelledby="fix-title"
      data-testid="fix-panel"
      data-skipped={left}
    >
      <header className="panel-head">
        <h2 id="fix-title">{title}</h2>
        <span className={left ? 'fix-summary warn' : 'fix-summary muted'} data-testid="applied-count">
          {summary}
        </span>
        <div className="panel-actions">
          <button
            type="button"
            className="btn"
            onClick={onUseCorrected}
            disabled={unchanged || inEditor || result.updating}
            data-testid="use-corrected"
            title={left ? `Put the corrected text into the editor; ${plural(left, 'finding stays', 'findings stay')} to fix by hand` : undefined}
          >
            {inEditor ? 'In the editor' : 'Use corrected text'}
          </button>
          <button
            type="button"
            className={`btn${left ? '' : ' primary'}`}
            onClick={onDownload}
            disabled={result.updating}
            data-testid="download-fixed"
            title={left ? `${download} still has ${plural(left, 'finding', 'findings')} that Fix could not correct` : `Save the corrected config as ${download}`}
          >
            Download {download}
          </button>
          <button type="button" className="btn ghost" onClick={onClose} aria-label="Close the corrected config" title="Close">
            ×
          </button>
        </div>
      </header>

      {stale && (
        <div className="panel-note stale" role="status" data-testid="fix-stale">
          The text in the editor changed since Fix: this is the correction of the earlier text. Run Fix again for the current one.
        </div>
      )}

      {left > 0 && (
        <div className="skipped" role="status" data-testid="skipped">
          <p className="skipped-head">
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path d="M8 1.5l7 12.5H1z" fill="currentColor" />
              <path d="M8 6v3.6M8 11.4v.1" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
            </svg>
            <strong>{skippedHeading(result.skipped)}.</strong>
            <span>
              The corrected config still has {plural(left, 'finding', 'findings')} that Fix could not correct
              {result.skipped.some(isCredential) ? '; rotate every credential that was in the file' : ''}. Lines are those of{' '}
              {result.fileName} as it was when Fix ran.
            </span>
          </p>
          <ul className="skipped-list" data-testid="skipped-list">
            {result.skipped.map((s, i) => (
              <li key={`${s.ruleId}:${s.line}:${i}`} data-testid="skipped-fix" data-rule-id={s.ruleId} data-line={s.line}>
                {original ? (
                  <button type="button" className="link-btn skipped-line" onClick={() => onReveal(s.line)} title="Show this line in the editor">
                    line {s.line}
                  </button>
                ) : (
                  <span className="skipped-line">line {s.line}</span>
                )}
                <a href={ruleDocsPath(s.ruleId)} target="_blank" rel="noopener" className="rule-id" title="Open the rule's documentation">
                  {s.ruleId}
                </a>
                {RULE_NAMES.has(s.ruleId) && <span className="rule-name">{RULE_NAMES.get(s.ruleId)}</span>}
                <span className="reason">{s.reason}</span>
                {s.chooseProfileFor && profileOptions.length > 0 && (
                  <select
                    className="choose-profile"
                    data-testid="choose-profile"
                    data-node-type={s.chooseProfileFor}
                    value={result.chosen[s.chooseProfileFor] ?? ''}
                    disabled={result.updating}
                    onChange={(e) => onChooseProfile(s.chooseProfileFor!, e.target.value)}
                    aria-label={`Instance profile for ${s.chooseProfileFor}`}
                  >
                    <option value="">Choose a profile…</option>
                    {profileOptions.map((p) => (
                      <option key={p.arn} value={p.arn} title={p.arn}>
                        {p.name}
                      </option>
                    ))}
                  </select>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}

      {result.offered.length > 0 && (
        <ul className="applied-list" data-testid="applied-list" aria-label="Corrections: untick one to leave that finding as it is" aria-busy={result.updating}>
          {result.offered.map((a, i) => {
            const key = fixKey(a);
            const on = !result.rejected.includes(key);
            return (
              <li
                key={`${key}:${a.fix}:${i}`}
                data-testid="applied-fix"
                data-rule-id={a.ruleId}
                data-fix={a.fix}
                data-line={a.line}
                data-state={on ? 'accepted' : 'rejected'}
                className={on ? undefined : 'rejected'}
              >
                <label
                  title={
                    a.followUp
                      ? 'Made possible by another correction: it goes with that one'
                      : on ? 'Untick to leave this finding as it is' : 'Tick to apply this correction'
                  }
                >
                  <input
                    type="checkbox"
                    checked={on}
                    disabled={result.updating || a.column === undefined || a.followUp}
                    onChange={() => onToggle(key)}
                    data-testid="fix-toggle"
                  />
                  <span className="muted">line {a.line}</span>
                  <span className="fix-desc">{a.description ?? a.fix}</span>
                </label>
                <a href={ruleDocsPath(a.ruleId)} target="_blank" rel="noopener" className="rule-id" title="Open the rule's documentation">
                  {a.ruleId}
                </a>
              </li>
            );
          })}
        </ul>
      )}

      <div className="diff-labels" aria-hidden="true">
        <span>Original ({result.fileName})</span>
        <span>
          {result.updating ? 'Updating…' : left ? 'Partly corrected' : 'Corrected'} ({download})
        </span>
      </div>
      <div className="diff-host" data-testid="diff">
        <DiffView original={result.original} corrected={result.corrected} />
      </div>
    </section>
  );
}

export const FixPanel = memo(FixPanelImpl);
