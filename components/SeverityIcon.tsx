import type { Severity } from '@/lib/findings/types';

const LABEL: Record<Severity, string> = { error: 'Error', warning: 'Warning', info: 'Info' };

/** A small coloured glyph per severity; the text label is for screen readers. */
export function SeverityIcon({ severity }: { severity: Severity }) {
  return (
    <span className={`sev-icon sev-${severity}`} role="img" aria-label={LABEL[severity]} title={LABEL[severity]}>
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        {severity === 'error' && (
          <>
            <circle cx="8" cy="8" r="7" fill="currentColor" />
            <path d="M5.5 5.5l5 5M10.5 5.5l-5 5" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
          </>
        )}
        {severity === 'warning' && (
          <>
            <path d="M8 1.2l7 13H1z" fill="currentColor" strokeLinejoin="round" />
            <path d="M8 6v3.6" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
            <circle cx="8" cy="11.9" r="0.95" fill="#fff" />
          </>
        )}
        {severity === 'info' && (
          <>
            <circle cx="8" cy="8" r="7" fill="currentColor" />
            <path d="M8 7.2v4.2" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
            <circle cx="8" cy="4.8" r="0.95" fill="#fff" />
          </>
        )}
      </svg>
    </span>
  );
}

export function severityLabel(severity: Severity, count: number): string {
  const word = { error: 'error', warning: 'warning', info: 'info' }[severity];
  return severity === 'info' ? `${count} info` : `${count} ${word}${count === 1 ? '' : 's'}`;
}
