'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useRef, useState, type SyntheticEvent } from 'react';
import type { Finding } from '@/lib/findings/types';
import { fitsFragment, FRAGMENT_MAX_CHARS, keyFragment, seal, ShareError, toFragment, type Sealed, type ShareIamSource, type SharePayload } from '@/lib/share/envelope';
import { credentialRanges, redactForShare, remapFindings, stillHasSecrets, type Redaction } from '@/lib/share/redact';
import packageJson from '@/package.json';
import { ApiError, createShareLink, deleteShareLink, describeError, type CreatedShare } from './api';
import { sourceLabel } from '@/lib/iam/card-headline';

const DiffView = dynamic(() => import('./editor/DiffView'), {
  ssr: false,
  loading: () => <div className="editor-loading">Loading diff…</div>,
});

/** What the dashboard shares: one validation, as it was when the dialog opened. */
export interface ShareInput {
  /** The editor text that was validated (not redacted yet). */
  text: string;
  fileName: string;
  /** The findings of that text (static and IAM), positions in `text`. */
  findings: readonly Finding[];
  /** When the validation answered (ISO 8601). */
  computedAt: string;
  iamSource: ShareIamSource | null;
}

interface ShareDialogProps {
  input: ShareInput;
  onClose: () => void;
}

/** The rule set a share's findings came from: the release of Rayguard that computed them. */
export const RULES_VERSION = packageJson.version;

/** The lifetimes the server accepts (lib/server/share-api.ts EXPIRY_CHOICES). */
const EXPIRY_CHOICES: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 604_800, label: '7 days' },
  { seconds: 2_592_000, label: '30 days' },
];
const DEFAULT_EXPIRY = 604_800;
/** Markers listed by line; a file with thousands of copies of a secret lists the first ones. */
const MAX_MARKERS_LISTED = 200;

/** The redacted text and what goes with it, computed once when the dialog opens. */
interface Prepared {
  redaction: Redaction;
  /** The findings moved onto the redacted text. */
  findings: Finding[];
  /** A credential is still detected after redaction: sharing is refused. */
  refused: boolean;
}

type Phase =
  | { step: 'ready' }
  | { step: 'sealing' }
  | { step: 'uploading' }
  | { step: 'created'; link: CreatedShare; url: string; fragmentUrl: string | null }
  | { step: 'serverless'; fragmentUrl: string }
  | { step: 'deleted' };

// ---------------------------------------------------------------------------------------------
// Delete tokens of the links created in this tab: sessionStorage only (never the key).

interface KeptLink {
  id: string;
  deleteToken: string;
  expiresAt: string;
  fileName: string;
}

const KEPT_LINKS = 'rayguard:share-links';

function readKeptLinks(): KeptLink[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEPT_LINKS) ?? '[]');
    if (!Array.isArray(v)) return [];
    const now = Date.now();
    return v.filter(
      (x): x is KeptLink =>
        !!x && typeof x === 'object' && typeof x.id === 'string' && typeof x.deleteToken === 'string' &&
        typeof x.expiresAt === 'string' && typeof x.fileName === 'string' && Date.parse(x.expiresAt) > now,
    );
  } catch {
    return [];
  }
}

function writeKeptLinks(links: readonly KeptLink[]): void {
  try {
    sessionStorage.setItem(KEPT_LINKS, JSON.stringify(links));
  } catch {
    /* storage full or disabled: the token stays in this dialog only */
  }
}

// ---------------------------------------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const formatTime = (iso: string) => dateTime.format(new Date(iso));
const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** A create that failed: what to tell the user, and when a retry may work (429). */
function failureOf(e: unknown): { message: string; retryAt: number | null } {
  if (e instanceof ShareError) return { message: e.message, retryAt: null };
  if (e instanceof ApiError && e.status === 429) {
    const wait = e.retryAfterSeconds ?? 30;
    return { message: `Too many share links were created on this server recently. The server asks to wait ${plural(wait, 'second', 'seconds')} before the next one.`, retryAt: Date.now() + wait * 1000 };
  }
  if (e instanceof ApiError && e.status === 413) return { message: 'The encrypted share is larger than the server accepts. Share a smaller config.', retryAt: null };
  if (e instanceof ApiError && e.status >= 400 && e.status < 500) return { message: `The server refused the link (${e.message}).`, retryAt: null };
  if (e instanceof ApiError) return { message: describeError(e), retryAt: null };
  return { message: 'The share could not be encrypted in this browser.', retryAt: null };
}

