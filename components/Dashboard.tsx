'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import type { Finding } from '@/lib/findings/types';
import { AppHeader } from './AppHeader';
import { FindingsPanel } from './FindingsPanel';
import { IamBanner, type IamState } from './IamBanner';
import { FixPanel, type FixResult } from './FixPanel';
import { describeError, fixText, getIam, getSampleText, getSamples, validateText, type Sample } from './api';
import { DEFAULT_FILE_NAME, fixedFileName, looksLikeYamlName, readTextFile, saveText } from './files';
import { headNodeTypeOf } from './headNodeType';
import { STARTER_TEXT } from './starter';
import type { CursorPosition, EditorHandle } from './editor/handle';

// Monaco touches `window` on import: load it in the browser only.
const YamlEditor = dynamic(() => import('./editor/YamlEditor'), {
  ssr: false,
  loading: () => <div className="editor-loading">Loading editor…</div>,
});

interface Validation {
  findings: Finding[];
  fileName: string;
}

interface Notice {
  message: string;
  /** The text (and name) a load replaced, so one click brings it back. */
  previous?: { text: string; fileName: string };
}

export function Dashboard() {
  const editor = useRef<EditorHandle | null>(null);
  const text = useRef(STARTER_TEXT);
  /** The last text loaded from a file, sample or the fix; unsaved edits differ from it. */
  const loaded = useRef(STARTER_TEXT);
  const validateSeq = useRef(0);
  const fixSeq = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);

  const [ready, setReady] = useState(false);
  const [fileName, setFileName] = useState(DEFAULT_FILE_NAME);
  const [validation, setValidation] = useState<Validation | null>(null);
  const [validating, setValidating] = useState(false);
  const [stale, setStale] = useState(false);
  const [fix, setFix] = useState<FixResult | null>(null);
  const [fixing, setFixing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [cursor, setCursor] = useState<CursorPosition>({ line: 1, column: 1 });
  const [iam, setIam] = useState<IamState>({ status: 'loading' });
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [sampleId, setSampleId] = useState('');
  const [headProfile, setHeadProfile] = useState('');
  const [dragging, setDragging] = useState(false);

  // The IAM source and the samples, once.
  useEffect(() => {
    const ac = new AbortController();
    getIam(ac.signal)
      .then((info) => {
        setIam({ status: 'ready', info });
        setHeadProfile((current) => current || (info.profiles.find((p) => p.usable)?.arn ?? ''));
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

  // Warn before leaving the page with edits that exist nowhere else.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (text.current !== loaded.current) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  const validate = useCallback(async (override?: { text: string; fileName: string }) => {
    const handle = editor.current;
    if (!handle) return;
    const body = override ?? { text: handle.getText(), fileName };
    const seq = ++validateSeq.current;
    setValidating(true);
    setError(null);
    try {
      const report = await validateText(body.text, body.fileName);
      if (seq !== validateSeq.current) return;
      const findings = report.files.flatMap((f) => f.findings);
      handle.showFindings(findings);
      setValidation({ findings, fileName: body.fileName });
      setStale(handle.getText() !== body.text);
    } catch (e) {
      if (seq === validateSeq.current) setError(`Validate failed: ${describeError(e)}`);
    } finally {
      if (seq === validateSeq.current) setValidating(false);
    }
  }, [fileName]);

  // The editor's Ctrl+Enter action is registered once; it calls the latest validate.
  const validateRef = useRef(validate);
  validateRef.current = validate;

  const onEditorReady = useCallback((handle: EditorHandle) => {
    editor.current = handle;
    setReady(true);
  }, []);

  const onEditorChange = useCallback((value: string) => {
    text.current = value;
    setStale(true);
  }, []);

  const onValidateShortcut = useCallback(() => void validateRef.current(), []);

  /** Put new text in the editor as one undoable edit, remember what it replaced, validate it. */
  const loadText = useCallback((newText: string, newName: string, what: string) => {
    const handle = editor.current;
    if (!handle) return;
    const previousText = handle.getText();
    const previous = previousText !== newText && previousText.trim() !== '' ? { text: previousText, fileName } : undefined;
    handle.showFindings([]);
    handle.replaceText(newText);
    text.current = newText;
    loaded.current = newText;
    setFileName(newName);
    setValidation(null);
    setStale(false);
    setNotice({ message: what, previous });
    void validateRef.current({ text: newText, fileName: newName });
  }, [fileName]);

  const openFile = useCallback(async (file: File) => {
    setError(null);
    try {
      const content = await readTextFile(file);
      if (content.includes('\u0000')) throw new Error(`${file.name} is not a text file.`);
      setFix(null);
      setSampleId('');
      loadText(content, file.name, `Opened ${file.name}${looksLikeYamlName(file.name) ? '' : ' (not a .yaml/.yml name)'}.`);
    } catch (e) {
      setError(e instanceof Error ? `Open failed: ${e.message}` : 'Open failed.');
    }
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
    const seq = ++fixSeq.current;
    setFixing(true);
    setError(null);
    try {
      let profiles: Record<string, string> | undefined;
      if (headProfile) {
        const head = await headNodeTypeOf(original);
        if (head) profiles = { [head]: headProfile };
      }
      const res = await fixText(original, profiles ? { profiles } : {});
      if (seq !== fixSeq.current) return;
      setFix({ original, corrected: res.text, applied: res.applied, fileName, inEditor: false });
      requestAnimationFrame(() => document.getElementById('fix-panel')?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
    } catch (e) {
      if (seq === fixSeq.current) setError(`Fix failed: ${describeError(e)}`);
    } finally {
      if (seq === fixSeq.current) setFixing(false);
    }
  }, [fileName, headProfile]);

  const download = useCallback(() => {
    if (fix) saveText(fix.corrected, fixedFileName(fix.fileName));
  }, [fix]);

  const useCorrected = useCallback(() => {
    if (!fix) return;
    setFix({ ...fix, inEditor: true });
    loadText(fix.corrected, fix.fileName, 'Loaded the corrected text into the editor.');
  }, [fix, loadText]);

  const restorePrevious = () => {
    if (!notice?.previous) return;
    const { text: prevText, fileName: prevName } = notice.previous;
    loadText(prevText, prevName, `Restored the previous text of ${prevName}.`);
  };

  const onSelectFinding = useCallback((f: Finding) => editor.current?.reveal(f.line, f.column), []);

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

  const usableProfiles = useMemo(() => (iam.status === 'ready' ? iam.info.profiles.filter((p) => p.usable) : []), [iam]);
  const findings = validation?.findings ?? null;
  // Only meaningful once there are findings to be out of date.
  const edited = validation !== null && stale;

  return (
    <div className="app">
      <AppHeader current="dashboard" newTabLinks>
        <IamBanner state={iam} />
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
          <select data-testid="head-profile" value={headProfile} onChange={(e) => setHeadProfile(e.target.value)} disabled={iam.status !== 'ready'}>
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
          title={fix ? `Save the corrected config as ${fixedFileName(fix.fileName)}` : 'Run Fix first'}
        >
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M8 2v8M4.5 6.8L8 10.3l3.5-3.5M2.5 13.5h11" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          Download
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
            {edited && <span className="status-edited">edited since validation</span>}
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

        <FindingsPanel findings={findings} validating={validating} stale={edited} fileName={validation?.fileName ?? null} onSelect={onSelectFinding} />
      </main>

      {fix && <FixPanel result={fix} onDownload={download} onUseCorrected={useCorrected} onClose={() => setFix(null)} />}
    </div>
  );
}
