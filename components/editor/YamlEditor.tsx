'use client';

import { useCallback, useRef } from 'react';
import Editor, { type OnMount } from '@monaco-editor/react';
import { EDITOR_MODEL_PATH, monaco } from './setup';
import { toCodePointColumn, toMonacoColumn } from './columns';
import type { CursorPosition, EditorHandle } from './handle';
import type { Finding, Severity } from '@/lib/findings/types';
import { ruleDocsPath } from '@/lib/findings/catalogue';

export interface YamlEditorProps {
  /** The initial text. The editor is uncontrolled: later changes go through the handle. */
  defaultValue: string;
  onChange: (text: string) => void;
  onReady: (handle: EditorHandle) => void;
  /** Ctrl/Cmd+Enter inside the editor. */
  onValidateShortcut: () => void;
  onCursorChange?: (position: CursorPosition) => void;
}

const SEVERITY: Record<Severity, monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  info: monaco.MarkerSeverity.Info,
};

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
};

export default function YamlEditor(props: YamlEditorProps) {
  // The callbacks change identity between renders; the editor keeps the latest through a ref.
  const latest = useRef(props);
  latest.current = props;

  const onChange = useCallback((value: string | undefined) => latest.current.onChange(value ?? ''), []);

  const onMount = useCallback<OnMount>((editor) => {
    const model = () => editor.getModel();

    editor.addAction({
      id: 'rayguard.validate',
      label: 'Rayguard: Validate',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => latest.current.onValidateShortcut(),
    });

    editor.onDidChangeCursorPosition((e) => {
      const m = model();
      if (!m) return;
      const lineText = m.getLineContent(e.position.lineNumber);
      latest.current.onCursorChange?.({ line: e.position.lineNumber, column: toCodePointColumn(lineText, e.position.column) });
    });

    const handle: EditorHandle = {
      getText: () => model()?.getValue() ?? '',
      replaceText(text) {
        const m = model();
        if (!m) return;
        editor.pushUndoStop();
        editor.executeEdits('rayguard', [{ range: m.getFullModelRange(), text, forceMoveMarkers: false }]);
        editor.pushUndoStop();
        editor.setPosition({ lineNumber: 1, column: 1 });
        editor.revealLine(1);
      },
      showFindings(findings) {
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
            message: f.message,
            source: 'rayguard',
            code: { value: f.ruleId, target: monaco.Uri.parse(window.location.origin + ruleDocsPath(f.ruleId)) },
            startLineNumber: range.startLineNumber,
            startColumn: range.startColumn,
            endLineNumber: range.endLineNumber,
            endColumn: range.endColumn,
          };
        });
        monaco.editor.setModelMarkers(m, 'rayguard', markers);
      },
      reveal(line, column) {
        const m = model();
        if (!m) return;
        const lineNumber = Math.min(Math.max(1, line), m.getLineCount());
        const position = m.validatePosition({ lineNumber, column: toMonacoColumn(m.getLineContent(lineNumber), column) });
        editor.setPosition(position);
        editor.revealLineInCenter(position.lineNumber);
        editor.focus();
      },
      focus: () => editor.focus(),
    };
    latest.current.onReady(handle);
  }, []);

  return (
    <Editor
      defaultValue={props.defaultValue}
      defaultLanguage="yaml"
      path={EDITOR_MODEL_PATH}
      options={OPTIONS}
      onChange={onChange}
      onMount={onMount}
      loading={<div className="editor-loading">Loading editor…</div>}
    />
  );
}
