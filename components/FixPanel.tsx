'use client';

import dynamic from 'next/dynamic';
import { memo } from 'react';
import { ruleDocsPath } from '@/lib/findings/catalogue';
import type { AppliedFix } from './api';
import { fixedFileName } from './files';

const DiffView = dynamic(() => import('./editor/DiffView'), {
  ssr: false,
  loading: () => <div className="editor-loading">Loading diff…</div>,
});

export interface FixResult {
  /** The text sent to /api/fix. */
  original: string;
  corrected: string;
  applied: AppliedFix[];
  fileName: string;
  /** "Use corrected text" has put it into the editor. */
  inEditor: boolean;
}

interface FixPanelProps {
  result: FixResult;
  onDownload: () => void;
  onUseCorrected: () => void;
  onClose: () => void;
}

function FixPanelImpl({ result, onDownload, onUseCorrected, onClose }: FixPanelProps) {
  const unchanged = result.original === result.corrected;
  const n = result.applied.length;
  return (
    <section className="panel fix-panel" id="fix-panel" aria-labelledby="fix-title" data-testid="fix-panel">
      <header className="panel-head">
        <h2 id="fix-title">Corrected config</h2>
        <span className="muted" data-testid="applied-count">
          {unchanged ? 'Nothing to change' : `${n} ${n === 1 ? 'fix' : 'fixes'} applied`}
        </span>
        <div className="panel-actions">
          <button type="button" className="btn" onClick={onUseCorrected} disabled={unchanged || result.inEditor} data-testid="use-corrected">
            {result.inEditor ? 'In the editor' : 'Use corrected text'}
          </button>
          <button type="button" className="btn primary" onClick={onDownload} data-testid="download-fixed">
            Download {fixedFileName(result.fileName)}
          </button>
          <button type="button" className="btn ghost" onClick={onClose} aria-label="Close the corrected config" title="Close">
            ×
          </button>
        </div>
      </header>

      {n > 0 && (
        <ul className="applied-list" data-testid="applied-list">
          {result.applied.map((a, i) => (
            <li key={`${a.fix}:${a.ruleId}:${a.line}:${i}`} data-testid="applied-fix" data-rule-id={a.ruleId}>
              <a href={ruleDocsPath(a.ruleId)} target="_blank" rel="noopener" className="rule-id">
                {a.ruleId}
              </a>
              <span className="mono">{a.fix}</span>
              <span className="muted">line {a.line}</span>
            </li>
          ))}
        </ul>
      )}

      <div className="diff-labels" aria-hidden="true">
        <span>Original ({result.fileName})</span>
        <span>Corrected ({fixedFileName(result.fileName)})</span>
      </div>
      <div className="diff-host" data-testid="diff">
        <DiffView original={result.original} corrected={result.corrected} />
      </div>
    </section>
  );
}

export const FixPanel = memo(FixPanelImpl);
