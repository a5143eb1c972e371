'use client';

import dynamic from 'next/dynamic';
import { startTransition, useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { compareFindings, type Finding } from '@/lib/findings/types';
import { AppHeader } from './AppHeader';
import { FindingsPanel, isIamFinding, type FindingsState, type IamCheck } from './FindingsPanel';
import { IamBanner, type IamState } from './IamBanner';
import { IamPanel, type BrowserSnapshotView, type IamSourceView, type IamView } from './IamPanel';
import { FixPanel, type FixEditorState, type FixResult } from './FixPanel';
import { describeError, fixKey, fixText, getIam, getSampleText, getSamples, skippedOf, validateStream, type IamInfo, type IamOutcome, type Sample } from './api';
import {
  clearStoredSnapshot,
  createIamWorkerClient,
  IamWorkerError,
  loadStoredSnapshot,
  readSnapshotFiles,
  snapshotKey,
  SnapshotRefused,
  SnapshotRejected,
  storeSnapshot,
  type IamWorkerClient,
} from './iamSnapshot';
import type { SnapshotFile, SnapshotSummary } from './editor/analysis-protocol';
import type { ProfileCard } from '@/lib/iam/report';
import type { IamSourceInfo } from '@/lib/iam/types';
import { DEFAULT_FILE_NAME, FileRefused, fixedFileName, looksLikeYamlName, readTextFile, saveText, tooLargeMessage, utf8Length } from './files';
import { headNodeTypeOf } from './headNodeType';
import { STARTER_TEXT } from './starter';
import { takeSharedCopy } from './sharedCopy';
import type { ShareInput } from './ShareDialog';
import type { CursorPosition, EditorHandle, LiveFindings, LiveStatus, ServerFixRequest, ServerFixResult } from './editor/handle';

// Monaco touches `window` on import: load it in the browser only.
const YamlEditor = dynamic(() => import('./editor/YamlEditor'), {
  ssr: false,
  loading: () => <div className="editor-loading">Loading editor…</div>,
});

// Redaction, encryption and the diff load when the user shares, not with the dashboard.
const ShareDialog = dynamic(() => import('./ShareDialog'), { ssr: false });

declare global {
  interface Window {
    /** How often the live and the server's static findings were compared, and differed (for tests). */
    __rayguardAgreement?: { checked: number; disagreed: number };
  }
}

/** The IAM part of the last server validation. */
interface IamResult {
  findings: Finding[];
  /** Date.now() when the answer came. */
  at: number;
  /** The editor version (EditorHandle.getVersion) that was validated. */
  version: number;
  fileName: string;
}

/** What must be identical in a live finding and the server's finding for the same text. */
const agreementKey = (f: Finding) =>
  JSON.stringify([f.ruleId, f.severity, f.line, f.column, f.endLine, f.endColumn, f.message, f.yamlPath, f.kind ?? null, f.preview ?? null, f.accountId ?? null, f.fix ?? null]);

/**
 * The live analysis (worker) and the server run the same static code on the same text, so their
 * static findings must be identical. Returns a description of the difference (rule ids and
 * positions only, never messages), or null.
 */
function disagreement(live: readonly Finding[], server: readonly Finding[]): string | null {
  const a = live.map(agreementKey).sort();
  const b = server.map(agreementKey).sort();
  if (a.length === b.length && a.every((k, i) => k === b[i])) return null;
  const short = (k: string) => {
    const [ruleId, , line, column] = JSON.parse(k) as [string, string, number, number];
    return `${ruleId}@${line}:${column}`;
  };
  const onlyLive = a.filter((k) => !b.includes(k)).map(short);
  const onlyServer = b.filter((k) => !a.includes(k)).map(short);
  return `only live: [${onlyLive.join(', ')}], only server: [${onlyServer.join(', ')}]`;
}

/** An IAM snapshot uploaded in this browser: IAM checks run in a worker against it; never sent to the server. */
interface BrowserSnapshot {
  files: SnapshotFile[];
  key: string;
  summary: SnapshotSummary;
  /** Kept in sessionStorage; false when too large for it (this page's memory only). */
  persisted: boolean;
}

const sourceOfInfo = (info: IamInfo): IamSourceInfo => ({
  kind: info.kind,
  label: info.label,
  ...(info.accountId ? { accountId: info.accountId } : {}),
  ...(info.partition ? { partition: info.partition } : {}),
  ...(info.capturedAt ? { capturedAt: info.capturedAt } : {}),
  ...(info.note ? { note: info.note } : {}),
});

/** The cards with `card` in place of the one with its id (or added). */
function upsertCard(cards: readonly ProfileCard[], card: ProfileCard): ProfileCard[] {
  const i = cards.findIndex((c) => c.id === card.id);
  if (i < 0) return [...cards, card];
  const next = cards.slice();
  next[i] = card;
  return next;
}

interface Notice {
  message: string;
  /** The text (and name) a load replaced, so one click brings it back. */
  previous?: { text: string; fileName: string };
}

export function Dashboard() {
  const editor = useRef<EditorHandle | null>(null);
  /** The last text loaded from a file, sample or the fix; unsaved edits differ from it. */
  const loaded = useRef(STARTER_TEXT);
  const validateSeq = useRef(0);
  const fixSeq = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);

  const [ready, setReady] = useState(false);
  const [fileName, setFileName] = useState(DEFAULT_FILE_NAME);
  /** Static findings of one version of the text, from the live analysis; null until the first one. */
  const [live, setLive] = useState<LiveFindings | null>(null);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>({ state: 'checking' });
  const liveStatusRef = useRef(liveStatus);
  liveStatusRef.current = liveStatus;
  /** The editor's current version (EditorHandle.getVersion): findings of another version are not current. */
  const [editorVersion, setEditorVersion] = useState<number | null>(null);
  /**
   * Another text was loaded and its findings have not arrived yet: the previous text's findings
   * are hidden, not just dimmed (their lines need not exist in the new text).
   */
  const [awaitingLoad, setAwaitingLoad] = useState(false);
  /** Why the last server validation failed; cleared by the next validation. */
  const [validateError, setValidateError] = useState<string | null>(null);
  const [iamResult, setIamResult] = useState<IamResult | null>(null);
  /** The text changed since the IAM findings were computed. */
  const [iamStale, setIamStale] = useState(false);
  const [validating, setValidating] = useState(false);
  const iamRef = useRef<IamResult | null>(null);
  const liveRef = useRef<LiveFindings | null>(null);
  /** The static part of a server answer, until the live analysis of the same version is there. */
  const serverStatic = useRef<LiveFindings | null>(null);
  const [fix, setFix] = useState<FixResult | null>(null);
  const [fixing, setFixing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Something about the loaded text the user must know (not an error: the text is loaded). */
  const [warning, setWarning] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [cursor, setCursor] = useState<CursorPosition>({ line: 1, column: 1 });
  const [iam, setIam] = useState<IamState>({ status: 'loading' });
  const iamStateRef = useRef(iam);
  iamStateRef.current = iam;
  /** The IAM part of the last validation, for the IAM panel (streams in). */
  const [iamView, setIamView] = useState<IamView | null>(null);
  const iamViewRef = useRef(iamView);
  iamViewRef.current = iamView;
  const [snapshot, setSnapshot] = useState<BrowserSnapshot | null>(null);
  const snapshotRef = useRef(snapshot);
  snapshotRef.current = snapshot;
  const [snapshotBusy, setSnapshotBusy] = useState(false);
  const [snapshotError, setSnapshotError] = useState<string | null>(null);
  const iamWorker = useRef<IamWorkerClient | null>(null);
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [sampleId, setSampleId] = useState('');
  const [headProfile, setHeadProfile] = useState('');
  const headProfileRef = useRef(headProfile);
  headProfileRef.current = headProfile;
  const [dragging, setDragging] = useState(false);
  /** What the open Share dialog shares (the text and findings when it opened); null: closed. */
  const [share, setShare] = useState<ShareInput | null>(null);
  /**
   * The Fix panel is unmounted while the Share dialog is open and for one task after: both diffs
   * use the same Monaco model paths (editor/DiffView.tsx), which are disposed a task after unmount.
   */
  const [fixHeld, setFixHeld] = useState(false);

  // The IAM source and the samples, once.
  useEffect(() => {
    const ac = new AbortController();
    getIam(ac.signal)
      .then((info) => {
        setIam({ status: 'ready', info });
        // With a snapshot uploaded, the picker lists its profiles, not the server's.
        // No profile is preselected: "Server's choice" lets the server pick one whose role would work
        // as this config's head (never merely the first that trusts EC2, which may be an admin role).
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setIam({ status: 'error', message: describeError(e) });
      });
    getSamples(ac.signal)
      .then(setSamples)
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setSamples([]);
        if (!ac.signal.aborted) setError(`Samples: ${describeError(e)}`);
      });
    return () => ac.abort();
  }, []);

  const getIamWorker = useCallback(() => (iamWorker.current ??= createIamWorkerClient()), []);
  useEffect(
    () => () => {
      iamWorker.current?.dispose();
      iamWorker.current = null;
    },
    [],
  );

  // Warn before leaving the page with edits that exist nowhere else.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      const handle = editor.current;
      if (handle && handle.getText() !== loaded.current) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  useEffect(() => {
    if (!fixHeld) return;
    const t = setTimeout(() => setFixHeld(false), 0);
    return () => clearTimeout(t);
  }, [fixHeld]);

  /** Compare the live and the server's static findings once both exist for the same version. */
  const checkAgreement = useCallback(() => {
    const server = serverStatic.current;
    const mine = liveRef.current;
    if (!server || !mine || server.version !== mine.version) return;
    serverStatic.current = null;
    const diff = disagreement(mine.findings, server.findings);
    const tally = (window.__rayguardAgreement ??= { checked: 0, disagreed: 0 });
    tally.checked++;
    if (diff) tally.disagreed++;
    // A bug in Rayguard, not in the config: loud, so that the end-to-end tests fail on it.
    if (diff) console.error(`Rayguard: the live check and the server disagree on the same text: ${diff}`);
  }, []);

  /** Server validation: the same static findings as the live analysis, plus the IAM findings. */
  const validate = useCallback(async (nameOverride?: string) => {
    const handle = editor.current;
    if (!handle) return;
    const name = nameOverride ?? fileName;
    const body = { text: handle.getText(), fileName: name };
    const version = handle.getVersion();
    handle.analyzeNow();
    const seq = ++validateSeq.current;
    setError(null);
    setValidateError(null);
    const tooLarge = tooLargeMessage(utf8Length(body.text), 'The text');
    if (tooLarge) {
      // Not sent: the server would refuse it anyway.
      setValidating(false);
      setValidateError(tooLarge);
      setError(`Validate: ${tooLarge}`);
      return;
    }
    setValidating(true);
    // With a snapshot uploaded in this browser, IAM runs here in a worker and the server only
    // contributes the static findings (compared with the live ones). The snapshot is never sent.
    const snap = snapshotRef.current;
    const origin = snap ? 'browser' : 'server';
    const serverState = iamStateRef.current;
    setIamView({
      origin,
      source: snap ? snap.summary.source : serverState.status === 'ready' ? sourceOfInfo(serverState.info) : null,
      cards: [],
      done: false,
      policy: null,
      policyGaps: [],
      error: null,
      fileName: name,
    });
    const isCurrent = () => seq === validateSeq.current;
    const onCard = (card: ProfileCard) => {
      if (isCurrent()) setIamView((v) => (v ? { ...v, cards: upsertCard(v.cards, card) } : v));
    };
    try {
      const serverRun = validateStream(body.text, body.fileName, (event) => {
        if (!isCurrent() || snap) return;
        if (event.type === 'source') setIamView((v) => (v ? { ...v, source: event.source } : v));
        else if (event.type === 'card') onCard(event.card);
      }, undefined, snap ? { iam: false } : {});
      const browserRun = snap ? getIamWorker().analyze(body.text, { files: snap.files, key: snap.key }, onCard) : null;
      // Awaited below; a failure before then must not count as unhandled.
      browserRun?.catch(() => {});
      const { report, iam: serverIam } = await serverRun;
      const browser = browserRun ? await browserRun : null;
      if (seq !== validateSeq.current) return;
      const findings = report.files.flatMap((f) => f.findings);
      const iamFindings = browser ? browser.findings.filter(isIamFinding) : findings.filter(isIamFinding);
      const outcome: IamOutcome | null = browser
        ? { source: browser.source, cards: browser.cards, policy: browser.policy, policyGaps: browser.policyGaps }
        : serverIam;
      setIamView((v) => ({
        origin,
        source: outcome?.source ?? v?.source ?? null,
        cards: outcome?.cards ?? [],
        done: true,
        policy: outcome?.policy ?? null,
        policyGaps: outcome?.policyGaps ?? [],
        error: null,
        fileName: name,
      }));
      const result: IamResult = { findings: iamFindings, at: Date.now(), version, fileName: name };
      iamRef.current = result;
      setIamResult(result);
      handle.showIamFindings(result.findings);
      setIamStale(handle.getVersion() !== version);
      const staticFindings = findings.filter((f) => !isIamFinding(f));
      serverStatic.current = { findings: staticFindings, version };
      checkAgreement();
      // Without the live analysis the server's static findings stand in (they are the same).
      if (liveStatusRef.current.state === 'failed' && handle.getVersion() === version) setLive({ findings: staticFindings, version });
    } catch (e) {
      if (seq === validateSeq.current) {
        const message =
          e instanceof IamWorkerError || e instanceof SnapshotRejected ? `the IAM check against the uploaded snapshot failed (${e.message})` : describeError(e);
        setValidateError(message);
        setError(`Validate failed: ${message}`);
        setIamView((v) => (v ? { ...v, done: true, error: message } : v));
      }
    } finally {
      if (seq === validateSeq.current) setValidating(false);
    }
  }, [fileName, checkAgreement, getIamWorker]);

  // The editor's Ctrl+Enter action is registered once; it calls the latest validate.
  const validateRef = useRef(validate);
  validateRef.current = validate;

  const onEditorReady = useCallback((handle: EditorHandle) => {
    editor.current = handle;
    setEditorVersion(handle.getVersion());
    setReady(true);
  }, []);

  const onEditorChange = useCallback((version: number) => {
    setEditorVersion(version);
    setIamStale(iamRef.current !== null && version !== iamRef.current.version);
  }, []);

  const onLiveFindings = useCallback((result: LiveFindings) => {
    liveRef.current = result;
    const current = editor.current?.getVersion() ?? result.version;
    setIamStale(iamRef.current !== null && current !== iamRef.current.version);
    checkAgreement();
    // The markers are already set; the panel may render a moment later without holding up typing.
    startTransition(() => {
      setLive(result);
      setEditorVersion(current);
      if (result.version === current) setAwaitingLoad(false);
    });
  }, [checkAgreement]);

  /** Quick fixes that need IAM (the head's instance profile, a role ARN) are computed by the server. */
  const serverFix = useCallback(async ({ text, target, fix }: ServerFixRequest): Promise<ServerFixResult | null> => {
    let profiles: Record<string, string> | undefined;
    if (fix === 'add-instance-profile' && headProfileRef.current) {
      const head = await headNodeTypeOf(text);
      if (head) profiles = { [head]: headProfileRef.current };
    }
    try {
      const res = await fixText(text, { fixes: [fix], targets: [target], ...(profiles ? { profiles } : {}) });
      return { text: res.text, skipped: res.skipped ?? [] };
    } catch (e) {
      setError(`Quick fix failed: ${describeError(e)}`);
      return null;
    }
  }, []);

  const onEditorNotice = useCallback((message: string) => setNotice({ message }), []);

  const onValidateShortcut = useCallback(() => void validateRef.current(), []);

  /** Put new text in the editor as one undoable edit, remember what it replaced, validate it. */
  const loadText = useCallback((newText: string, newName: string, what: string) => {
    const handle = editor.current;
    if (!handle) return;
    const previousText = handle.getText();
    const previous = previousText !== newText && previousText.trim() !== '' ? { text: previousText, fileName } : undefined;
    // The previous text's IAM findings are dropped, and its static findings hidden until the
    // live analysis of the new text arrives.
    iamRef.current = null;
    setIamResult(null);
    setIamView(null);
    setIamStale(false);
    setValidateError(null);
    // A Fix still running is for the text being replaced: its answer is dropped.
    ++fixSeq.current;
    setFixing(false);
    handle.showIamFindings([]);
    handle.replaceText(newText);
    const version = handle.getVersion();
    setEditorVersion(version);
    setAwaitingLoad(liveRef.current?.version !== version);
    // The editor keeps one kind of line ending: it turns lone CRs (old Mac files) and mixed line
    // endings into the majority kind. Say so: the file on disk still has them.
    const inEditor = handle.getText();
    loaded.current = inEditor;
    let message = what;
    setWarning(null);
    if (inEditor !== newText) {
      if (/\r(?!\n)/.test(newText)) {
        message += ' Its line endings were converted.';
        setWarning(
          `${newName} has carriage-return-only line endings (old Mac style), which the CLI and the API report as RG101. ` +
            'The editor turned them into line feeds and checks that text; save the file with LF line endings (or download it after Fix).',
        );
      } else {
        message += ' Its mixed line endings were made uniform in the editor.';
      }
    }
    setFileName(newName);
    setNotice({ message, previous });
    void validateRef.current(newName);
  }, [fileName]);

  const openFile = useCallback(async (file: File) => {
    setError(null);
    let content: string;
    try {
      content = await readTextFile(file);
    } catch (e) {
      // Refused (too large, not UTF-8, binary) or unreadable: nothing else changes.
      setError(e instanceof FileRefused ? `Not opened. ${e.message}` : `Could not read ${file.name}.`);
      return;
    }
    setFix(null);
    setSampleId('');
    loadText(content, file.name, `Opened ${file.name}${looksLikeYamlName(file.name) ? '' : ' (not a .yaml/.yml name)'}.`);
  }, [loadText]);

  const onFileInput = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = ''; // so the same file can be opened again
    if (file) void openFile(file);
  };

  const onSample = async (e: ChangeEvent<HTMLSelectElement>) => {
    const id = e.target.value;
    setSampleId(id);
    if (!id) return;
    setError(null);
    try {
      const content = await getSampleText(id);
      const title = samples?.find((s) => s.id === id)?.title ?? id;
      setFix(null);
      loadText(content, `${id}.yaml`, `Loaded sample “${title}”.`);
    } catch (err) {
      setError(`Sample failed: ${describeError(err)}`);
    }
  };

  const runFix = useCallback(async () => {
    const handle = editor.current;
    if (!handle) return;
    const original = handle.getText();
    const version = handle.getVersion();
    const seq = ++fixSeq.current;
    setError(null);
    const tooLarge = tooLargeMessage(utf8Length(original), 'The text');
    if (tooLarge) {
      setFix(null);
      setFixing(false);
      setError(`Fix: ${tooLarge}`);
      return;
    }
    setFixing(true);
    try {
      let profiles: Record<string, string> | undefined;
      if (headProfile) {
        const head = await headNodeTypeOf(original);
        if (head) profiles = { [head]: headProfile };
      }
      const res = await fixText(original, profiles ? { profiles } : {});
      if (seq !== fixSeq.current) return;
      const applied = res.applied ?? [];
      setFix({
        original, corrected: res.text, applied, offered: applied, rejected: [], headProfiles: profiles ?? {}, chosen: {}, updating: false,
        skipped: skippedOf(res), fileName, version, inEditorVersion: null,
      });
      requestAnimationFrame(() => document.getElementById('fix-panel')?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
    } catch (e) {
      if (seq === fixSeq.current) {
        // No corrected config: an earlier one (of another text) must not stay on screen as the answer.
        setFix(null);
        setError(`Fix failed: ${describeError(e)}`);
      }
    } finally {
      if (seq === fixSeq.current) setFixing(false);
    }
  }, [fileName, headProfile]);

  /**
   * Review: the user rejects or accepts one correction, or chooses a worker's profile. The server
   * corrects the same original again with the rejected ones excluded; the list keeps every
   * correction offered so that a rejected one can be taken back.
   */
  const refix = useCallback(async (base: FixResult, change: { rejected?: string[]; chosen?: Record<string, string> }) => {
    const rejected = change.rejected ?? base.rejected;
    const chosen = change.chosen ?? base.chosen;
    const seq = ++fixSeq.current;
    setFix({ ...base, rejected, chosen, updating: true });
    try {
      const exclude = base.offered
        .filter((a) => a.column !== undefined && rejected.includes(fixKey(a)))
        .map((a) => ({ ruleId: a.ruleId, line: a.line, column: a.column! }));
      const res = await fixText(base.original, { profiles: { ...base.headProfiles, ...chosen }, ...(exclude.length ? { exclude } : {}) });
      if (seq !== fixSeq.current) return;
      const applied = res.applied ?? [];
      const offered = [...applied, ...base.offered.filter((a) => rejected.includes(fixKey(a)))].sort(
        (x, y) => x.line - y.line || (x.column ?? 0) - (y.column ?? 0),
      );
      setFix({ ...base, rejected, chosen, corrected: res.text, applied, offered, skipped: skippedOf(res), updating: false, inEditorVersion: null });
    } catch (e) {
      if (seq !== fixSeq.current) return;
      setError(`Fix failed: ${describeError(e)}`);
      setFix({ ...base, updating: false });
    }
  }, []);

  const toggleFix = useCallback(
    (key: string) => {
      if (!fix || fix.updating) return;
      const rejected = fix.rejected.includes(key) ? fix.rejected.filter((k) => k !== key) : [...fix.rejected, key];
      void refix(fix, { rejected });
    },
    [fix, refix],
  );

  const chooseProfile = useCallback(
    (nodeType: string, arn: string) => {
      if (!fix || fix.updating || !arn) return;
      void refix(fix, { chosen: { ...fix.chosen, [nodeType]: arn } });
    },
    [fix, refix],
  );

  const download = useCallback(() => {
    if (fix) saveText(fix.corrected, fixedFileName(fix.fileName));
  }, [fix]);

  const useCorrected = useCallback(() => {
    if (!fix) return;
    const left = fix.skipped.length;
    loadText(
      fix.corrected,
      fix.fileName,
      left ? `Loaded the corrected text into the editor; ${left} ${left === 1 ? 'finding was' : 'findings were'} not fixed.` : 'Loaded the corrected text into the editor.',
    );
    setFix({ ...fix, inEditorVersion: editor.current?.getVersion() ?? null });
  }, [fix, loadText]);

  // "Validate again now" on a shared page: its config arrives as an editable copy (sharedCopy.ts).
  const sharedCopyTaken = useRef(false);
  useEffect(() => {
    if (!ready || sharedCopyTaken.current) return;
    sharedCopyTaken.current = true;
    const copy = takeSharedCopy();
    if (!copy) return;
    window.history.replaceState(null, '', '/');
    loadText(copy.text, copy.fileName, `Opened an editable copy of the shared ${copy.fileName}.`);
  }, [ready, loadText]);

  const restorePrevious = () => {
    if (!notice?.previous) return;
    const { text: prevText, fileName: prevName } = notice.previous;
    setSampleId('');
    loadText(prevText, prevName, `Restored the previous text of ${prevName}.`);
  };

  /** Use `next` (or the server's source, for null) from now on; the last validation is redone against it. */
  const applySnapshot = useCallback((next: BrowserSnapshot | null, revalidate: boolean) => {
    setSnapshot(next);
    snapshotRef.current = next;
    // The head-profile picker lists the profiles of the source in use.
    const server = iamStateRef.current;
    const usable = next ? next.summary.profiles.filter((p) => p.usable) : server.status === 'ready' ? server.info.profiles.filter((p) => p.usable) : [];
    setHeadProfile((current) => (usable.some((p) => p.arn === current) ? current : ''));
    if (revalidate && editor.current && iamViewRef.current) void validateRef.current();
  }, []);

  // A snapshot uploaded earlier in this tab is still there after a reload.
  useEffect(() => {
    const stored = loadStoredSnapshot();
    if (!stored) return;
    let cancelled = false;
    setSnapshotBusy(true);
    getIamWorker()
      .readSnapshot(stored)
      .then((summary) => {
        if (!cancelled) applySnapshot({ ...stored, summary, persisted: true }, true);
      })
      .catch(() => {
        if (cancelled) return;
        clearStoredSnapshot();
        setSnapshotError('The IAM snapshot kept for this tab could not be read again, so the server\'s IAM source is used. Upload it again to check against it.');
      })
      .finally(() => {
        if (!cancelled) setSnapshotBusy(false);
      });
    return () => {
      cancelled = true;
    };
  }, [getIamWorker, applySnapshot]);

  /** Read snapshot files in the browser; files that are not a snapshot change nothing. */
  const onSnapshotUpload = useCallback(
    async (files: File[]) => {
      setSnapshotError(null);
      setSnapshotBusy(true);
      try {
        const texts = await readSnapshotFiles(files);
        const key = snapshotKey(texts);
        const summary = await getIamWorker().readSnapshot({ files: texts, key });
        const persisted = storeSnapshot({ files: texts, key });
        applySnapshot({ files: texts, key, summary, persisted }, true);
        setNotice({ message: `Loaded the IAM snapshot ${summary.source.label}: IAM is checked in this browser.` });
      } catch (e) {
        setSnapshotError(
          e instanceof SnapshotRefused || e instanceof SnapshotRejected || e instanceof IamWorkerError ? e.message : 'The snapshot could not be read.',
        );
      } finally {
        setSnapshotBusy(false);
      }
    },
    [getIamWorker, applySnapshot],
  );

  const onUseServerSource = useCallback(() => {
    clearStoredSnapshot();
    setSnapshotError(null);
    // The worker holds the parsed snapshot: let it go.
    iamWorker.current?.dispose();
    iamWorker.current = null;
    applySnapshot(null, true);
    setNotice({ message: 'Dropped the uploaded IAM snapshot: IAM is checked by the server again.' });
  }, [applySnapshot]);

  const onDismissSnapshotError = useCallback(() => setSnapshotError(null), []);

  const onSelectFinding = useCallback((f: Finding) => editor.current?.reveal(f.line, f.column), []);
  const onRevealLine = useCallback((line: number) => {
    editor.current?.reveal(line, 1);
    document.querySelector('[data-testid="editor"]')?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, []);

  // Drag and drop of a file onto the editor area.
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    setDragging(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setDragging(false);
    const file = e.dataTransfer?.files?.[0];
    if (file) void openFile(file);
  };

  /** Profiles for a worker's "choose a profile": any with a role EC2 may assume. */
  const allProfiles = useMemo(
    () => (snapshot ? snapshot.summary.profiles : iam.status === 'ready' ? iam.info.profiles : []).filter((p) => p.usable).map((p) => ({ arn: p.arn, name: p.name })),
    [iam, snapshot],
  );
  const usableProfiles = useMemo(
    () => (snapshot ? snapshot.summary.profiles : iam.status === 'ready' ? iam.info.profiles : []).filter((p) => p.usable),
    [iam, snapshot],
  );
  const iamCurrent = useMemo<IamSourceView>(
    () =>
      snapshot
        ? { status: 'ready', info: snapshot.summary.source }
        : iam.status === 'ready'
          ? { status: 'ready', info: sourceOfInfo(iam.info) }
          : iam.status === 'error'
            ? { status: 'error', info: null, message: iam.message }
            : { status: 'loading', info: null },
    [iam, snapshot],
  );
  const snapshotView = useMemo<BrowserSnapshotView | null>(
    () =>
      snapshot && {
        source: snapshot.summary.source,
        files: snapshot.files.map((f) => f.name),
        profileCount: snapshot.summary.profiles.length,
        usableCount: snapshot.summary.profiles.filter((p) => p.usable).length,
        persisted: snapshot.persisted,
      },
    [snapshot],
  );
  // Static findings live, IAM findings from the last server validation.
  const findings = useMemo(
    () =>
      live === null
        ? null
        : iamResult && iamResult.findings.length > 0
          ? [...live.findings, ...iamResult.findings].sort(compareFindings)
          : live.findings,
    [live, iamResult],
  );
  // Findings of another version of the text are never shown as current: dimmed after an edit,
  // hidden after a load.
  const findingsState: FindingsState =
    live !== null && live.version === editorVersion ? 'current' : live === null || awaitingLoad ? 'loading' : 'checking';
  const iamCheck = useMemo<IamCheck | null>(
    () => (iamResult ? { at: iamResult.at, stale: iamStale, count: iamResult.findings.length } : null),
    [iamResult, iamStale],
  );
  const onValidateClick = useCallback(() => void validateRef.current(), []);
  // A link shares one validation: the text validated, its findings, its IAM source.
  const shareBlocked =
    !ready || !iamResult
      ? 'Validate first: a link shares the findings of a validation'
      : validating || iamStale || findingsState !== 'current' || live?.version !== iamResult.version
        ? 'The text changed since the last validation: validate again to share it'
        : null;
  const openShare = () => {
    const handle = editor.current;
    if (shareBlocked || !handle || !iamResult || !findings) return;
    const source = iamView?.source ?? null;
    setShare({
      text: handle.getText(),
      fileName,
      findings,
      computedAt: new Date(iamResult.at).toISOString(),
      iamSource: source && { kind: source.kind, label: source.label, ...(source.accountId ? { accountId: source.accountId } : {}) },
    });
  };
  const closeShare = useCallback(() => {
    setShare(null);
    setFixHeld(true);
  }, []);
  // What the editor holds compared with the last Fix (one value, so typing does not re-render the panel).
  const fixEditorState: FixEditorState = !fix
    ? 'changed'
    : fix.inEditorVersion !== null && editorVersion === fix.inEditorVersion
      ? 'corrected'
      : editorVersion === fix.version
        ? 'original'
        : 'changed';

  return (
    <div className="app">
      <AppHeader current="dashboard" newTabLinks>
        <IamBanner state={iam} snapshot={snapshot?.summary.source ?? null} />
      </AppHeader>

      <div className="toolbar" role="toolbar" aria-label="Config">
        <div className="file-chip" data-testid="file-name" title="Current file name">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M3 1.5h6.5L13 5v9.5H3z" fill="none" stroke="currentColor" strokeWidth="1.2" />
            <path d="M9.5 1.5V5H13" fill="none" stroke="currentColor" strokeWidth="1.2" />
          </svg>
          <span>{fileName}</span>
        </div>

        <label className="select-wrap">
          <span className="visually-hidden">Samples</span>
          <select data-testid="samples" value={sampleId} onChange={onSample} disabled={!ready || !samples || samples.length === 0}>
            <option value="">{samples === null ? 'Samples…' : samples.length ? 'Open a sample…' : 'No samples'}</option>
            {samples?.map((s) => (
              <option key={s.id} value={s.id} title={s.description}>
                {s.title}
              </option>
            ))}
          </select>
        </label>

        <button type="button" className="btn" onClick={() => fileInput.current?.click()} disabled={!ready} data-testid="open-file">
          Open file…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".yaml,.yml,application/yaml,text/yaml"
          className="visually-hidden"
          tabIndex={-1}
          onChange={onFileInput}
          data-testid="file-input"
        />

        <span className="toolbar-sep" aria-hidden="true" />

        <button
          type="button"
          className="btn primary"
          onClick={() => void validate()}
          disabled={!ready || validating}
          data-testid="validate"
          title="Validate (Ctrl+Enter in the editor)"
        >
          {validating ? <span className="spinner light" aria-hidden="true" /> : null}
          {validating ? 'Validating…' : 'Validate'}
          <kbd className="shortcut">Ctrl+↵</kbd>
        </button>

        <button type="button" className="btn" onClick={() => void runFix()} disabled={!ready || fixing} data-testid="fix" title="Compute a corrected config">
          {fixing ? <span className="spinner" aria-hidden="true" /> : null}
          {fixing ? 'Fixing…' : 'Fix'}
        </button>

        <label className="select-wrap labelled" title="Instance profile the fix adds to the head node type when it has none">
          <span className="select-label">Head profile</span>
          <select data-testid="head-profile" value={headProfile} onChange={(e) => setHeadProfile(e.target.value)} disabled={!snapshot && iam.status !== 'ready'}>
            <option value="">Server's choice</option>
            {usableProfiles.map((p) => (
              <option key={p.arn} value={p.arn} title={p.arn}>
                {p.name}
                {p.roleName ? ` (role ${p.roleName})` : ''}
              </option>
            ))}
          </select>
        </label>

        <button
          type="button"
          className="btn"
          onClick={download}
          disabled={!fix}
          data-testid="download"
          title={
            !fix
              ? 'Run Fix first'
              : fix.skipped.length
                ? `Save the partly corrected config as ${fixedFileName(fix.fileName)}: ${fix.skipped.length} ${fix.skipped.length === 1 ? 'finding' : 'findings'} not fixed`
                : `Save the corrected config as ${fixedFileName(fix.fileName)}`
          }
        >
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M8 2v8M4.5 6.8L8 10.3l3.5-3.5M2.5 13.5h11" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          Download
        </button>

        <button
          type="button"
          className="btn"
          onClick={openShare}
          disabled={shareBlocked !== null}
          data-testid="share"
          title={shareBlocked ?? 'Share this validation as a link; credentials are redacted in this browser first'}
        >
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M6.5 9.5l3-3M7 4.5l1.2-1.2a2.6 2.6 0 013.7 3.7L10.7 8.2M9 11.5l-1.2 1.2a2.6 2.6 0 01-3.7-3.7L5.3 7.8" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
          </svg>
          Share
        </button>
      </div>

      {error && (
        <div className="alert" role="alert" data-testid="error">
          <strong>Error.</strong> {error}
          <button type="button" className="alert-close" aria-label="Dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}

      {warning && (
        <div className="alert warn" role="status" data-testid="warning">
          <strong>Note.</strong> {warning}
          <button type="button" className="alert-close" aria-label="Dismiss" onClick={() => setWarning(null)}>
            ×
          </button>
        </div>
      )}

      <main className="workspace">
        <section
          className={`editor-pane${dragging ? ' dragging' : ''}`}
          aria-label="Config editor"
          data-testid="editor-dropzone"
          onDragEnter={onDragEnter}
          onDragOver={onDragOver}
          onDrop={onDrop}
        >
          <div className="editor-host" data-testid="editor">
            <YamlEditor
              defaultValue={STARTER_TEXT}
              onChange={onEditorChange}
              onReady={onEditorReady}
              onValidateShortcut={onValidateShortcut}
              onCursorChange={setCursor}
              onLiveFindings={onLiveFindings}
              onLiveStatus={setLiveStatus}
              serverFix={serverFix}
              onNotice={onEditorNotice}
            />
          </div>
          {dragging && (
            <div
              className="drop-overlay"
              data-testid="drop-overlay"
              onDragOver={onDragOver}
              onDragLeave={() => setDragging(false)}
              onDrop={onDrop}
            >
              <div>Drop a .yaml file to open it</div>
            </div>
          )}
          <footer className="status-bar">
            <span data-testid="cursor-position">
              Ln {cursor.line}, Col {cursor.column}
            </span>
            <span>YAML</span>
            <span>{fileName}</span>
            <span
              className={`live-status live-${liveStatus.state === 'failed' ? 'failed' : findingsState === 'current' ? liveStatus.state : 'checking'}`}
              data-testid="live-status"
              title="Static checks and credential detection run in a worker as you type"
            >
              {liveStatus.state === 'failed' ? 'Live check stopped' : liveStatus.state === 'checking' || findingsState !== 'current' ? 'Live check…' : 'Live check ✓'}
            </span>
            {iamCheck?.stale && <span className="status-edited">IAM not checked since the last edit</span>}
            <span className="status-notice" aria-live="polite">
              {notice && (
                <>
                  <span className="notice" data-testid="notice" title={notice.message}>
                    {notice.message}
                  </span>
                  {notice.previous && (
                    <button type="button" className="link-btn" onClick={restorePrevious} data-testid="restore-previous">
                      Restore previous text
                    </button>
                  )}
                </>
              )}
            </span>
          </footer>
        </section>

        <FindingsPanel
          findings={findings}
          state={findingsState}
          validating={validating}
          serverError={validateError}
          iam={iamCheck}
          liveError={liveStatus.state === 'failed' ? liveStatus.message : null}
          fileName={fileName}
          onSelect={onSelectFinding}
          onValidate={onValidateClick}
        />
      </main>

      <IamPanel
        current={iamCurrent}
        snapshot={snapshotView}
        view={iamView}
        stale={iamStale}
        snapshotBusy={snapshotBusy}
        snapshotError={snapshotError}
        onUpload={onSnapshotUpload}
        onUseServer={onUseServerSource}
        onDismissSnapshotError={onDismissSnapshotError}
        onValidate={onValidateClick}
      />

      {fix && !share && !fixHeld && (
        <FixPanel
          result={fix}
          editorState={fixEditorState}
          onDownload={download}
          onUseCorrected={useCorrected}
          onClose={() => setFix(null)}
          onReveal={onRevealLine}
          onToggle={toggleFix}
          onChooseProfile={chooseProfile}
          profileOptions={allProfiles}
        />
      )}

      {share && <ShareDialog input={share} onClose={closeShare} />}
    </div>
  );
}
