/**
 * Monaco + monaco-yaml, bundled from node_modules (never a CDN). Client-only: import it only from
 * modules loaded with `dynamic(..., { ssr: false })`. See shared/STACK.md §3 for the two shims.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/yaml/register';
import { loader } from '@monaco-editor/react';
import { configureMonacoYaml } from 'monaco-yaml';
import { RAY_SCHEMA_URI, raySchema } from './raySchema';

/** The model the main editor edits; monaco-yaml applies the Ray schema to it only. */
export const EDITOR_MODEL_PATH = 'file:///rayguard/config.yaml';

function makeWorker(label: string): Worker {
  return label === 'yaml'
    ? new Worker(new URL('./yaml.worker.ts', import.meta.url), { type: 'module', name: 'yaml' })
    : new Worker(new URL('./editor.worker.ts', import.meta.url), { type: 'module', name: label });
}

window.MonacoEnvironment = { getWorker: (_workerId: string, label: string) => makeWorker(label) };

// monaco-editor >= 0.55 wants `opts.worker` and no longer sends `createData`; monaco-yaml 5.5.1
// still passes {label, moduleId, createData}. Create the worker here and send the old handshake.
type LegacyWorkerOptions = { worker?: unknown; label?: string; createData?: unknown };
const createWebWorker = monaco.editor.createWebWorker;
const monacoForYaml = {
  ...monaco,
  editor: {
    ...monaco.editor,
    createWebWorker: (opts: LegacyWorkerOptions) => {
      if (opts.worker) return createWebWorker(opts as Parameters<typeof createWebWorker>[0]);
      const worker = makeWorker(opts.label ?? 'yaml');
      worker.postMessage('ignore');
      worker.postMessage(opts.createData);
      return createWebWorker({ ...opts, worker } as Parameters<typeof createWebWorker>[0]);
    },
  },
} as unknown as typeof monaco;

// monaco-yaml gives completion, hover docs and snippets from the schema. Its own validation stays
// off: RG101/RG103 come from lib/ (the same parser and schema check as the API and the CLI), so the
// editor shows each problem once, with the same position everywhere.
configureMonacoYaml(monacoForYaml, {
  enableSchemaRequest: false,
  validate: false,
  completion: true,
  hover: true,
  format: { enable: true },
  schemas: [{ uri: RAY_SCHEMA_URI, fileMatch: ['**/rayguard/config.yaml'], schema: raySchema }],
});

// Must run before the first <Editor> mounts, or @monaco-editor/react fetches Monaco from a CDN.
loader.config({ monaco });

export { monaco };
export type Monaco = typeof monaco;
