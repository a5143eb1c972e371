import type { CardStatus, ProfileCard } from './report';
import type { IamSourceInfo } from './types';

/**
 * What an IAM card's status line says. A profile can be sound (it exists, carries a role, the role
 * trusts EC2) while the head role lacks permissions or they could not be checked: then the line
 * says "Profile OK" with a warning mark, never a plain "✔ OK", and `permissions` says which.
 */
export interface CardHeadline {
  icon: '✔' | '✖' | '?' | '';
  label: string;
  /** The CSS tone: a card status, or `checking`. */
  tone: CardStatus | 'checking';
  /** What is wrong with the role's permissions, when the profile itself is fine. */
  permissions: 'missing' | 'uncertain' | 'unverified' | null;
}

const STATUS_LABEL: Record<CardStatus, string> = {
  ok: 'OK',
  'not-found': 'Not found',
  'no-role': 'No role',
  untrusted: 'Does not trust EC2',
  unverified: 'Not verified',
};

/** A card still waiting for its lookup (as first announced). */
export function isPendingCard(c: ProfileCard): boolean {
  return c.status === 'unverified' && !c.unverifiedReason && c.summary === 'checking…';
}

export function cardHeadline(card: ProfileCard, done: boolean): CardHeadline {
  if (isPendingCard(card) && !done) return { icon: '', label: 'Checking…', tone: 'checking', permissions: null };
  if (card.status !== 'ok') {
    return { icon: card.status === 'unverified' ? '?' : '✖', label: STATUS_LABEL[card.status], tone: card.status, permissions: null };
  }
  const verdicts = card.verdicts ?? [];
  if (verdicts.some((v) => v.decision === 'implicit-deny' || v.decision === 'explicit-deny')) {
    return { icon: '✖', label: 'Profile OK', tone: 'untrusted', permissions: 'missing' };
  }
  if (card.unverifiedReason || (card.isHead && done && !card.verdicts)) {
    return { icon: '?', label: 'Profile OK', tone: 'unverified', permissions: 'unverified' };
  }
  if (verdicts.some((v) => v.decision === 'maybe')) {
    return { icon: '?', label: 'Profile OK', tone: 'unverified', permissions: 'uncertain' };
  }
  return { icon: '✔', label: card.isHead && !card.verdicts ? 'Profile OK' : 'OK', tone: 'ok', permissions: null };
}

/**
 * The source's label without its account id when the label already carries it (labels stored by
 * older versions: "live AWS account 123456789012"), for lines that show the account beside it.
 */
export function sourceLabel(info: Pick<IamSourceInfo, 'label' | 'accountId'>): string {
  const id = info.accountId;
  if (!id || !/^\d{12}$/.test(id)) return info.label;
  const stripped = info.label.replace(new RegExp(`\\s+${id}(?!\\d)`, 'g'), '').trim();
  return stripped || info.label;
}
