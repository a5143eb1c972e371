import type { IamInfo } from './api';

export type IamState = { status: 'loading' } | { status: 'ready'; info: IamInfo } | { status: 'error'; message: string };

function formatDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

/** Which IAM source the server checks profiles against: demo snapshot, uploaded snapshot or live. */
export function IamBanner({ state }: { state: IamState }) {
  if (state.status === 'loading') {
    return (
      <div className="iam-banner loading" data-testid="iam-banner" role="status">
        IAM: …
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="iam-banner error" data-testid="iam-banner" role="status" title={state.message}>
        IAM: unavailable ({state.message})
      </div>
    );
  }
  const { info } = state;
  const captured = formatDate(info.capturedAt);
  const usable = info.profiles.filter((p) => p.usable).length;
  return (
    <div
      className={`iam-banner kind-${info.kind}`}
      data-testid="iam-banner"
      data-kind={info.kind}
      role="status"
      title={`IAM checks run against ${info.label}, account ${info.accountId} (${info.partition}). ${info.profiles.length} instance profiles, ${usable} usable.`}
    >
      <span className="iam-kind">{info.kind}</span>
      <span className="iam-text">
        IAM: <strong>{info.label}</strong> · <span className="mono">{info.accountId}</span>
        {info.partition !== 'aws' && <> · {info.partition}</>}
        {captured && <> · captured {captured}</>}
      </span>
    </div>
  );
}
