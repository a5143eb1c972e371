import type { Metadata } from 'next';
import { SharedView } from './SharedView';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Shared validation',
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/** A link without the server, `/s#v1:<ciphertext>.<key>`: the fragment carries everything, the server nothing. */
export default function SharedFragmentPage() {
  return <SharedView id={null} />;
}
