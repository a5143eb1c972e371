// package.json has "type": "module", so this file is ESM.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

// monaco-worker-manager 2.0.1 (a dependency of monaco-yaml) still imports Monaco's pre-0.56 path,
// which monaco-editor 0.57's exports map no longer resolves (see shared/STACK.md §3).
const OLD_WORKER = 'monaco-editor/esm/vs/editor/editor.worker.js';

const SHARE_PAGE_HEADERS = [
  { key: 'Cache-Control', value: 'no-store' },
  { key: 'X-Robots-Tag', value: 'noindex' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A self-contained server in .next/standalone (Dockerfile, bench:load); `next start` works too.
  output: 'standalone',
  // Where the build goes; another directory lets a second build run beside the main one (tests).
  distDir: process.env.RAYGUARD_DIST_DIR || '.next',
  // lib/server/samples.ts reads data/samples at run time (fs, from the working directory): make
  // sure the standalone server gets them, whatever file tracing finds on its own.
  outputFileTracingIncludes: {
    '/api/samples': ['./data/samples/**'],
    '/api/samples/[id]': ['./data/samples/**'],
  },
  poweredByHeader: false,
  // next dev 16.5 otherwise writes AGENTS.md into the project root.
  agentRules: false,
  experimental: { agentUpgrade: false },
  turbopack: {
    resolveAlias: { [OLD_WORKER]: 'monaco-editor/editor/editor.worker.js' },
  },
  webpack(config) {
    config.resolve.alias[`${OLD_WORKER}$`] = path.join(root, 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js');
    return config;
  },
  // Headers for every response, static files included. The Content-Security-Policy is not here:
  // pages need a fresh nonce per request, so proxy.ts sets it (docs/security-headers.md).
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
      // Share pages: never cached, never indexed, never a Referer (the key is in the fragment,
      // which browsers do not send, but the id is in the path).
      ...['/s', '/s/:path*'].map((source) => ({ source, headers: SHARE_PAGE_HEADERS })),
    ];
  },
};

export default nextConfig;
