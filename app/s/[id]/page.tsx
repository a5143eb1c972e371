import type { Metadata } from 'next';
import { SharedView } from '../SharedView';

// Nothing here is cacheable: the page is rendered per request and says no-store.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Shared validation',
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/**
 * A stored share link, `/s/<id>#k=<key>`. The HTML holds only the id: the browser fetches the
 * ciphertext and decrypts it with the key from the fragment, so nothing readable is served here.
 */
export default async function SharedLinkPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SharedView id={id} />;
}
