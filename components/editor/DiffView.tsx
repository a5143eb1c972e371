'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { DiffEditor, type DiffOnMount } from '@monaco-editor/react';
import { monaco } from './setup';

export interface DiffViewProps {
  original: string;
  corrected: string;
  /** Names this diff's Monaco models: two diffs on one page must not share them. */
  name?: string;
}

const OPTIONS: monaco.editor.IDiffEditorConstructionOptions = {
  automaticLayout: true,
  readOnly: true,
  originalEditable: false,
  renderSideBySide: true,
  // Keep two panes even in a narrow window (Monaco switches to inline below 900 px otherwise).
  useInlineViewWhenSpaceIsLimited: false,
  enableSplitViewResizing: true,
  fontSize: 13,
  lineHeight: 19,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  renderOverviewRuler: false,
  lineNumbersMinChars: 4,
  glyphMargin: false,
  hideUnchangedRegions: { enabled: true, contextLineCount: 3, minimumLineCount: 5, revealLineCount: 10 },
  fixedOverflowWidgets: true,
};

/** Read-only side-by-side diff: the text sent to /api/fix | the corrected text. */
const MIN_HEIGHT = 220;
const MAX_HEIGHT = 640;

export default function DiffView({ original, corrected, name = 'fix' }: DiffViewProps) {
  const models = useRef<monaco.editor.ITextModel[]>([]);
  // As tall as the diff (unchanged regions are folded), within bounds.
  const [height, setHeight] = useState(MAX_HEIGHT);

  const onMount = useCallback<DiffOnMount>((editor) => {
    const model = editor.getModel();
    if (model) models.current = [model.original, model.modified];
    const modified = editor.getModifiedEditor();
    const fit = () => setHeight(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, modified.getContentHeight() + 2)));
    modified.onDidContentSizeChange(fit);
    fit();
  }, []);

  // @monaco-editor/react disposes the models before the diff editor on unmount, which makes Monaco
  // log "TextModel got disposed before DiffEditorWidget model got reset". Keep the models through
  // the library's cleanup and dispose them afterwards.
  useEffect(() => {
    const owned = models;
    return () => {
      const toDispose = owned.current;
      owned.current = [];
      setTimeout(() => toDispose.forEach((m) => m.isDisposed() || m.dispose()), 0);
    };
  }, []);

  return (
    <div className="diff-view" style={{ height }}>
    <DiffEditor
      original={original}
      modified={corrected}
      language="yaml"
      originalModelPath={`file:///rayguard/diff/${name}/original.yaml`}
      modifiedModelPath={`file:///rayguard/diff/${name}/corrected.yaml`}
      keepCurrentOriginalModel
      keepCurrentModifiedModel
      options={OPTIONS}
      onMount={onMount}
      loading={<div className="editor-loading">Loading diff…</div>}
    />
    </div>
  );
}
