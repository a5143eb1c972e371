import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';

/**
 * File arguments that the shell did not expand (quoted, Windows, CI `args:` lists, npm scripts):
 * `*` and `?` match within one path segment, `**` matches any number of directories. Like a
 * shell, a wildcard does not match a leading `.` unless the pattern segment starts with one,
 * and `**` does not descend into dot directories or through symbolic links (no cycles).
 * Node 20 has no `fs.globSync` (22 does); this covers what file arguments need, nothing more.
 */

/** Whether an argument is a pattern to expand rather than a path. */
export function isGlob(arg: string): boolean {
  return /[*?]/.test(arg);
}

function segmentMatcher(seg: string): RegExp {
  let re = '';
  for (const ch of seg) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir === '' ? '.' : dir, { withFileTypes: true });
  } catch {
    return []; // unreadable or not a directory: nothing matches there
  }
}

function kind(full: string, d: Dirent): 'file' | 'dir' | 'other' {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'dir';
  if (d.isSymbolicLink()) {
    try {
      const s = statSync(full);
      return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
    } catch {
      return 'other';
    }
  }
  return 'other';
}

const join = (dir: string, name: string) => (dir === '' ? name : dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);

/**
 * The files a pattern matches, sorted, spelled the way the pattern starts (a relative pattern
 * gives relative paths). Only regular files (or links to them) are returned.
 */
export function expandGlob(pattern: string): string[] {
  const segs = pattern.split('/');
  let base = '';
  let i = 0;
  if (segs[0] === '') {
    base = '/';
    i = 1;
  }
  // The literal leading directories are walked to, not searched.
  while (i < segs.length - 1 && !isGlob(segs[i])) {
    base = segs[i] === '' ? base : join(base, segs[i]);
    i++;
  }
  const out = new Set<string>();
  const walk = (dir: string, at: number): void => {
    const seg = segs[at];
    const last = at === segs.length - 1;
    if (seg === '**') {
      if (last) {
        // `dir/**` alone: every file below dir
        for (const d of entries(dir)) {
          if (d.name.startsWith('.')) continue;
          const full = join(dir, d.name);
          const k = kind(full, d);
          if (k === 'file') out.add(full);
          else if (k === 'dir' && !d.isSymbolicLink()) walk(full, at);
        }
        return;
      }
      walk(dir, at + 1); // zero directories
      for (const d of entries(dir)) {
        if (d.name.startsWith('.') || !d.isDirectory()) continue; // not through links: no cycles
        walk(join(dir, d.name), at);
      }
      return;
    }
    if (seg === '' || seg === '.') {
      if (!last) walk(dir, at + 1);
      return;
    }
    if (!isGlob(seg)) {
      const full = join(dir, seg);
      if (last) {
        if (existsSync(full) && statSync(full).isFile()) out.add(full);
      } else walk(full, at + 1);
      return;
    }
    const re = segmentMatcher(seg);
    const dotOk = seg.startsWith('.');
    for (const d of entries(dir)) {
      if (d.name.startsWith('.') && !dotOk) continue;
      if (!re.test(d.name)) continue;
      const full = join(dir, d.name);
      const k = kind(full, d);
      if (last) {
        if (k === 'file') out.add(full);
      } else if (k === 'dir') walk(full, at + 1);
    }
  };
  walk(base, i);
  return [...out].sort();
}