/** A read-only field with a link and its Copy button. */
function LinkField({ url, label, testId }: { url: string; label: string; testId: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('yes');
    } catch {
      // No clipboard access (an insecure context, a denied permission): let the user copy it.
      field.current?.select();
      setCopied('select');
    }
  };
  return (
    <div className="share-link-row">
      <input
        ref={field}
        className="share-link"
        readOnly
        value={url}
        aria-label={label}
        data-testid={testId}
        onFocus={(e) => e.currentTarget.select()}
        spellCheck={false}
      />
      <button type="button" className="btn" onClick={() => void copy()} data-testid={`${testId}-copy`}>
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      {copied === 'select' && <span className="muted">Selected: press Ctrl+C to copy.</span>}
    </div>
  );
}

export default function ShareDialog({ input, onClose }: ShareDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [prepared, setPrepared] = useState<Prepared | null>(null);
  const [prepareError, setPrepareError] = useState<string | null>(null);
  const [expiresIn, setExpiresIn] = useState(DEFAULT_EXPIRY);
  const [phase, setPhase] = useState<Phase>({ step: 'ready' });
  const [error, setError] = useState<string | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [deleting, setDeleting] = useState<string | null>(null);
  const [kept, setKept] = useState<KeptLink[]>([]);
  const upload = useRef<AbortController | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    setKept(readKeptLinks());
    return () => {
      upload.current?.abort();
      d?.close();
    };
  }, []);

  // Redact once, after the dialog (and its spinner) has painted: a large text takes a moment.
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => {
        try {
          const redaction = redactForShare(input.text, { extra: credentialRanges(input.text, input.findings) });
          const findings = remapFindings(input.findings, input.text, redaction);
          const refused = !redaction.clean || stillHasSecrets(redaction.text);
          if (!cancelled) setPrepared({ redaction, findings, refused });
        } catch {
          if (!cancelled) setPrepareError('The config could not be redacted, so it cannot be shared.');
        }
      }, 0);
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [input]);

  // The countdown of a rate-limited create.
  useEffect(() => {
    if (retryAt === null) return;
    const t = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= retryAt) setRetryAt(null);
    }, 1000);
    return () => clearInterval(t);
  }, [retryAt]);

  const onCancel = (e: SyntheticEvent<HTMLDialogElement>) => {
    // Escape: React closes the dialog by unmounting it.
    e.preventDefault();
    onClose();
  };

  const payloadOf = useCallback(
    (p: Prepared): SharePayload => ({
      v: 1,
      config: p.redaction.text,
      // A file name can hold a credential too (a key pasted into it): it is redacted like the text.
      fileName: redactForShare(input.fileName).text,
      findings: p.findings,
      computedAt: input.computedAt,
      iamSource: input.iamSource,
      rulesVersion: RULES_VERSION,
    }),
    [input],
  );

  const sealPrepared = async (p: Prepared): Promise<Sealed | null> => {
    setError(null);
    setPhase({ step: 'sealing' });
    try {
      return await seal(payloadOf(p));
    } catch (e) {
      setError(failureOf(e).message);
      setPhase({ step: 'ready' });
      return null;
    }
  };

  const createLink = async () => {
    if (!prepared || prepared.refused) return;
    const sealed = await sealPrepared(prepared);
    if (!sealed) return;
    setPhase({ step: 'uploading' });
    const ac = new AbortController();
    upload.current = ac;
    try {
      const link = await createShareLink(sealed.ciphertext, expiresIn, ac.signal);
      const origin = window.location.origin;
      const keptLink: KeptLink = { id: link.id, deleteToken: link.deleteToken, expiresAt: link.expiresAt, fileName: input.fileName };
      const others = readKeptLinks().filter((k) => k.id !== link.id);
      writeKeptLinks([...others, keptLink]);
      setKept(others);
      setPhase({
        step: 'created',
        link,
        url: `${origin}/s/${link.id}#${keyFragment(sealed.key)}`,
        fragmentUrl: fitsFragment(sealed) ? `${origin}/s#${toFragment(sealed)}` : null,
      });
    } catch (e) {
      if (ac.signal.aborted) return;
      const failure = failureOf(e);
      setError(failure.message);
      setRetryAt(failure.retryAt);
      setNow(Date.now());
      setPhase({ step: 'ready' });
    } finally {
      if (upload.current === ac) upload.current = null;
    }
  };

  const createServerless = async () => {
    if (!prepared || prepared.refused) return;
    const sealed = await sealPrepared(prepared);
    if (!sealed) return;
    if (!fitsFragment(sealed)) {
      const length = 3 + sealed.ciphertext.length + 1 + sealed.key.length;
      setError(
        `This share needs ${plural(length, 'character', 'characters')} of link, more than the ${FRAGMENT_MAX_CHARS.toLocaleString('en-US')} a link without the server may carry. ` +
          'Use "Create link": the server stores it encrypted.',
      );
      setPhase({ step: 'ready' });
      return;
    }
    setPhase({ step: 'serverless', fragmentUrl: `${window.location.origin}/s#${toFragment(sealed)}` });
  };

  const deleteLink = async (link: KeptLink, current: boolean) => {
    setDeleting(link.id);
    setError(null);
    try {
      await deleteShareLink(link.id, link.deleteToken);
      const rest = readKeptLinks().filter((k) => k.id !== link.id);
      writeKeptLinks(rest);
      setKept((list) => list.filter((k) => k.id !== link.id));
      if (current) setPhase({ step: 'deleted' });
    } catch (e) {
      setError(`The link was not deleted: ${describeError(e)}`);
    } finally {
      setDeleting(null);
    }
  };

  const busy = phase.step === 'sealing' || phase.step === 'uploading';
  const waiting = retryAt !== null && now < retryAt;
  const redaction = prepared?.redaction;
  const markers = redaction?.markers ?? [];
  const changed = !!redaction && redaction.edits.length > 0;
  const currentId = phase.step === 'created' ? phase.link.id : null;
  const earlier = kept.filter((k) => k.id !== currentId);
  const iam = input.iamSource;

  return (
    <dialog ref={dialog} className="share-dialog" aria-labelledby="share-title" data-testid="share-dialog" onCancel={onCancel}>
      <header className="panel-head">
        <h2 id="share-title">Share this validation</h2>
        <span className="muted share-file">{input.fileName}</span>
        <button type="button" className="btn ghost share-close" aria-label="Close" onClick={onClose} data-testid="share-close">
          ×
        </button>
      </header>

      <div className="share-body">
        {prepareError ? (
          <div className="alert" role="alert" data-testid="share-error">
            {prepareError}
          </div>
        ) : !prepared || !redaction ? (
          <p className="share-progress" role="status" data-testid="share-redacting">
            <span className="spinner" aria-hidden="true" /> Redacting credentials in this browser…
          </p>
        ) : (
          <>
            <section className="share-section" aria-labelledby="share-what">
              <h3 id="share-what">What the link shares</h3>
              <p data-testid="share-summary">
                {changed
                  ? `${plural(markers.length, 'credential is', 'credentials are')} replaced by ${markers.length === 1 ? 'a marker' : 'markers'}; every other line is shared as it is in your editor.`
                  : 'No credential was found: the config is shared exactly as it is in your editor.'}
              </p>
              {prepared.refused && (
                <div className="alert share-refused" role="alert" data-testid="share-refused">
                  <strong>Sharing is refused.</strong> A credential is still detected in the text after redaction. Remove it from the config in
                  the editor (Fix removes most credentials), validate, and share again.
                </div>
              )}
              {markers.length > 0 && (
                <ul className="share-markers" data-testid="share-markers" aria-label="Redaction markers">
                  {markers.slice(0, MAX_MARKERS_LISTED).map((m, i) => (
                    <li key={i} data-testid="share-marker" data-kind={m.kind} data-line={m.line}>
                      <span className="loc">line {m.line}</span>
                      <span className="tag">{m.kind}</span>
                      <code>{m.marker}</code>
                    </li>
                  ))}
                  {markers.length > MAX_MARKERS_LISTED && <li className="muted">… and {markers.length - MAX_MARKERS_LISTED} more</li>}
                </ul>
              )}
              {changed && (
                <div className="share-diff" data-testid="share-diff">
                  <div className="diff-labels" aria-hidden="true">
                    <span>Your editor (stays in this browser)</span>
                    <span>Shared (redacted)</span>
                  </div>
                  <DiffView name="share" original={input.text} corrected={redaction.text} />
                </div>
              )}
              <ul className="share-facts">
                <li>
                  The file name <code>{input.fileName}</code> and {plural(prepared.findings.length, 'finding', 'findings')} as they were, on the
                  redacted text (a credential&apos;s preview becomes its marker).
                </li>
                <li>
                  When they were computed ({formatTime(input.computedAt)}), against{' '}
                  {iam ? (
                    <>
                      {sourceLabel(iam)}
                      {iam.accountId ? <> (account {iam.accountId})</> : null}
                    </>
                  ) : (
                    'no IAM source'
                  )}
                  , with Rayguard {RULES_VERSION}.
                </li>
                <li className="muted">
                  Encrypted in this browser (AES-256-GCM). The server stores only ciphertext; the key is the part of the link after{' '}
                  <code>#</code>, which browsers never send to a server.
                </li>
              </ul>
            </section>

            {earlier.length > 0 && (
              <section className="share-section" aria-labelledby="share-earlier">
                <h3 id="share-earlier">Other links created in this tab</h3>
                <ul className="share-kept">
                  {earlier.map((k) => (
                    <li key={k.id} data-testid="share-kept">
                      <code>{k.fileName}</code>
                      <span className="muted">expires {formatTime(k.expiresAt)}</span>
                      <button type="button" className="link-btn" onClick={() => void deleteLink(k, false)} disabled={deleting !== null}>
                        {deleting === k.id ? 'Deleting…' : 'Delete'}
                      </button>
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </>
        )}
      </div>

      {/* The action stays in view however long the diff is. */}
      {prepared && !prepareError && (
        <section className="share-section share-create" aria-labelledby="share-link-title">
          <h3 id="share-link-title">Link</h3>
          {error && (
            <div className="alert" role="alert" data-testid="share-error">
              {error}
              {waiting && retryAt !== null && <> Retry in {Math.ceil((retryAt - now) / 1000)} s.</>}
            </div>
          )}

          {(phase.step === 'ready' || phase.step === 'sealing' || phase.step === 'uploading') && (
            <div className="share-actions">
              <label className="select-wrap labelled">
                <span className="select-label">Expires after</span>
                <select value={expiresIn} onChange={(e) => setExpiresIn(Number(e.target.value))} disabled={busy} data-testid="share-expiry">
                  {EXPIRY_CHOICES.map((c) => (
                    <option key={c.seconds} value={c.seconds}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                className="btn primary"
                onClick={() => void createLink()}
                disabled={prepared.refused || busy || waiting}
                data-testid="share-create"
                title={prepared.refused ? 'Refused: a credential is still detected after redaction' : 'Encrypt here and store the ciphertext on the server'}
              >
                {busy ? <span className="spinner light" aria-hidden="true" /> : null}
                {phase.step === 'sealing' ? 'Encrypting…' : phase.step === 'uploading' ? 'Uploading…' : error ? 'Retry' : 'Create link'}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => void createServerless()}
                disabled={prepared.refused || busy}
                data-testid="share-serverless"
                title="A longer link that carries the encrypted data itself; nothing is stored on the server"
              >
                Link without the server
              </button>
              {prepared.refused && (
                <span className="share-reason" data-testid="share-refused-reason">
                  Refused: a credential is still in the text.
                </span>
              )}
            </div>
          )}

          {phase.step === 'created' && (
            <div className="share-result" data-testid="share-created">
              <LinkField url={phase.url} label="Share link" testId="share-url" />
              <p className="share-note">
                Expires <strong data-testid="share-expires">{formatTime(phase.link.expiresAt)}</strong>. Anyone with the whole link can read
                the redacted config and its findings until then.
              </p>
              <div className="share-actions">
                <button
                  type="button"
                  className="btn"
                  onClick={() => void deleteLink({ id: phase.link.id, deleteToken: phase.link.deleteToken, expiresAt: phase.link.expiresAt, fileName: input.fileName }, true)}
                  disabled={deleting !== null}
                  data-testid="share-delete"
                >
                  {deleting === phase.link.id ? <span className="spinner" aria-hidden="true" /> : null}
                  Delete link
                </button>
                <span className="muted">Only this tab can delete it: the delete token is kept nowhere else.</span>
              </div>
              {phase.fragmentUrl && (
                <details className="share-fragment" data-testid="share-fragment">
                  <summary>Or a link without the server ({plural(phase.fragmentUrl.length, 'character', 'characters')})</summary>
                  <p className="muted">
                    It carries the encrypted data itself and is never stored anywhere, so it cannot expire or be deleted: whoever has it can
                    open it for good.
                  </p>
                  <LinkField url={phase.fragmentUrl} label="Link without the server" testId="share-fragment-url" />
                </details>
              )}
            </div>
          )}

          {phase.step === 'serverless' && (
            <div className="share-result" data-testid="share-serverless-result">
              <LinkField url={phase.fragmentUrl} label="Link without the server" testId="share-fragment-url" />
              <p className="share-note">
                Nothing was sent to the server: this link ({plural(phase.fragmentUrl.length, 'character', 'characters')}) carries the encrypted
                data itself. It never expires and cannot be deleted; for a link that does, use a stored link.
              </p>
              <button type="button" className="btn" onClick={() => setPhase({ step: 'ready' })}>
                Back
              </button>
            </div>
          )}

          {phase.step === 'deleted' && (
            <div className="share-result" data-testid="share-deleted" role="status">
              <p>The link was deleted: the server no longer has its data, and the link says so.</p>
              <button type="button" className="btn" onClick={() => setPhase({ step: 'ready' })}>
                Create another link
              </button>
            </div>
          )}
        </section>
      )}
    </dialog>
  );
}
