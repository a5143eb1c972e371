'use client';

import { useCallback, useRef } from 'react';
import Editor, { type OnMount } from '@monaco-editor/react';
import { EDITOR_MODEL_PATH, monaco } from './setup';
import { toCodePointColumn, toMonacoColumn } from './columns';
import type { CursorPosition, EditorHandle, LiveFindings, LiveStatus, ServerFixRequest, ServerFixResult } from './handle';
import { createAnalysisClient } from './analysisClient';
import { markerKey, markerMessage } from './markers';
import { minimalReplacement } from './textEdit';
import type { Finding, FixId, Severity } from '@/lib/findings/types';
import { ruleDocsPath } from '@/lib/findings/catalogue';
import { FIX_DESCRIPTIONS } from '@/lib/fix/descriptions';

export interface YamlEditorProps {
  /** The initial text. The editor is uncontrolled: later changes go through the handle. */
  defaultValue: string;
  /** After every edit, with the new version (see EditorHandle.getVersion). */
  onChange: (version: number) => void;
  onReady: (handle: EditorHandle) => void;
  /** Ctrl/Cmd+Enter inside the editor. */
  onValidateShortcut: () => void;
  onCursorChange?: (position: CursorPosition) => void;
  /** The static findings of the text, live (markers are already set when this is called). */
  onLiveFindings: (result: LiveFindings) => void;
  onLiveStatus: (status: LiveStatus) => void;
  /** Fixes that need IAM (add-instance-profile, use-instance-profile-arn) go to the server. */
  serverFix: (req: ServerFixRequest) => Promise<ServerFixResult | null>;
  /** A short message for the status bar (a quick fix that could not be applied, ...). */
  onNotice: (message: string) => void;
  /**
   * Show the text only (a shared config): no editing, no live analysis, no quick fixes, no
   * Ctrl+Enter. Findings are shown through the handle's `showIamFindings`. Read at mount.
   */
  readOnly?: boolean;
}

declare global {
  interface Window {
    /** ms from "debounce fired" to "markers set", one entry per live analysis (for tests). */
    __rayguardTimings?: number[];
    /** ms of those spent in the worker's analyzeStatic (for tests). */
    __rayguardWorkerTimings?: number[];
    /** The live markers of the editor (for tests). */
    __rayguardMarkers?: () => Array<{ owner: string; ruleId: string; severity: Severity; line: number; column: number; endLine: number; endColumn: number }>;
  }
}

/** Wait after the last keystroke before analysing. */
export const LIVE_DEBOUNCE_MS = 200;
const LIVE_OWNER = 'rayguard';
const IAM_OWNER = 'rayguard-iam';
const QUICK_FIX_COMMAND = 'rayguard.applyQuickFix';
/** Corrections that ask IAM (the head's profile, a role's or a name's profile ARN): the server computes them. */
const SERVER_FIXES: ReadonlySet<FixId> = new Set(['add-instance-profile', 'use-instance-profile-arn', 'use-profile-arn-for-name', 'replace-default-profile']);

const SEVERITY: Record<Severity, monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  info: monaco.MarkerSeverity.Info,
};
const SEVERITY_NAME = new Map<monaco.MarkerSeverity, Severity>(Object.entries(SEVERITY).map(([k, v]) => [v, k as Severity]));

