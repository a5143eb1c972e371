#!/usr/bin/env node
/**
 * Assembles the standalone server exactly as the Dockerfile does: `next build` (output:
 * 'standalone') writes <dist>/standalone/server.js with the traced node_modules, but not the
 * browser assets, which the server still serves: they are copied beside it.
 *
 *   <dist>/static  →  <standalone>/<dist>/static     (JS chunks, CSS, fonts: /_next/static/…)
 *   public         →  <standalone>/public            (when the project has one)
 *
 * Usage: node scripts/standalone.mjs [target]
 *   Without a target the standalone folder is completed in place (<dist>/standalone); with one,
 *   it is copied there first (like the Dockerfile's COPY into /app). Either way it prints the
 *   folder; start it with `node <folder>/server.js` (PORT, HOSTNAME; settings: RAYGUARD_*).
 * The dist directory is RAYGUARD_DIST_DIR (default .next), as in next.config.js.
 *
 * Also importable: `assembleStandalone({ root, distDir, target })` returns the folder.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export class NoBuildError extends Error {}

/** The dist directory as next.config.js reads it. */
export function distDirOf(env = process.env) {
  return env.RAYGUARD_DIST_DIR || '.next';
}

/**
 * @param {{ root?: string, distDir?: string, target?: string }} [opts]
 * @returns {string} the assembled folder (holds server.js)
 */
export function assembleStandalone(opts = {}) {
  const root = opts.root ?? ROOT;
  const distDir = opts.distDir ?? distDirOf();
  const dist = path.resolve(root, distDir);
  const standalone = path.join(dist, 'standalone');
  if (!existsSync(path.join(standalone, 'server.js'))) {
    throw new NoBuildError(`${path.relative(root, standalone) || standalone}/server.js not found: run \`npm run build\` first${distDir === '.next' ? '' : ` (with RAYGUARD_DIST_DIR=${distDir})`}`);
  }
  if (!existsSync(path.join(dist, 'static'))) throw new NoBuildError(`${distDir}/static not found: the build is incomplete; run \`npm run build\``);

  let out = standalone;
  if (opts.target) {
    out = path.resolve(opts.target);
    rmSync(out, { recursive: true, force: true });
    cpSync(standalone, out, { recursive: true, verbatimSymlinks: true });
  }
  // The server looks for its static assets at <its folder>/<distDir>/static (distDir as built).
  const staticOut = path.join(out, distDir, 'static');
  rmSync(staticOut, { recursive: true, force: true });
  cpSync(path.join(dist, 'static'), staticOut, { recursive: true });
  const pub = path.join(root, 'public');
  if (existsSync(pub)) {
    rmSync(path.join(out, 'public'), { recursive: true, force: true });
    cpSync(pub, path.join(out, 'public'), { recursive: true });
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(assembleStandalone({ target: process.argv[2] }));
  } catch (e) {
    if (e instanceof NoBuildError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
