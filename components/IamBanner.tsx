import type { IamInfo } from './api';
import { sourceLabel } from '@/lib/iam/card-headline';
import type { IamSourceInfo } from '@/lib/iam/types';

export type IamState = { status: 'loading' } | { status: 'ready'; info: IamInfo } | { status: 'error'; message: string };

function formatDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

/**
 * Which IAM source the checks run against: the server's (demo, snapshot or live), or a snapshot
 * uploaded in this browser. A link to the IAM panel.
 */
export function IamBanner({ state, snapshot }: { state: IamState; snapshot?: IamSourceInfo | null }) {
  if (snapshot) {
    const captured = formatDate(snapshot.capturedAt);
    return (
      <a
        className="iam-banner kind-snapshot"
        href="#iam-panel"
        data-testid="iam-banner"
        data-kind="snapshot"
        data-origin="browser"
        title={`IAM checks run in this browser against the uploaded snapshot ${sourceLabel(snapshot)}${snapshot.accountId ? `, account ${snapshot.accountId}` : ''}. It is never sent to the server.`}
      >
        <span className="iam-kind">snapshot</span>
        <span className="iam-text">
          IAM: <strong>{sourceLabel(snapshot)}</strong>
          {snapshot.accountId && (
            <>
              {' '}
              · <span className="mono">{snapshot.accountId}</span>
            </>
          )}
          {snapshot.partition && snapshot.partition !== 'aws' && <> · {snapshot.partition}</>}
          {captured && <> · captured {captured}</>} · in this browser
        </span>
      </a>
    );
  }
  if (state.status === 'loading') {
    return (
      <div className="iam-banner loading" data-testid="iam-banner" role="status">
        IAM: …
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <a className="iam-banner error" href="#iam-panel" data-testid="iam-banner" title={state.message}>
        IAM: unavailable ({state.message})
      </a>
    );
  }
  const { info } = state;
  const captured = formatDate(info.capturedAt);
  const usable = info.profiles.filter((p) => p.usable).length;
  return (
    <a
      className={`iam-banner kind-${info.kind}`}
      href="#iam-panel"
      data-testid="iam-banner"
      data-kind={info.kind}
      data-origin="server"
      title={`IAM checks run against ${sourceLabel(info)}${info.accountId ? `, account ${info.accountId}` : ''}${info.partition ? ` (${info.partition})` : ''}. ${info.profiles.length} instance profiles, ${usable} usable.${info.note ? ` ${info.note}.` : ''}`}
    >
      <span className="iam-kind">{info.kind}</span>
      <span className="iam-text">
        IAM: <strong>{sourceLabel(info)}</strong>
        {info.accountId && (
          <>
            {' '}
            · <span className="mono">{info.accountId}</span>
          </>
        )}
        {info.partition && info.partition !== 'aws' && <> · {info.partition}</>}
        {captured && <> · captured {captured}</>}
      </span>
    </a>
  );
}