// Memoized once: a new options object on every render makes @monaco-editor/react call
// updateOptions, and a controlled value loses keystrokes (shared/STACK.md §3).
const OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  automaticLayout: true,
  fontSize: 13,
  lineHeight: 19,
  tabSize: 2,
  insertSpaces: true,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  renderWhitespace: 'selection',
  lineNumbersMinChars: 4,
  glyphMargin: false,
  folding: true,
  fixedOverflowWidgets: true,
  // Files dropped on the editor open as a file (handled by the dashboard), not as inserted text.
  dropIntoEditor: { enabled: false },
  scrollbar: { verticalScrollbarSize: 12, horizontalScrollbarSize: 12 },
  padding: { top: 6 },
  lightbulb: { enabled: monaco.editor.ShowLightbulbIconMode.On },
  // Below the line first: a hover above the first lines would cover the app's toolbar.
  hover: { delay: 250, above: false },
};
const READ_ONLY_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  ...OPTIONS,
  readOnly: true,
  // Monaco draws marker squiggles in editable editors only unless told otherwise.
  renderValidationDecorations: 'on',
  lightbulb: { enabled: monaco.editor.ShowLightbulbIconMode.Off },
};

export default function YamlEditor(props: YamlEditorProps) {
  // The callbacks change identity between renders; the editor keeps the latest through a ref.
  const latest = useRef(props);
  latest.current = props;

  const onMount = useCallback<OnMount>((editor) => {
    const readOnly = latest.current.readOnly === true;
    const model = () => editor.getModel();
    const disposables: monaco.IDisposable[] = [];
    const client = createAnalysisClient();
    /** Findings behind the markers of both owners, by marker key, for the quick fixes. */
    const findingsByMarker = new Map<string, Finding>();
    const markerSets: Record<string, { findings: Finding[]; markers: monaco.editor.IMarkerData[] }> = {};
    const timings: number[] = (window.__rayguardTimings = []);
    const workerTimings: number[] = (window.__rayguardWorkerTimings = []);

    const setMarkers = (owner: string, findings: readonly Finding[]) => {
      const m = model();
      if (!m) return;
      const lineCount = m.getLineCount();
      const markers = findings.map((f): monaco.editor.IMarkerData => {
        const startLine = Math.min(Math.max(1, f.line), lineCount);
        const endLine = Math.min(Math.max(startLine, f.endLine), lineCount);
        const range = m.validateRange({
          startLineNumber: startLine,
          startColumn: toMonacoColumn(m.getLineContent(startLine), f.column),
          endLineNumber: endLine,
          endColumn: toMonacoColumn(m.getLineContent(endLine), f.endColumn),
        });
        return {
          severity: SEVERITY[f.severity],
          message: markerMessage(f),
          source: 'rayguard',
          code: { value: f.ruleId, target: monaco.Uri.parse(window.location.origin + ruleDocsPath(f.ruleId)) },
          startLineNumber: range.startLineNumber,
          startColumn: range.startColumn,
          endLineNumber: range.endLineNumber,
          endColumn: range.endColumn,
        };
      });
      markerSets[owner] = { findings: findings.slice(), markers };
      findingsByMarker.clear();
      for (const set of Object.values(markerSets)) set.markers.forEach((mk, i) => findingsByMarker.set(markerKey(set.findings[i].ruleId, mk), set.findings[i]));
      monaco.editor.setModelMarkers(m, owner, markers);
    };

    // ---- live analysis: debounced, in the worker, stale answers dropped ----
    let debounce: ReturnType<typeof setTimeout> | undefined;
    const runLive = () => {
      clearTimeout(debounce);
      debounce = undefined;
      const m = model();
      if (!m) return;
      const start = performance.now();
      performance.mark('rayguard:debounce-fired', { startTime: start });
      const version = m.getAlternativeVersionId();
      latest.current.onLiveStatus({ state: 'checking' });
      client.analyze(m.getValue()).then(
        (res) => {
          if (!res || m.isDisposed()) return;
          const markersStart = performance.now();
          setMarkers(LIVE_OWNER, res.findings);
          const end = performance.now();
          performance.measure('rayguard:set-markers', { start: markersStart, end });
          performance.mark('rayguard:markers-set', { startTime: end });
          performance.measure('rayguard:analysis', { start, end });
          timings.push(end - start);
          workerTimings.push(res.workerMs);
          if (timings.length > 1000) {
            timings.splice(0, timings.length - 1000);
            workerTimings.splice(0, workerTimings.length - 1000);
            performance.clearMarks('rayguard:debounce-fired');
            performance.clearMarks('rayguard:markers-set');
            performance.clearMeasures('rayguard:analysis');
            performance.clearMeasures('rayguard:set-markers');
          }
          latest.current.onLiveStatus({ state: 'ready' });
          latest.current.onLiveFindings({ findings: res.findings, version });
        },
        (e: unknown) => {
          if (m.isDisposed()) return;
          latest.current.onLiveStatus({ state: 'failed', message: e instanceof Error ? e.message : 'the live analysis failed' });
        },
      );
    };
    const scheduleLive = () => {
      clearTimeout(debounce);
      debounce = setTimeout(runLive, LIVE_DEBOUNCE_MS);
    };

    // ---- quick fixes on rayguard markers ----
    const findingOf = (marker: monaco.editor.IMarkerData): Finding | undefined => {
      if (marker.source !== 'rayguard' || !marker.code || typeof marker.code === 'string') return undefined;
      return findingsByMarker.get(markerKey(marker.code.value, marker));
    };

    const applyQuickFix = async (f: Finding) => {
      const m = model();
      if (!m || !f.fix) return;
      const version = m.getVersionId();
      const text = m.getValue();
      const target = { ruleId: f.ruleId, line: f.line, column: f.column };
      let fixed: { text: string; skipped: Array<{ reason: string }> } | null;
      try {
        fixed = SERVER_FIXES.has(f.fix) ? await latest.current.serverFix({ text, target, fix: f.fix }) : await client.fix(text, target, f.fix);
      } catch (e) {
        latest.current.onNotice(`Quick fix failed: ${e instanceof Error ? e.message : 'unknown error'}.`);
        return;
      }
      if (!fixed || m.isDisposed()) return;
      if (m.getVersionId() !== version) {
        latest.current.onNotice('The text changed while the quick fix was computed; nothing was changed. Try again.');
        return;
      }
      const edit = minimalReplacement(text, fixed.text);
      if (!edit) {
        latest.current.onNotice(`Quick fix not applied: ${fixed.skipped[0]?.reason ?? 'the finding is no longer there'}.`);
        return;
      }
      const s = m.getPositionAt(edit.start);
      const e = m.getPositionAt(edit.end);
      // One undoable edit over the changed region only: Ctrl+Z restores the original.
      editor.pushUndoStop();
      editor.executeEdits('rayguard.quickFix', [
        { range: new monaco.Range(s.lineNumber, s.column, e.lineNumber, e.column), text: edit.text, forceMoveMarkers: true },
      ]);
      editor.pushUndoStop();
      // The edit can shorten a long line the view was scrolled along: show the line from its start.
      editor.setPosition(s);
      editor.setScrollLeft(0);
      editor.revealPosition(s);
      latest.current.onNotice(`Applied: ${FIX_DESCRIPTIONS[f.fix]} (${f.ruleId}, line ${f.line}). Ctrl+Z undoes it.`);
      runLive();
    };

    if (!readOnly) disposables.push(
      monaco.editor.registerCommand(QUICK_FIX_COMMAND, (_accessor: unknown, f: Finding) => void applyQuickFix(f)),
      monaco.languages.registerCodeActionProvider(
        'yaml',
        {
          provideCodeActions(m, _range, context) {
            if (m.uri.toString() !== model()?.uri.toString()) return { actions: [], dispose() {} };
            const actions: monaco.languages.CodeAction[] = [];
            const seen = new Set<string>();
            for (const marker of context.markers) {
              const f = findingOf(marker);
              if (!f?.fix) continue;
              const key = `${f.fix}|${f.ruleId}|${f.line}|${f.column}`;
              if (seen.has(key)) continue;
              seen.add(key);
              const title = `Rayguard: ${FIX_DESCRIPTIONS[f.fix]}`;
              actions.push({ title, kind: 'quickfix', isPreferred: true, diagnostics: [marker], command: { id: QUICK_FIX_COMMAND, title, arguments: [f] } });
            }
            return { actions, dispose() {} };
          },
        },
        { providedCodeActionKinds: ['quickfix'] },
      ),
    );

    if (!readOnly) editor.addAction({
      id: 'rayguard.validate',
      label: 'Rayguard: Validate',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => latest.current.onValidateShortcut(),
    });

    disposables.push(
      editor.onDidChangeModelContent(() => {
        const m = model();
        if (!m) return;
        if (!readOnly) scheduleLive();
        // An undo sets the alternative version id after its change events: read it afterwards.
        queueMicrotask(() => {
          if (!m.isDisposed()) latest.current.onChange(m.getAlternativeVersionId());
        });
      }),
      editor.onDidChangeCursorPosition((e) => {
        const m = model();
        if (!m) return;
        const lineText = m.getLineContent(e.position.lineNumber);
        latest.current.onCursorChange?.({ line: e.position.lineNumber, column: toCodePointColumn(lineText, e.position.column) });
      }),
    );

    window.__rayguardMarkers = () => {
      const m = model();
      if (!m) return [];
      // Markers keep the positions they were set with; after an edit they may be past the end.
      const lineText = (line: number) => (line >= 1 && line <= m.getLineCount() ? m.getLineContent(line) : '');
      return [LIVE_OWNER, IAM_OWNER].flatMap((owner) =>
        monaco.editor.getModelMarkers({ owner, resource: m.uri }).map((mk) => ({
          owner,
          ruleId: typeof mk.code === 'object' ? mk.code.value : String(mk.code ?? ''),
          severity: SEVERITY_NAME.get(mk.severity) ?? 'info',
          line: mk.startLineNumber,
          column: toCodePointColumn(lineText(mk.startLineNumber), mk.startColumn),
          endLine: mk.endLineNumber,
          endColumn: toCodePointColumn(lineText(mk.endLineNumber), mk.endColumn),
        })),
      );
    };

    editor.onDidDispose(() => {
      clearTimeout(debounce);
      client.dispose();
      disposables.forEach((d) => d.dispose());
    });

    const handle: EditorHandle = {
      getText: () => model()?.getValue() ?? '',
      getVersion: () => model()?.getAlternativeVersionId() ?? 0,
      replaceText(text) {
        const m = model();
        if (!m) return;
        editor.pushUndoStop();
        editor.executeEdits('rayguard', [{ range: m.getFullModelRange(), text, forceMoveMarkers: false }]);
        editor.pushUndoStop();
        // The previous text's markers say nothing about this one: gone until its analysis is in.
        setMarkers(LIVE_OWNER, []);
        editor.setPosition({ lineNumber: 1, column: 1 });
        editor.setScrollLeft(0);
        editor.revealLine(1);
      },
      showIamFindings: (findings) => setMarkers(IAM_OWNER, findings),
      analyzeNow: runLive,
      reveal(line, column) {
        const m = model();
        if (!m) return;
        const lineNumber = Math.min(Math.max(1, line), m.getLineCount());
        const position = m.validatePosition({ lineNumber, column: toMonacoColumn(m.getLineContent(lineNumber), column) });
        editor.setPosition(position);
        editor.revealPositionInCenter(position); // also scrolls sideways to a finding far along a long line
        editor.focus();
      },
      focus: () => editor.focus(),
    };
    latest.current.onReady(handle);
    if (!readOnly) runLive();
  }, []);

  return (
    <Editor
      defaultValue={props.defaultValue}
      defaultLanguage="yaml"
      path={EDITOR_MODEL_PATH}
      options={props.readOnly ? READ_ONLY_OPTIONS : OPTIONS}
      onMount={onMount}
      loading={<div className="editor-loading">Loading editor…</div>}
    />
  );
}
