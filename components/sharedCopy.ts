/**
 * "Validate again now" on a shared page: the shared (redacted) config goes to the dashboard as an
 * editable copy through this tab's sessionStorage, never through the URL or the server.
 */

const STORAGE_KEY = 'rayguard:shared-copy';
/** The dashboard URL that picks the copy up. */
export const SHARED_COPY_URL = '/?from=share';

export interface SharedCopy {
  text: string;
  fileName: string;
}

/** Keeps the copy for the dashboard; false when sessionStorage refused it (full, disabled). */
export function putSharedCopy(copy: SharedCopy): boolean {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(copy));
    return true;
  } catch {
    return false;
  }
}

/** The copy left by a shared page, once (it is removed); null unless the URL asks for it. */
export function takeSharedCopy(): SharedCopy | null {
  if (new URLSearchParams(window.location.search).get('from') !== 'share') return null;
  let raw: string | null = null;
  try {
    raw = sessionStorage.getItem(STORAGE_KEY);
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && typeof (v as SharedCopy).text === 'string' && typeof (v as SharedCopy).fileName === 'string') {
      return { text: (v as SharedCopy).text, fileName: (v as SharedCopy).fileName };
    }
  } catch {
    /* not ours */
  }
  return null;
}
